"""Tables printed from the store's summary column (kubesvc.api.table_cells) are the tables
printed from the objects: same AGE cells, same rows, same bytes."""

import json
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from kubesvc.api import table_cells
from kubesvc.printers.duration import translate_timestamp_since
from kubesvc.printers.table import columns, service_text
from kubesvc.printers.table.columns import (
    FINISH,
    SERVICE_FIELDS,
    SummaryFields,
    summary_table,
    table_for,
)
from kubesvc.printers.table.columns_core import Ages
from kubesvc.printers.table.service_text import PodGroups, ServiceGroups, pod_table, service_table

NOWS = [datetime(2026, 12, 1, 0, 0, 0, tzinfo=UTC), datetime(2026, 12, 7, 16, 59, 7, tzinfo=UTC),
        datetime(2026, 12, 7, 16, 59, 7, 250000, tzinfo=UTC),
        datetime(2026, 12, 7, 17, 29, 7, tzinfo=timezone(timedelta(hours=5, minutes=30)))]


def _timestamps(now: datetime, count: int) -> list[str]:
    rnd = random.Random(11)
    out = []
    for _ in range(count):
        back = rnd.choice([rnd.randint(-5, 200), rnd.randint(0, 4000), rnd.randint(0, 200000),
                           rnd.randint(0, 400 * 86400), rnd.randint(0, 12 * 365 * 86400),
                           3 * 86400 + rnd.randint(0, 7200), 40 * 3600 + rnd.randint(0, 30000)])
        out.append((now - timedelta(seconds=back)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return out


ODD = ["", "not a time", "2026-11-31T00:00:00Z", "2026-11-01T24:00:00Z", "2026-11-01T23:60:00Z",
       "2026-11-01T23:00:60Z", "2026-11-01T23:00:00z", "2026-11-01T23:00:00.5Z",
       "2026-11-01T23:00:00+02:00", " 2026-11-01T23:00:00Z", "0000-01-01T00:00:00Z",
       "2026-11-01t23:00:00Z", "2026-11-01T23:00:00", "２０２６-11-01T23:00:00Z"]


@pytest.mark.parametrize("now", NOWS)
def test_ages_are_translate_timestamp_since(now):
    ages = Ages(now)
    for ts in _timestamps(now, 3000) + ODD:
        assert ages(ts) == translate_timestamp_since(ts, now), ts
        assert ages(ts) == translate_timestamp_since(ts, now), ts  # remembered the same


@pytest.mark.parametrize("now", NOWS)
def test_remembered_ages_need_both_halves_of_a_plain_timestamp(now):
    """A remembered hour answers only a timestamp whose 13-character start and 7-character
    end each came from a timestamp that matched: an odd start or end still takes
    translate_timestamp_since (or its own remembered answer)."""
    ages = Ages(now)
    plain = _timestamps(now, 400)
    odd_ends = [":60:00Z", ":00:60Z", ":00:00z", ":0:00Z", ":00:00.5Z", ":00:00", ":00:00ZZ", ""]
    for ts in plain:
        ages(ts)  # remembered
    for ts in plain:
        for candidate in ([ts[:13] + end for end in odd_ends]
                          + [ts[:12] + "x" + ts[13:], " " + ts[1:], ts[:10] + "t" + ts[11:],
                             ts[:11] + "24" + ts[13:], ts[:5] + "13" + ts[7:], ts]):
            assert ages(candidate) == translate_timestamp_since(candidate, now), candidate


@pytest.mark.parametrize("now", NOWS)
def test_an_age_column_is_translate_timestamp_since(now):
    """Ages.column (the whole AGE column at once) gives each cell __call__ would: plain
    timestamps with new and known starts and endings, odd ones, young and old ones."""
    plain = _timestamps(now, 2000)
    stamps = plain + ODD + [ts[:13] + ":60:00Z" for ts in plain[:50]] + [
        ts[:12] + "x" + ts[13:] for ts in plain[:50]] + plain[:300]
    random.Random(5).shuffle(stamps)
    expected = [translate_timestamp_since(ts, now) for ts in stamps]
    assert Ages(now).column(stamps) == expected
    ages = Ages(now)
    ages.column(plain[:700])  # some remembered already
    assert ages.column(stamps) == expected


def _around_whole_hours(now: datetime) -> list[str]:
    """Timestamps a second either side of, and at, the instants the AGE cell changes near
    two days, eight days, two years: where Ages.cells' whole hours must be exact."""
    base = now.replace(microsecond=0)
    out = []
    for hours in (*range(46, 51), *range(190, 195), *range(17518, 17523), 24 * 30, 24 * 30 + 1):
        for second in (-1, 0, 1):
            out.append((base - timedelta(hours=hours, seconds=second)).astimezone(UTC)
                       .strftime("%Y-%m-%dT%H:%M:%SZ"))
    return out


def _no_column(self, stamps):
    raise AssertionError("Ages.cells took Ages.column for plain timestamps")


@pytest.mark.parametrize("now", NOWS)
def test_an_age_column_at_once_is_translate_timestamp_since(now, monkeypatch):
    """Ages.cells (the column by hours, in C loops) gives each cell __call__ would, for plain
    timestamps (without Ages.column, when now is a whole second), and with odd ones among
    them (Ages.column)."""
    plain = _timestamps(now, 2000) + _around_whole_hours(now)
    random.Random(7).shuffle(plain)
    lists = [plain, plain[:1], _around_whole_hours(now), [ts[:8] + "30" + ts[10:] for ts in plain],
             [ts[:11] + "23" + ts[13:] for ts in plain]]
    for stamps in lists:
        expected = [translate_timestamp_since(ts, now) for ts in stamps]
        with monkeypatch.context() as patch:
            if now.microsecond == 0:
                patch.setattr(Ages, "column", _no_column)
            assert Ages(now).cells(list(stamps)) == expected
    for odd in ODD + ["2026-11-01T23:00:00Z\x1f2026-11-01T23:00:00Z", "2026-11-01T23:0d:00Z"]:
        stamps = plain[:300] + [odd] + plain[300:600]
        assert Ages(now).cells(stamps) == [translate_timestamp_since(ts, now) for ts in stamps]


def test_finish_kinds_are_the_summary_kinds():
    """get_view picks the kinds it prints from summaries by table_cells.CELLS (not importing
    columns): they must be the kinds columns can finish."""
    assert set(FINISH) == set(table_cells.CELLS)


def _pod(name, **status):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "ns", "creationTimestamp":
                         "2026-11-20T10:00:00Z"},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}], "nodeName": "n1"},
            "status": status}


PODS = [
    _pod("plain"),
    _pod("running", phase="Running", podIP="10.0.0.1", containerStatuses=[
        {"name": "a", "ready": True, "restartCount": 0, "state": {"running": {}}}]),
    _pod("restarted", phase="Running", podIPs=[{"ip": "10.0.0.2"}], containerStatuses=[
        {"name": "a", "ready": True, "restartCount": 3, "state": {"running": {}},
         "lastState": {"terminated": {"finishedAt": "2026-11-30T23:00:00Z", "exitCode": 1}}},
        {"name": "b", "ready": False, "restartCount": 1, "state": {"waiting": {
            "reason": "CrashLoopBackOff"}},
         "lastState": {"terminated": {"finishedAt": "2026-11-30T23:50:00Z"}}}]),
    _pod("restarted-no-time", phase="Running", containerStatuses=[
        {"name": "a", "restartCount": 2, "state": {"terminated": {"exitCode": 2}}}]),
    {**_pod("terminating", phase="Running"),
     "metadata": {"name": "terminating", "namespace": "ns", "deletionTimestamp": "x"}},
    {**_pod("init", phase="Pending", initContainerStatuses=[
        {"name": "i", "restartCount": 1, "state": {"waiting": {"reason": "ErrImagePull"}}}]),
     "spec": {"initContainers": [{"name": "i"}], "containers": [{"name": "a"}],
              "readinessGates": [{"conditionType": "x"}]}},
    _pod("odd\x1fname-cell", phase="Run\x1fning"),  # a separator in a cell: no summary
]
SERVICES = [
    {"apiVersion": "v1", "kind": "Service",
     "metadata": {"name": "web", "namespace": "ns", "creationTimestamp": "2026-01-01T00:00:00Z"},
     "spec": {"type": "NodePort", "clusterIPs": ["10.96.0.10"], "selector": {"app": "web"},
              "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "lb", "namespace": "ns"},
     "spec": {"type": "LoadBalancer", "externalIPs": ["1.2.3.4"]},
     "status": {"loadBalancer": {"ingress": [{"hostname": "h"}, {"ip": "5.6.7.8"}]}}},
]


def _rows(objs, with_summary=True):
    return [(o["metadata"].get("namespace", ""), o["metadata"]["name"],
             table_cells.summary(o["kind"], o) if with_summary else None,
             json.dumps(o)) for o in objs]


@pytest.mark.parametrize("kind,objs", [("Pod", PODS), ("Service", SERVICES)])
@pytest.mark.parametrize("with_summary", [True, False])
@pytest.mark.parametrize("opts", [{}, {"wide": True}, {"all_namespaces": True},
                                  {"no_headers": True, "show_kind_prefix": "Pod"}])
def test_summary_table_is_table_for(kind, objs, with_summary, opts):
    now = datetime(2026, 12, 1, tzinfo=UTC)
    rows = _rows(objs, with_summary)
    rows = [(ns, name, s, None if s is not None else body) for ns, name, s, body in rows]
    assert kind in FINISH
    assert summary_table(kind, rows, now, **opts) == table_for(kind, objs, now, **opts)


def test_a_cell_holding_the_separator_leaves_no_summary():
    assert table_cells.summary("Pod", PODS[-1]) is None
    assert table_cells.summary("Pod", PODS[0]).startswith(table_cells.SUMMARY_VERSION + "\x1f")
    assert table_cells.summary("ConfigMap", {"metadata": {"name": "x"}}) is None


ODD_SERVICES = SERVICES + [
    {"apiVersion": "v1", "kind": "Service",
     "metadata": {"name": "x", "namespace": "a", "creationTimestamp": "2026-11-30T23:00:00Z"},
     "spec": {"type": "ExternalName", "externalName": odd, "ports": [{"port": 1}]}}
    for odd in ("plain.example", "tab\there", "n\u00e9", "cr\rlf", "\x1b[1m", "new\nline")]


@pytest.mark.parametrize("count", [1, 3, 9])
@pytest.mark.parametrize("opts", [{}, {"wide": True}, {"all_namespaces": True},
                                  {"all_namespaces": True, "wide": True, "no_headers": True}])
@pytest.mark.parametrize("piece", [400, 5])
def test_a_table_from_flat_fields_is_table_for(count, opts, piece, monkeypatch):
    """A Service table from one flat list of fields (SummaryFields, in pieces) is table_for's
    text, also with cells render_flat does not print plainly (tabs, non-ASCII, controls)."""
    monkeypatch.setattr(columns, "_CHUNK_ROWS", piece)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    objs = [{**svc, "metadata": {**svc["metadata"], "name": f"{svc['metadata']['name']}{i}-{j}"}}
            for i in range(count) for j, svc in enumerate(ODD_SERVICES[:2 + count])]
    fields = SummaryFields()
    for ns, name, summary, _ in sorted(_rows(objs)):
        fields += [ns, name, *summary.split(table_cells.SEP)]
    fields.fields = SERVICE_FIELDS
    objs = sorted(objs, key=lambda o: (o["metadata"]["namespace"], o["metadata"]["name"]))
    text = summary_table("Service", fields, now, **opts)
    assert "".join(text) == table_for("Service", objs, now, **opts)


def _groups(objs) -> ServiceGroups:
    groups = ServiceGroups()
    for ns, name, summary, _ in sorted(_rows(objs)):
        if not groups or groups[-1][0] != ns:
            groups.append((ns, [], True))
        groups[-1][1].extend([name, *summary.split(table_cells.SEP)])
    return ServiceGroups((ns, parts, all(s.isascii() and not any(ch in s for ch in "\t\n\r\f\x1b")
                                        for s in parts)) for ns, parts, _ in groups)


@pytest.mark.parametrize("count", [1, 3, 9])
@pytest.mark.parametrize("opts", [{}, {"wide": True}, {"all_namespaces": True},
                                  {"all_namespaces": True, "wide": True, "no_headers": True},
                                  {"all_namespaces": True, "show_kind_prefix": "Service"}])
@pytest.mark.parametrize("piece", [400, 5])
@pytest.mark.parametrize("odd", [False, True])
def test_a_table_from_groups_is_table_for(count, opts, piece, odd, monkeypatch):
    """A Service table from rows a namespace at a time (ServiceGroups, printed in pieces) is
    table_for's text: several namespaces (one whose name holds a `%`), odd cells (tabs,
    non-ASCII, controls: then summary_table's other ways)."""
    monkeypatch.setattr(service_text, "CHUNK_ROWS", piece)
    monkeypatch.setattr(columns, "_CHUNK_ROWS", piece)
    now = datetime(2026, 12, 1, 7, 30, 15, tzinfo=UTC)
    stamps = _timestamps(now, 3 * count)
    services = ODD_SERVICES if odd else ODD_SERVICES[:3]
    objs = [{**svc, "metadata": {**svc["metadata"], "name": f"{svc['metadata']['name']}{i}-{j}",
                                 "namespace": ("a", "ns", "x%sy")[(i + j) % 3],
                                 "creationTimestamp": stamps[(i + j) % len(stamps)]}}
            for i in range(count) for j, svc in enumerate(services[:3 + count])]
    objs = sorted(objs, key=lambda o: (o["metadata"]["namespace"], o["metadata"]["name"]))
    expected = table_for("Service", objs, now, **opts)
    assert "".join(summary_table("Service", _groups(objs), now, **opts)) == expected
    if "show_kind_prefix" not in opts:
        text = service_table(_groups(objs), now, **opts)
        assert (text is None) == odd
        if text is not None:
            assert "".join(text) == expected


def _pod_groups(objs) -> PodGroups:
    groups = PodGroups()
    for ns, name, summary, _ in sorted(_rows(objs)):
        if not groups or groups[-1][0] != ns:
            groups.append((ns, [], True))
        groups[-1][1].extend([name, *summary[:summary.index("\x1f[")].split(table_cells.SEP)])
    return PodGroups((ns, parts, all(s.isascii() and not any(ch in s for ch in "\t\n\r\f\x1b")
                                    for s in parts)) for ns, parts, _ in groups)


@pytest.mark.parametrize("restarts", [False, True])
@pytest.mark.parametrize("opts", [{}, {"wide": True}, {"all_namespaces": True},
                                  {"all_namespaces": True, "wide": True, "no_headers": True},
                                  {"all_namespaces": True, "show_kind_prefix": "Pod"}])
@pytest.mark.parametrize("piece", [400, 3])
def test_a_pod_table_from_groups_is_table_for(restarts, opts, piece, monkeypatch):
    """A pod table from rows a namespace at a time (PodGroups: summaries without their
    briefs) is table_for's text; a RESTARTS cell that needs its last restart's time makes
    pod_table decline (summary_table then prints it all the same)."""
    monkeypatch.setattr(service_text, "CHUNK_ROWS", piece)
    now = datetime(2026, 12, 1, 7, 30, 15, tzinfo=UTC)
    stamps = _timestamps(now, 40)
    chosen = [p for p in PODS[:-1] if restarts or not p["metadata"]["name"].startswith("rest")]
    objs = [{**p, "metadata": {**p["metadata"], "name": f"{p['metadata']['name']}-{i}",
                               "namespace": ("a", "ns", "x%sy")[i % 3],
                               "creationTimestamp": stamps[i % len(stamps)]}}
            for i in range(12) for p in chosen]
    objs = sorted(objs, key=lambda o: (o["metadata"]["namespace"], o["metadata"]["name"]))
    expected = table_for("Pod", objs, now, **opts)
    assert "".join(summary_table("Pod", _pod_groups(objs), now, **opts)) == expected
    if "show_kind_prefix" not in opts:
        text = pod_table(_pod_groups(objs), now, **opts)
        assert (text is None) == restarts
        if text is not None:
            assert "".join(text) == expected


def test_pod_layout_is_the_pod_columns():
    from kubesvc.printers.table import columns_workloads as work

    _, _, names, wide_only = service_text.LAYOUTS["Pod"]
    shown = [n for n in names if n]
    assert [(n, 1 if names.index(n) in wide_only else 0) for n in shown] == work.POD_COLUMNS
    _, _, names, wide_only = service_text.LAYOUTS["Service"]
    from kubesvc.printers.table import columns_core as core

    assert [(n, 1 if names.index(n) in wide_only else 0) for n in names if n] == \
        core.SERVICE_COLUMNS
