"""Custom resources: kinds from CRDs, pruning, defaulting and validation as
apiextensions-apiserver does them, and MetalLB's bundled CRDs."""

import pytest
import yaml

from kubesvc.api.errors import InvalidError
from kubesvc.apiserver.crds import (
    CRD_GK,
    apply_defaults,
    builtin_crds,
    check_custom,
    crd_kinds,
    deprecation_warning,
    field_errors,
    find_kind,
    has_status_subresource,
    resource_named,
    to_resource,
    unknown_fields,
)
from tests.conftest import CORPUS

CRON = r"^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$"
CRONTAB = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "crontabs.stable.example.com"},
    "spec": {
        "group": "stable.example.com",
        "scope": "Namespaced",
        "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab",
                  "shortNames": ["ct"], "categories": ["all"]},
        "versions": [
            {"name": "v1", "served": True, "storage": True,
             "subresources": {"status": {}},
             "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                 "spec": {"type": "object", "required": ["cronSpec"], "properties": {
                     "cronSpec": {"type": "string", "pattern": CRON},
                     "image": {"type": "string", "maxLength": 20},
                     "replicas": {"type": "integer", "minimum": 1, "maximum": 10, "default": 1},
                     "mode": {"type": "string", "enum": ["fast", "slow"]},
                     "port": {"x-kubernetes-int-or-string": True},
                     "note": {"type": "string", "nullable": True},
                     "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
                     "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                               "properties": {"known": {"type": "object", "properties": {
                                   "a": {"type": "string"}}}}},
                     "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                     "template": {"type": "object", "x-kubernetes-embedded-resource": True,
                                  "properties": {"spec": {"type": "object"}}},
                     "limits": {"type": "object", "default": {}, "properties": {
                         "cpu": {"type": "string", "default": "1"}}},
                 }},
             }}}},
            {"name": "v1beta1", "served": True, "storage": False, "deprecated": True,
             "schema": {"openAPIV3Schema": {"type": "object",
                                            "x-kubernetes-preserve-unknown-fields": True}}},
            {"name": "v0", "served": False, "storage": False},
        ],
    },
}


def crontab(**spec):
    return {"apiVersion": "stable.example.com/v1", "kind": "CronTab",
            "metadata": {"name": "c", "namespace": "default"},
            "spec": {"cronSpec": "* * * * */5", **spec}}


def schema():
    return crd_kinds(CRONTAB)[0].schema


def test_crd_kinds_lists_served_versions_only():
    kinds = crd_kinds(CRONTAB)
    assert [(k.api_version, k.kind, k.plural, k.namespaced) for k in kinds] == [
        ("stable.example.com/v1", "CronTab", "crontabs", True),
        ("stable.example.com/v1beta1", "CronTab", "crontabs", True),
    ]
    api_version, kind, plural, namespaced, schema_ = kinds[0]  # a plain 5-tuple too
    assert (api_version, kind, plural, namespaced) == tuple(kinds[0][:4])
    assert schema_["type"] == "object"


def test_resource_built_from_crd_names():
    crd, ck = find_kind([CRONTAB], "stable.example.com/v1", "CronTab")
    res = to_resource(crd, ck)
    assert (res.gk, res.api_version, res.plural, res.short, res.in_all) == (
        "CronTab.stable.example.com", "stable.example.com/v1", "crontabs", ("ct",), True)
    assert find_kind([CRONTAB], "stable.example.com/v0", "CronTab") is None
    assert find_kind([CRONTAB], "stable.example.com/v1", "Other") is None


def test_cluster_scoped_crd():
    crd = {**CRONTAB, "spec": {**CRONTAB["spec"], "scope": "Cluster"}}
    assert not crd_kinds(crd)[0].namespaced


def test_deprecation_and_status_subresource():
    assert deprecation_warning(CRONTAB, "stable.example.com/v1beta1") == \
        "stable.example.com/v1beta1 CronTab is deprecated"
    assert deprecation_warning(CRONTAB, "stable.example.com/v1") is None
    assert has_status_subresource(CRONTAB, "stable.example.com/v1")
    assert not has_status_subresource(CRONTAB, "stable.example.com/v1beta1")


@pytest.mark.parametrize("spec, unknown", [
    ({}, []),
    ({"bogus": 1}, ["spec.bogus"]),
    ({"extra": {"anything": {"deep": 1}}}, []),  # preserve-unknown-fields keeps it
    ({"extra": {"known": {"a": "x", "b": 1}}}, ["spec.extra.known.b"]),  # not below a known one
    ({"labels": {"any": "key"}}, []),  # a map: additionalProperties
    ({"template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"x": 1}, "spec": {},
                   "other": 1}}, ["spec.template.other"]),  # embedded resource
    ({"tags": ["a"], "image": {"x": 1}}, []),  # a wrong type is validation's business
])
def test_unknown_fields_are_the_ones_pruning_drops(spec, unknown):
    issues = check_custom(crontab(**spec), schema())
    assert [i.path for i in issues if i.kind == "unknown"] == unknown


def test_unknown_fields_never_reports_metadata_or_root_fields():
    obj = crontab()
    obj["metadata"]["whatever"] = 1
    assert unknown_fields(obj, schema()) == []
    obj["top"] = 1
    assert unknown_fields(obj, schema()) == [["top"]]


@pytest.mark.parametrize("spec, errors", [
    ({}, []),
    ({"replicas": "2"}, ['spec.replicas: Invalid value: "string": spec.replicas in body must '
                         'be of type integer: "string"']),
    ({"replicas": 2.5}, ['spec.replicas: Invalid value: "number": spec.replicas in body must '
                         'be of type integer: "number"']),
    ({"replicas": 0}, ["spec.replicas: Invalid value: 0: spec.replicas in body should be "
                       "greater than or equal to 1"]),
    ({"replicas": 11}, ["spec.replicas: Invalid value: 11: spec.replicas in body should be "
                        "less than or equal to 10"]),
    ({"mode": "medium"}, ['spec.mode: Unsupported value: "medium": supported values: "fast", '
                          '"slow"']),
    ({"image": "x" * 21}, ["spec.image: Too long: may not be more than 20 bytes"]),
    ({"tags": ["a", "b", "c"]}, ["spec.tags: Too many: 3: must have at most 2 items"]),
    ({"cronSpec": "nope"}, ['spec.cronSpec: Invalid value: "nope": spec.cronSpec in body '
                            "should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'"]),
    ({"port": 8080}, []),
    ({"port": "http"}, []),
    ({"note": None}, []),  # nullable
    ({"image": None}, []),  # null in a non-nullable field: pruned, not an error
    ({"labels": {"a": 1}}, ['spec.labels.a: Invalid value: "integer": spec.labels.a in body '
                            'must be of type string: "integer"']),
])
def test_validation_errors_in_api_server_wording(spec, errors):
    assert [str(e) for e in field_errors(check_custom(crontab(**spec), schema()))] == errors


def test_required_fields():
    obj = crontab()
    del obj["spec"]["cronSpec"]
    issues = check_custom(obj, schema())
    assert [(i.kind, i.path) for i in issues] == [("required", "spec.cronSpec")]
    err = InvalidError("CronTab", "c", field_errors(issues))
    assert str(err) == 'The CronTab "c" is invalid: spec.cronSpec: Required value'


def test_validation_sees_the_pruned_and_defaulted_object():
    # the unknown field is reported once, as unknown, and not validated
    issues = check_custom(crontab(bogus={"x": 1}), schema())
    assert [(i.kind, i.path) for i in issues] == [("unknown", "spec.bogus")]


def test_defaults_fill_absent_fields_recursively_and_drop_nulls():
    obj = apply_defaults(crontab(image=None, note=None), schema())
    assert obj["spec"] == {"cronSpec": "* * * * */5", "replicas": 1, "note": None,
                           "limits": {"cpu": "1"}}
    assert apply_defaults(crontab(replicas=3), schema())["spec"]["replicas"] == 3
    assert "metadata" in obj and "status" not in obj


def test_check_custom_does_not_change_the_object():
    obj = crontab(bogus=1)
    check_custom(obj, schema())
    assert obj == crontab(bogus=1)


# -- MetalLB's bundled CRDs ---------------------------------------------------------------------

def test_builtin_crds_are_metallbs():
    names = {c["metadata"]["name"] for c in builtin_crds()}
    assert {"ipaddresspools.metallb.io", "l2advertisements.metallb.io",
            "bgpadvertisements.metallb.io", "bgppeers.metallb.io"} <= names
    assert all(c["kind"] == "CustomResourceDefinition" for c in builtin_crds())
    assert CRD_GK == "CustomResourceDefinition.apiextensions.k8s.io"


def test_builtin_crds_match_the_corpus_manifest():
    path = CORPUS / "metallb" / "manifests" / "metallb-native.yaml"
    if not path.exists():
        pytest.skip("shared corpus not available")
    corpus = [d for d in yaml.safe_load_all(path.read_text())
              if d and d["kind"] == "CustomResourceDefinition"]
    assert corpus == builtin_crds()


def test_bgppeer_v1beta1_is_deprecated():
    crd, _ = find_kind(builtin_crds(), "metallb.io/v1beta1", "BGPPeer")
    assert deprecation_warning(crd, "metallb.io/v1beta1") == \
        "v1beta1 is deprecated, please use v1beta2"


@pytest.mark.parametrize("sample", [
    "ipaddresspool_simple.yaml", "ipaddresspool_with_selector.yaml",
    "l2adv_selects_pools_by_list.yaml", "l2adv_with_node_selector.yaml",
    "simple_pool_adv_l2.yaml", "deployment_l2.yaml",
])
def test_metallb_samples_are_valid(sample):
    path = CORPUS / "metallb" / "configsamples" / sample
    if not path.exists():
        pytest.skip("shared corpus not available")
    for doc in yaml.safe_load_all(path.read_text()):
        if doc and doc["apiVersion"].startswith("metallb.io/"):
            _, ck = find_kind(builtin_crds(), doc["apiVersion"], doc["kind"])
            assert check_custom(doc, ck.schema) == [], sample


def test_ipaddresspool_defaults_and_errors():
    _, ck = find_kind(builtin_crds(), "metallb.io/v1beta1", "IPAddressPool")
    pool = {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool",
            "metadata": {"name": "p", "namespace": "metallb-system"},
            "spec": {"addresses": ["192.168.10.0/24"]}}
    assert apply_defaults(pool, ck.schema)["spec"] == {
        "addresses": ["192.168.10.0/24"], "autoAssign": True, "avoidBuggyIPs": False}
    bad = {**pool, "spec": {"addresses": "192.168.10.0/24", "autoassign": False}}
    issues = check_custom(bad, ck.schema)
    assert [(i.kind, i.path) for i in issues] == [
        ("unknown", "spec.autoassign"), ("other", "spec.addresses")]
    missing = {**pool, "spec": {}}
    assert [str(e) for e in field_errors(check_custom(missing, ck.schema))] == [
        "spec.addresses: Required value"]


@pytest.mark.parametrize("name, api_version", [
    ("ipaddresspools", "metallb.io/v1beta1"),
    ("IPAddressPool", "metallb.io/v1beta1"),
    ("ipaddresspool.metallb.io", "metallb.io/v1beta1"),
    ("bgppeers", "metallb.io/v1beta2"),  # the preferred version, not the first listed
    ("ct", "stable.example.com/v1"),
    ("crontabs.stable.example.com", "stable.example.com/v1"),
    ("pods", None),
])
def test_resource_named(name, api_version):
    res = resource_named([*builtin_crds(), CRONTAB], name)
    assert (res.api_version if res else None) == api_version
