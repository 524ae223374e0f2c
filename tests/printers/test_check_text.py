"""The plain-text `kubesvc check` report (printers/check_text.py) is byte for byte what the
rich view draws without colour: line wrapping of long messages, rules, object names and words
longer than a line, at several widths; text it cannot lay out goes back to rich."""

from __future__ import annotations

import pytest

from kubesvc.printers import check_text, resolve_view
from kubesvc.printers.resolve import render
from kubesvc.resolver import records as rec
from kubesvc.resolver.records import Problem, Reason

LONG = "x" * 130
WORDS = ("the EndpointSlice controller selects the pods of the Service's namespace whose labels "
         "contain every selector key=value (k8s pkg/controller/endpointslice syncService)")


def _p(obj, code, message, severity=rec.WARNING, rule=""):
    return Problem(obj, Reason(code, message, severity=severity, rule=rule))


CASES = {
    "none": [],
    "short": [_p("Service a/b", "lb-pending", "no address yet")],
    "wrapped-with-rule": [_p("Service ns-00/app-1", "port-unchecked",
                             "port 9090/TCP → targetPort 9090: no container declares 9090 "
                             "(they declare [8080, 9100, 15000]); it is used anyway",
                             rule=WORDS)],
    "severities-and-objects": [
        _p("Service a/b", "selector-no-match", WORDS, severity=rec.ERROR),
        _p("Service a/b", "headless", "a/b is headless", severity=rec.INFO),
        _p("Pod a/p", "pod-unschedulable", "Pending: 0/3 nodes are available", rule=WORDS),
        _p("Service a/b", "lb-proxy-mode", "ingress x: kube-proxy installs no rule"),
    ],
    "long-words": [_p("Service a/" + LONG, LONG, f"a {LONG} b\n- {LONG}{LONG} c",
                      rule=f"{LONG}  two  spaces  {'y' * 88} {'z' * 87}")],
    "lines-and-blanks": [_p("Service a/b", "c", "first\n\n  indented line\n- item " + WORDS,
                            rule="  " + WORDS + "   ")],
}


@pytest.mark.parametrize("width", [40, 63, 100, 147])
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_plain_report_is_the_rich_one(case, width):
    assert check_text.draw(CASES[case], width) == resolve_view.draw(CASES[case], width)


@pytest.mark.parametrize("text", ["名前空間 ns", "tab\there", "bell\x07", "e\u0301"])
def test_text_it_cannot_lay_out_goes_to_rich(text):
    problems = [_p("Service a/b", "c", text)]
    assert check_text.draw(problems, 100) is None
    assert render(problems, None) == resolve_view.draw(problems)


def test_narrow_and_coloured_output_is_rich_s():
    problems = CASES["wrapped-with-rule"]
    assert check_text.draw(problems, check_text.MIN_WIDTH - 1) is None
    assert render(problems, None, width=30) == resolve_view.draw(problems, 30)
    assert "\x1b[" in render(problems, None, color=True)
