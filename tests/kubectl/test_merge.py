"""The three-way merge behind `apply`: manifest fields win, dropped fields go, server fields
stay."""

import pytest

from kubesvc.kubectl.three_way import contained, merge

LIVE = {"spec": {"type": "NodePort", "clusterIP": "10.96.1.1",
                 "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80, "nodePort": 30086}],
                 "selector": {"app": "web"}, "sessionAffinity": "None"}}


@pytest.mark.parametrize("desired, live, expected", [
    ({"a": 1}, {"a": 1, "b": 2}, True),
    ({"a": 1}, {"a": 2}, False),
    ({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}}, True),
    ([{"port": 80}], [{"port": 80, "nodePort": 30086}], True),
    ([{"port": 80}], [{"port": 80}, {"port": 81}], False),  # lists must have the same length
    ({"a": None}, {}, False),
])
def test_contained(desired, live, expected):
    assert contained(desired, live) is expected


def test_merge_keeps_server_fields_the_manifest_leaves_out():
    desired = {"spec": {"type": "NodePort", "ports": [{"port": 80}], "selector": {"app": "web"}}}
    merged = merge(desired, desired, LIVE)
    assert merged["spec"]["clusterIP"] == "10.96.1.1"
    assert merged["spec"]["ports"][0]["nodePort"] == 30086


def test_merge_replaces_a_changed_list_and_sets_changed_scalars():
    original = {"spec": {"ports": [{"port": 80}], "selector": {"app": "web"}}}
    desired = {"spec": {"ports": [{"port": 8080}], "selector": {"app": "api"}}}
    merged = merge(original, desired, LIVE)
    assert merged["spec"]["ports"] == [{"port": 8080}]
    assert merged["spec"]["selector"] == {"app": "api"}


def test_merge_removes_what_the_last_manifest_set_and_this_one_drops():
    original = {"spec": {"selector": {"app": "web"}, "sessionAffinity": "None"}}
    desired = {"spec": {"selector": {"app": "web"}}}
    merged = merge(original, desired, LIVE)
    assert "sessionAffinity" not in merged["spec"]
    assert merged["spec"]["clusterIP"] == "10.96.1.1"  # never in a manifest: kept
