"""The tabwriter behind `kubectl get` (min width 6, padding 3) and `describe` (0, 2).

Expected strings restate upstream printers_test.go (`TestPrintService`,
`TestPrintPodDisruptionBudget`, `TestPrintReplicaSet`: single rows printed with --no-headers)
and what kubectl 1.37.1 printed for the same cells (checked against the real binary).
"""

from __future__ import annotations

import pytest

from kubesvc.printers.table.tabwriter import (
    escape_terminal,
    render_flat,
    render_table,
    sanitize_cell,
    tabwrite,
)

SVC_HEADERS = ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]


@pytest.mark.parametrize(("row", "want"), [
    (["test1", "ClusterIP", "10.9.8.7", "<none>", "2233/tcp", "<unknown>"],
     "test1   ClusterIP   10.9.8.7   <none>   2233/tcp   <unknown>\n"),
    (["test2", "NodePort", "10.9.8.7", "<none>", "8888:9999/tcp", "<unknown>"],
     "test2   NodePort   10.9.8.7   <none>   8888:9999/tcp   <unknown>\n"),
    (["test3", "LoadBalancer", "10.9.8.7", "<pending>", "8888/tcp", "<unknown>"],
     "test3   LoadBalancer   10.9.8.7   <pending>   8888/tcp   <unknown>\n"),
    (["test6", "LoadBalancer", "10.9.8.7", "2.3.4.5,3.4.5.6,80.11.12.10,80.11.12.11", "8888/tcp",
      "<unknown>"],
     "test6   LoadBalancer   10.9.8.7   2.3.4.5,3.4.5.6,80.11.12.10,80.11.12.11   8888/tcp   "
     "<unknown>\n"),
    (["test7", "ExternalName", "<none>", "my.database.example.com", "<none>", "<unknown>"],
     "test7   ExternalName   <none>   my.database.example.com   <none>   <unknown>\n"),
    # short cells are padded to the minimum width of 6
    (["pdb1", "22", "N/A", "5", "0s"], "pdb1   22    N/A   5     0s\n"),
    (["pdb2", "N/A", "11", "5", "0s"], "pdb2   N/A   11    5     0s\n"),
    (["test1", "5", "5", "2", "0s"], "test1   5     5     2     0s\n"),
    (["test1", "5", "5", "2", "0s", "fake-container1,fake-container2", "fake-image1,fake-image2",
      "foo=bar"],
     "test1   5     5     2     0s    fake-container1,fake-container2   fake-image1,fake-image2   "
     "foo=bar\n"),
])
def test_single_rows_without_headers(row, want):
    assert render_table(["H"] * len(row), [row], no_headers=True) == want


def test_header_counts_towards_width():
    rows = [["web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP", "5m"],
            ["a-very-long-service-name", "NodePort", "10.96.0.11", "<none>", "80:30080/TCP", "10d"]]
    assert render_table(SVC_HEADERS, rows) == (
        "NAME                       TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE\n"
        "web                        ClusterIP   10.96.0.10   <none>        80/TCP         5m\n"
        "a-very-long-service-name   NodePort    10.96.0.11   <none>        80:30080/TCP   10d\n"
    )
    # without the header, EXTERNAL-IP shrinks to its widest value
    assert render_table(SVC_HEADERS, rows, no_headers=True) == (
        "web                        ClusterIP   10.96.0.10   <none>   80/TCP         5m\n"
        "a-very-long-service-name   NodePort    10.96.0.11   <none>   80:30080/TCP   10d\n"
    )


def test_no_rows_prints_nothing():
    assert render_table(SVC_HEADERS, []) == ""
    assert render_table(SVC_HEADERS, [], no_headers=True) == ""


def test_empty_cells_keep_their_width_and_empty_last_cell_leaves_padding():
    got = render_table(["NAME", "AGE", "SELECTOR"], [["web", "5m", "app=web"], ["x", "10d", ""]])
    assert got == ("NAME   AGE   SELECTOR\n"
                   "web    5m    app=web\n"
                   "x      10d   \n")
    got = render_table(["NAME", "READY", "UP-TO-DATE", "AGE", "X"],
                       [["foo", "0/0", "", "<unknown>", "<none>"]], no_headers=True)
    assert got == "foo   0/0         <unknown>   <none>\n"


def test_non_ascii_cells_count_bytes_after_an_ascii_first_line():
    rows = [["d", "é ü", "5m"], ["e", "日本", "1s"]]
    # kubectl 1.37.1: after an ASCII first line (the header), "日本" (2 characters, 6 bytes)
    # counts as 6; when the first line is not ASCII everything counts in characters
    assert render_table(["NAME", "X", "AGE"], rows) == (
        "NAME   X        AGE\nd      é ü      5m\ne      日本       1s\n")
    assert render_table(["NAME", "X", "AGE"], rows, no_headers=True) == (
        "d     é ü   5m\ne     日本    1s\n")
    assert render_table(["NAME", "X", "AGE"], [["日本語", "x", "5m"], ["c", "y", "5m"]]) == (
        "NAME        X     AGE\n日本語         x     5m\nc           y     5m\n")



def test_special_characters_like_kubectl():
    rows = [["a", "line1\nline2", "5m"], ["b", "t1\tt2", "5m"], ["c", "esc\x1b[31mred", "5m"]]
    assert render_table(["NAME", "X", "AGE"], rows) == (
        "NAME   X              AGE\n"
        "a      line1...       5m\n"
        "b      t1             t2    5m\n"
        "c      esc^[[31mred   5m\n"
    )


def test_sanitize_and_escape():
    assert sanitize_cell("a\r\nb") == "a..."
    assert sanitize_cell("a\fb") == "a..."
    assert sanitize_cell("plain") == "plain"
    assert escape_terminal("x\x1by\rz") == "x^[y\\rz"


@pytest.mark.parametrize(("values", "width"), [
    (["abcdef", "日日日日"], 15), (["日日日日", "abcdef"], 9), (["ab", "日日日日", "abcdef"], 15),
    (["abcdef", "ééééé"], 13), (["ééééé", "abcdefghijkl"], 15), (["abc", "日"], 6),
    (["a", "日日"], 9), (["日日", "a"], 6), (["日日日日"], 7),
])
def test_non_ascii_column_width_depends_on_the_line(values, width):
    out = render_table(["NAME", "X", "AGE"], [[f"n{i}", v, "5m"] for i, v in enumerate(values)],
                       no_headers=True)
    for line, value in zip(out.splitlines(), values, strict=True):
        assert line.index("5m") - line.index(value) == width


def test_single_column_table():
    assert render_table(["NAME"], [["a"], ["bb"]]) == "NAME\na\nbb\n"


def test_fifty_thousand_rows_keep_one_column_width():
    # speed is measured by bench/, never asserted here; this checks the layout at scale
    rows = [[f"svc-{i}", "ClusterIP", f"10.96.{i // 250}.{i % 250}", "<none>", "80/TCP", "5d"]
            for i in range(50_000)]
    out = render_table(SVC_HEADERS, rows)
    lines = out.splitlines()
    assert len(lines) == 50_001
    assert {line.index("ClusterIP") for line in lines[1:]} == {lines[0].index("TYPE")}


# --- describe's tabwriter ------------------------------------------------------------------

def test_tabwrite_blocks_end_at_lines_without_the_column():
    text = ("Name:\tweb\n"
            "Labels:\tapp=web\n"
            "\ttier=frontend\n"
            "Port:\thttp\t80/TCP\n"
            "TargetPort:\t8080/TCP\n"
            "Events:\t<none>\n")
    assert tabwrite(text, 0, 2) == ("Name:        web\n"
                                    "Labels:      app=web\n"
                                    "             tier=frontend\n"
                                    "Port:        http  80/TCP\n"
                                    "TargetPort:  8080/TCP\n"
                                    "Events:      <none>\n")


def test_tabwrite_line_without_tab_splits_blocks():
    text = ("Conditions:\n  Type\tStatus\n  Ready \tTrue \n"
            "Volumes:\t<none>\nQoS Class:\tBestEffort\n")
    # the four lines after "Conditions:" form one block, so "QoS Class:" sets the width
    assert tabwrite(text, 0, 2) == ("Conditions:\n"
                                    "  Type      Status\n"
                                    "  Ready     True \n"
                                    "Volumes:    <none>\n"
                                    "QoS Class:  BestEffort\n")


def test_tabwrite_min_width_and_no_trailing_newline():
    assert tabwrite("a\tb", 6, 3) == "a     b"
    assert tabwrite("", 0, 2) == ""


FLAT_TABLES = [
    (["NAME", "AGE", "SELECTOR"], [["web", "5m", "app=web"], ["x", "10d", ""]]),
    (["NAME", "X", "AGE"], [["a", "日本語", "5m"], ["bb", "x", "10d"]]),  # non-ASCII: _layout
    (["NAME", "X", "AGE"], [["a", "b\tc", "5m"], ["bb", "x", "1d"]]),  # a tab: tabwrite
    (["NAME", "X", "AGE"], [["a", "b\nc", "5m"], ["bb", "x\x1b", "1d"]]),  # cut and escaped
    (["NAME", "X", "AGE"], [["a", "50%s", "%d"], ["%%", "x", "1d"]]),  # cells are not formats
    (["NAME"], [["a"], ["bb"]]),
    (["NAME", "AGE"], []),
]


@pytest.mark.parametrize("no_headers", [False, True])
@pytest.mark.parametrize("headers, rows", FLAT_TABLES)
def test_flat_cells_render_as_rows(headers, rows, no_headers):
    flat = [c for row in rows for c in row]
    assert render_flat(headers, flat, len(headers), no_headers=no_headers) == render_table(
        headers, rows, no_headers=no_headers)
