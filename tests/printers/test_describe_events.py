"""describe's `Events:` section and `kubectl get events` rows.

Rules from kubectl `pkg/describe/describe.go` (`DescribeEvents`, `searchEvents`, the node
describer's two queries) and kubernetes `pkg/printers/internalversion/printers.go`
(`printEvent`, `formatEventSource`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from kubesvc.printers.describe.describers import describe_object
from kubesvc.printers.describe.events import describe_events, events_for
from kubesvc.printers.table.columns import table_for
from kubesvc.printers.table.columns_events import event_row
from tests.builders import event, node, pod

NOW = datetime(2026, 1, 1, tzinfo=UTC)
POD = pod("web-0")


@pytest.mark.parametrize(("fields", "age"), [
    pytest.param({"count": 1}, "5m", id="DescribeEvents-single-first-seen"),
    pytest.param({"count": 3, "last": "2025-12-31T23:58:00Z"}, "2m (x3 over 5m)",
                 id="DescribeEvents-repeat-last-count-first"),
    pytest.param({"count": 0}, "5m", id="DescribeEvents-count-zero"),
    pytest.param({"eventTime": "2025-12-31T23:59:00.000000Z",
                  "series": {"count": 4, "lastObservedTime": "2025-12-31T23:59:30.000000Z"}},
                 "30s (x4 over 60s)", id="DescribeEvents-series-eventTime"),
    pytest.param({"first": None, "last": None}, "<unknown>",
                 id="DescribeEvents-no-timestamps"),
])
def test_event_age(fields, age):
    e = event(involved=POD, message="m", count=fields.get("count", 1),
              last=fields.get("last"))
    e.update({k: v for k, v in fields.items() if k not in ("count", "last", "first")})
    if "first" in fields:
        e.pop("firstTimestamp"), e.pop("lastTimestamp")
    row = re.split(r"\s{2,}", describe_events([e], NOW).splitlines()[3].strip())
    assert row == ["Normal", "Scheduled", age, "default-scheduler", "m"]


def test_events_table_sorted_by_last_seen_and_aligned_on_its_own():
    """DescribeEvents flushes the describer's tabwriter: its columns are its own."""
    old = event("Scheduled", involved=POD, first="2025-12-31T23:50:00Z",
                message="Successfully assigned default/web-0 to node-a")
    new = event("Pulled", involved=POD, component="kubelet", host="node-a",
                first="2025-12-31T23:51:00Z", last="2025-12-31T23:59:00Z", count=2,
                message='Container image "nginx:1.25" already present on machine  ')
    out = describe_events([new, old], NOW)
    assert out == (
        "Events:\n"
        "  Type    Reason     Age               From               Message\n"
        "  ----    ------     ----              ----               -------\n"
        "  Normal  Scheduled  10m               default-scheduler  "
        "Successfully assigned default/web-0 to node-a\n"
        '  Normal  Pulled     60s (x2 over 9m)  kubelet            '
        'Container image "nginx:1.25" already present on machine\n')


def test_from_falls_back_to_reporting_component():
    e = event(involved=POD, component="")
    e["reportingComponent"] = "kubelet"
    assert "  kubelet  " in describe_events([e], NOW)


@pytest.mark.parametrize(("ref", "found"), [
    pytest.param({}, True, id="searchEvents-same-ref"),
    pytest.param({"uid": "other"}, False, id="searchEvents-uid-differs"),
    pytest.param({"name": "web-1"}, False, id="searchEvents-name-differs"),
    pytest.param({"kind": "Service"}, False, id="searchEvents-kind-differs"),
    pytest.param({"namespace": "prod"}, False, id="searchEvents-namespace-differs"),
])
def test_search_events_selector(ref, found):
    e = event(involved=POD)
    e["involvedObject"].update(ref)
    assert (events_for(POD, [e]) == [e]) is found


def test_node_events_by_uid_then_by_name():
    """describeNode: controllers record node.uid, the kubelet node.name; both are shown."""
    n = node("node-a")
    n["metadata"]["uid"] = "uid-node-a"
    by_uid = event("RegisteredNode", involved=n, namespace="default", component="node-controller")
    by_name = event("Starting", involved=n, namespace="default", component="kubelet")
    by_name["involvedObject"]["uid"] = "node-a"
    other = event("Starting", involved=node("node-b"), namespace="default")
    assert events_for(n, [by_name, other, by_uid]) == [by_uid, by_name]


def test_describe_object_appends_events_or_none():
    e = event(involved=POD, message="Successfully assigned default/web-0 to node-a")
    with_events = describe_object(POD, events=[e], now=NOW)
    assert with_events.endswith("Successfully assigned default/web-0 to node-a\n")
    assert "Events:\n  Type" in with_events
    none = describe_object(POD, events=[], now=NOW)
    assert none.endswith("Tolerations:     <none>\nEvents:          <none>\n")
    assert "Events" not in describe_object(POD, events=[e], now=NOW, show_events=False)


def test_secret_and_namespace_describers_never_show_events():
    secret = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
              "metadata": {"name": "s", "namespace": "default", "uid": "u"}}
    assert "Events" not in describe_object(secret, events=[event(involved=secret)], now=NOW)


# --- kubectl get events ------------------------------------------------------------------------

def test_event_row_cells_printEvent():
    e = event("Pulled", involved=POD, component="kubelet", host="node-a", count=3,
              first="2025-12-31T23:55:00Z", last="2025-12-31T23:58:00Z", message=" pulled ",
              name="web-0.1")
    e["involvedObject"]["fieldPath"] = "spec.containers{main}"
    assert event_row(e, NOW) == ["2m", "Normal", "Pulled", "pod/web-0", "spec.containers{main}",
                                 "kubelet, node-a", "pulled", "5m", "3", "web-0.1"]


@pytest.mark.parametrize(("fields", "cells"), [
    pytest.param({"lastTimestamp": None}, ("5m", "5m"), id="printEvent-last-defaults-to-first"),
    pytest.param({"firstTimestamp": None, "lastTimestamp": None,
                  "eventTime": "2025-12-31T23:59:00.000000Z"}, ("60s", "60s"),
                 id="printEvent-eventTime"),
    pytest.param({"count": 0}, ("5m", "5m"), id="printEvent-singleton-count-1"),
])
def test_event_row_timestamps(fields, cells):
    e = event(involved=POD)
    e.update(fields)
    row = event_row(e, NOW)
    assert (row[0], row[7]) == cells and row[8] in ("1",)


def test_event_without_name_prints_kind_only():
    e = event(involved={"kind": "Node", "metadata": {}}, namespace="default")
    assert event_row(e, NOW)[3] == "node"


def test_get_events_table_and_wide():
    e = event("Scheduled", involved=POD, message="Successfully assigned default/web-0 to node-a")
    assert table_for("Event", [e], NOW) == (
        "LAST SEEN   TYPE     REASON      OBJECT      MESSAGE\n"
        "5m          Normal   Scheduled   pod/web-0   "
        "Successfully assigned default/web-0 to node-a\n")
    wide = table_for("Event", [e], NOW, wide=True, all_namespaces=True).splitlines()
    assert wide[0].split() == ["NAMESPACE", "LAST", "SEEN", "TYPE", "REASON", "OBJECT",
                               "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST", "SEEN", "COUNT", "NAME"]


def test_get_leases_printLease():
    """printLease: NAME, HOLDER (empty when unset), AGE."""
    lease = {"kind": "Lease", "metadata": {"name": "node-a", "namespace": "kube-node-lease",
                                           "creationTimestamp": "2025-12-31T23:00:00Z"},
             "spec": {"holderIdentity": "node-a", "leaseDurationSeconds": 40}}
    assert table_for("Lease", [lease], NOW) == ("NAME     HOLDER   AGE\n"
                                                "node-a   node-a   60m\n")
