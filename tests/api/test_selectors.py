"""Label selector parsing, matching and formatting (apimachinery pkg/labels semantics)."""

import pytest

from kubesvc.api import selectors
from kubesvc.api.errors import ClientError

LABELS = {"app": "web", "tier": "frontend", "env": "prod"}


@pytest.mark.parametrize("text, matches", [
    ("app=web", True),
    ("app==web", True),
    ("app=api", False),
    ("app!=api", True),
    ("missing!=x", True),  # != matches objects that lack the key
    ("tier in (frontend,backend)", True),
    ("tier in (backend)", False),
    ("tier notin (backend)", True),
    ("missing notin (x)", True),  # notin matches objects that lack the key
    ("app", True),
    ("missing", False),
    ("!missing", True),
    ("!app", False),
    ("app=web,tier=frontend", True),
    ("app=web,tier=backend", False),
    ("app=web, env in (prod, staging)", True),
    ("", True),  # the empty selector selects everything
])
def test_parse_and_match(text, matches):
    assert selectors.parse(text).matches(LABELS) is matches


@pytest.mark.parametrize("text", ["app in web", "app in (web", "app=web,,", "=web", "app >"])
def test_parse_errors(text):
    with pytest.raises(ClientError) as exc:
        selectors.parse(text)
    assert "unable to parse requirement" in str(exc.value)


def test_string_form_sorted_by_key():
    assert str(selectors.parse("z=1,a in (c,b),!m")) == "a in (b,c),!m,z=1"


@pytest.mark.parametrize("ls, labels, matches", [
    (None, {"a": "1"}, False),  # a nil LabelSelector selects nothing
    ({}, {"a": "1"}, True),  # an empty one selects everything
    ({"matchLabels": {"a": "1"}}, {"a": "1", "b": "2"}, True),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "2"]}]}, {"a": "2"},
     True),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {}, True),
    ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {}, False),
    ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {}, True),
], ids=["nil-selects-nothing", "empty-selects-all", "matchLabels", "In", "NotIn-absent-key",
        "Exists-absent-key", "DoesNotExist-absent-key"])
def test_label_selector(ls, labels, matches):
    assert selectors.from_label_selector(ls).matches(labels) is matches


@pytest.mark.parametrize("labels, text", [
    ({}, "<none>"),
    (None, "<none>"),
    ({"b": "2", "a": "1"}, "a=1,b=2"),
    ({"a": "1", "a.b": "2"}, "a.b=2,a=1"),  # whole "k=v" strings are sorted: '.' < '='
])
def test_format_labels(labels, text):
    assert selectors.format_labels(labels) == text


@pytest.mark.parametrize("ls, text", [
    ({}, "<none>"),
    ({"matchLabels": {"app": "web"}}, "app=web"),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["y", "x"]}]},
     "a in (x,y)"),
    ({"matchExpressions": [{"key": "a", "operator": "Bad"}]}, "<error>"),
])
def test_format_label_selector(ls, text):
    assert selectors.format_label_selector(ls) == text
