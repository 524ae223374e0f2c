"""kubectl's JSONPath templates. Every expectation below was printed by the real kubectl 1.37.1
(`kubectl get svc web -o jsonpath=...` / `kubectl get svc -o jsonpath=...` against a stub API
server serving exactly SVC and DB)."""

from __future__ import annotations

import pytest

from kubesvc.api.errors import ClientError
from kubesvc.api.goformat import go_json, go_quote
from kubesvc.printers.jsonpath import template as jp
from kubesvc.printers.jsonpath.evaluate import to_text
from kubesvc.printers.jsonpath.parser import JSONPathError

SVC = {
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "web", "namespace": "default",
                 "labels": {"app": "web", "app.kubernetes.io/name": "web-ui"},
                 "annotations": {"note": "a<b>&c", "multi": "x\ny"}},
    "spec": {"type": "NodePort", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
             "ports": [{"name": "http", "port": 80, "targetPort": 8080, "nodePort": 30080,
                        "protocol": "TCP"},
                       {"name": "https", "port": 443, "targetPort": "https", "nodePort": 30443,
                        "protocol": "TCP"},
                       {"name": "dns", "port": 53, "protocol": "UDP"}],
             "selector": {"app": "web"}, "sessionAffinity": "None"},
    "status": {"loadBalancer": {}},
}
DB = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db", "namespace": "default"},
      "spec": {"type": "ClusterIP", "clusterIP": "None",
               "ports": [{"port": 5432, "protocol": "TCP"}]}}

# `get svc web -o jsonpath=TEMPLATE`: (template, stdout)
SINGLE = [
    ('{.metadata.name}', 'web'),
    ('{.metadata.name}{"\\n"}', 'web\n'),
    ('{.kind}/{.metadata.name}', 'Service/web'),
    ('name={.metadata.name} type={.spec.type}', 'name=web type=NodePort'),
    ('{$.metadata.name}', 'web'),
    ('{.spec.ports[*].port}', '80 443 53'),
    ('{.spec.ports[0].name}', 'http'),
    ('{.spec.ports[-1].name}', 'dns'),
    ('{.spec.ports[0:2].name}', 'http https'),
    ('{.spec.ports[1:].name}', 'https dns'),
    ('{.spec.ports[:1].name}', 'http'),
    ('{.spec.ports[::2].name}', 'http dns'),
    ('{.spec.ports[0,2].name}', 'http dns'),
    ('{.spec.ports[2:2].name}', ''),
    ('{.spec.ports[].name}', 'http'),
    ('{.spec.ports[*].nodePort}', '30080 30443'),
    ('{.spec.ports[?(@.nodePort)].name}', 'http https'),
    ('{.spec.ports[?(@.port>100)].name}', 'https'),
    ('{.spec.ports[?(@.port<100)].name}', 'http dns'),
    ('{.spec.ports[?(@.port>=443)].name}', 'https'),
    ('{.spec.ports[?(@.port<=53)].name}', 'dns'),
    ('{.spec.ports[?(@.port!=80)].name}', 'https dns'),
    ('{.spec.ports[?(@.port==80)].name}', 'http'),
    ('{.spec.ports[?(@.name=="https")].port}', '443'),
    ("{.spec.ports[?(@.name=='https')].port}", '443'),
    ('{.spec.ports[?(@.name != "http")].port}', '443 53'),
    ('{.spec.ports[?(@.protocol=="UDP")].port}', '53'),
    ('{.spec.ports[?(@.name>"g")].name}', 'http https'),
    ('{.spec.nope}', ''),
    ('{.spec.nope.deeper}', ''),
    ('{.spec.ports[*].nope}', ''),
    ('{.spec.selector}', '{"app":"web"}'),
    ('{.spec.ports[0]}',
     '{"name":"http","nodePort":30080,"port":80,"protocol":"TCP","targetPort":8080}'),
    ('{.spec.clusterIPs}', '["10.96.0.10"]'),
    ('{.metadata.labels.app}', 'web'),
    ("{.metadata.labels['app.kubernetes.io/name']}", ''),
    ('{.metadata.labels.app\\.kubernetes\\.io/name}', 'web-ui'),
    ('{.metadata.annotations.note}', 'a<b>&c'),
    ('{.metadata.annotations}', '{"multi":"x\\ny","note":"a\\u003cb\\u003e\\u0026c"}'),
    ('{.metadata.annotations.multi}', 'x\ny'),
    ('{.status}', '{"loadBalancer":{}}'),
    ('{.status.loadBalancer}', '{}'),
    ('{..port}', '80 443 53'),
    ('{.spec..name}', 'http https dns'),
    ('{range .spec.ports[*]}{.name}={.port}{"\\n"}{end}', 'http=80\nhttps=443\ndns=53\n'),
    ('{range .spec.ports[*]}{.name}{"\\t"}{.port}{"\\n"}{end}', 'http\t80\nhttps\t443\ndns\t53\n'),
    ('{range .spec.ports[?(@.nodePort)]}{.nodePort},{end}', '30080,30443,'),
    ('{range .spec.nope[*]}x{end}done', 'done'),
    ('{range .spec.ports[*]}[{.name}]', '[http][https][dns][]'),
    ('{range .spec.ports[*]}{range .spec.ports[*]}x{end}{end}|', '|'),
    ('{"\\n"}', '\n'),
    ("{'a\\tb'}", 'a\tb'),
    ('{"\\u00e9\\x41"}', 'éA'),
    ('{5}', '5'),
    ('{true}', 'true'),
    ('{.spec.type} {.spec.clusterIP}', 'NodePort 10.96.0.10'),
    ('text only', 'text only'),
    ('{.metadata.name.*}', '119 101 98'),
    ('{.spec.ports[?(@.nope==1)].name}', ''),
]

# `get svc -o jsonpath=TEMPLATE` (a List of web and db): (template, stdout)
LISTED = [
    ('{.kind}', 'List'),
    ('{.apiVersion} {.metadata}', 'v1 {"resourceVersion":""}'),
    ('{.items[*].metadata.name}', 'web db'),
    ('{.items[0].metadata.name}', 'web'),
    ('{.items[-1].spec.type}', 'ClusterIP'),
    ('{range .items[*]}{.metadata.name}{"\\t"}{.spec.type}{"\\n"}{end}',
     'web\tNodePort\ndb\tClusterIP\n'),
    ('{.items[?(@.spec.type=="NodePort")].metadata.name}', 'web'),
    ('{.items[?(@.spec.clusterIP=="None")].metadata.name}', 'db'),
    ('{.items[*].spec.ports[*].port}', '80 443 53 5432'),
    ('{range .items[*]}{.metadata.name}:{range .spec.ports[*]}{.port},{end}{"\\n"}{end}',
     'web:80,443,53,\ndb:5432,\n'),
    ('{.items[?(@.metadata.labels.app)].metadata.name}', 'web'),
    ('{.items[?(@.spec.ports[0].port>100)].metadata.name}', 'db'),
    ('{.items[*].kind}', 'Service Service'),
]

# (template, reason) in `error: error parsing jsonpath TEMPLATE, REASON`
PARSE_ERRORS = [
    ('{.metadata.name', 'unclosed action'),
    ('{.spec.ports[0}', 'unterminated array'),
    ('{.spec.ports[?(@.port>1)}', 'unclosed array expect ]'),
    ('{.spec.ports[?(@.port>1]}', 'unterminated filter'),
    ('{.spec.ports[a]}', 'invalid array index a'),
    ('{.spec.ports[1:x]}', 'invalid array index 1:x'),
    ('{"abc}', 'unterminated quoted string'),
    ("{'abc", 'unterminated quoted string'),
    ('{"\\q"}', 'unquote string "\\q" error invalid syntax'),
    ('{~}', "unrecognized character in action: U+007E '~'"),
    ('{1.2.3}', 'cannot parse number 1.2.3'),
    ('{+}', 'cannot parse number +'),
    ('{....name}', 'invalid multiple recursive descent'),
]

# (template, reason) in `error: error executing jsonpath "T": Error executing template: R. ...`
EXEC_ERRORS = [
    ('{end}', 'not in range, nothing to end'),
    ('{foo}', 'unrecognized identifier foo'),
    ('{.spec.ports[7].name}', 'array index out of bounds: index 7, length 3'),
    ('{.spec.ports[-5].name}', 'array index out of bounds: index -2, length 3'),
    ('{.spec.ports[2:1].name}', 'starting index 2 is greater than ending index 1'),
    ('{.spec.ports[0:3:0].name}', 'step must be > 0'),
    ('{.metadata.name[0]}', 'string is not array or slice'),
    ('{.spec.selector[0]}', 'map[string]interface {} is not array or slice'),
    ('{.metadata.name[?(@.x)]}', 'web is not array or slice and cannot be filtered'),
    ('{.spec.ports[?(@.port=="80")].name}', 'incompatible types for comparison'),
    ('{.spec.ports[?(@.port==80.0)].name}', 'incompatible types for comparison'),
    ('{.spec.ports[?(@.name=http)].name}', 'unrecognized identifier http'),
    ('{.spec.ports[?(@.name="http")].name}', 'unrecognized filter operator ='),
    ('{.spec.ports[?(@.name<>"http")].name}', 'unrecognized filter operator <>'),
    ('{.spec.ports[?(@.targetPort==8080)].name}', 'incompatible types for comparison'),
    ('{.spec.ports[?(@.name==true)].name}', 'incompatible types for comparison'),
    ('{.spec.ports[?(@.port>true)].name}', 'incompatible types for comparison'),
    ('{.spec.ports[?(@.name==@.port)].name}', 'incompatible types for comparison'),
    ('{.spec.ports[*][?(@.x)]}', 'map[name:http nodePort:30080 port:80 protocol:TCP '
     'targetPort:8080] is not array or slice and cannot be filtered'),
    ('{range .spec.ports[*]}{.name}{end}{end}', 'not in range, nothing to end'),
    ('{.spec.ports[?(@.port>@.targetPort)].name}', 'incompatible types for comparison'),
]


@pytest.mark.parametrize(("template", "expected"), SINGLE)
def test_single_object(template, expected):
    assert jp.render(template, SVC) == expected


@pytest.mark.parametrize(("template", "expected"), LISTED)
def test_list_of_objects(template, expected):
    assert jp.render(template, jp.query_object([SVC, DB], single_item=False)) == expected


@pytest.mark.parametrize(("template", "reason"), PARSE_ERRORS)
def test_parse_errors(template, reason):
    with pytest.raises(ClientError) as err:
        jp.render(template, SVC)
    assert str(err.value) == f"error: error parsing jsonpath {template}, {reason}"


@pytest.mark.parametrize(("template", "reason"), EXEC_ERRORS)
def test_execution_errors(template, reason):
    with pytest.raises(ClientError) as err:
        jp.render(template, SVC)
    head = str(err.value).split("\n")[0]
    assert head == (f"error: error executing jsonpath {go_quote(template)}: Error executing "
                    f"template: {reason}. Printing more information for debugging the template:")


TINY = {"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "tiny", "namespace": "default",
                     "annotations": {"q": 'say "hi"\n', "e": "é"}},
        "spec": {"ports": [{"port": 80, "x": 1.5, "y": None, "z": True}]}}


def test_execution_error_dump_is_kubectls_byte_for_byte():
    with pytest.raises(ClientError) as err:
        jp.render("{.spec.ports[3]}", TINY)
    # kubectl's stderr is this message plus one newline
    assert str(err.value) + "\n" == (
        'error: error executing jsonpath "{.spec.ports[3]}": Error executing template: array '
        "index out of bounds: index 3, length 1. Printing more information for debugging the "
        "template:\n\ttemplate was:\n\t\t{.spec.ports[3]}\n\tobject given to jsonpath engine "
        'was:\n\t\tmap[string]interface {}{"apiVersion":"v1", "kind":"Service", "metadata":'
        'map[string]interface {}{"annotations":map[string]interface {}{"e":"é", "q":"say '
        '\\"hi\\"\\n"}, "name":"tiny", "namespace":"default"}, "spec":map[string]interface {}{'
        '"ports":[]interface {}{map[string]interface {}{"port":80, "x":1.5, '
        '"y":interface {}(nil), "z":true}}}}\n\n\n')


@pytest.mark.parametrize(("template", "expected"), [
    ("{.spec.ports[0].x} {.spec.ports[0].y} {.spec.ports[0].z} {.metadata.annotations.e}",
     "1.5 null true é"),
    ("{.spec.ports[0]}", '{"port":80,"x":1.5,"y":null,"z":true}'),
])
def test_scalars_print_like_go(template, expected):
    assert jp.render(template, TINY) == expected


@pytest.mark.parametrize(("template", "expected"), [
    ("{.spec.ports[*].port}{.metadata.name}{.nope}", '[\n    80\n]\n[\n    "tiny"\n]\n[]\n'),
    ("{.spec.ports}", '[\n    [\n        {\n            "port": 80,\n            "x": 1.5,\n'
                      '            "y": null,\n            "z": true\n        }\n    ]\n]\n'),
])
def test_jsonpath_as_json(template, expected):
    assert jp.render(template, TINY, as_json=True) == expected


def test_allow_missing_template_keys_false():
    assert jp.render("{.spec.ports[*].port}", TINY, allow_missing_keys=False) == "80"
    with pytest.raises(ClientError, match="Error executing template: nope is not found"):
        jp.render("{.spec.nope}", TINY, allow_missing_keys=False)


@pytest.mark.parametrize(("value", "printed", "as_json"), [
    (1.5, "1.5", "1.5"),
    (1e-7, "1e-07", "1e-7"),
    (1e21, "1e+21", "1e+21"),
    (1234567.5, "1.2345675e+06", "1234567.5"),
    (123456789.5, "1.234567895e+08", "123456789.5"),
    (0.0001, "0.0001", "0.0001"),
    (1.0, "1", "1"),  # kubectl reads YAML 1.0 as the integer 1
    (-2.5, "-2.5", "-2.5"),
])
def test_go_float_formats(value, printed, as_json):
    assert to_text(value) == printed
    assert go_json(value) == as_json


def test_go_json_escapes_like_encoding_json():
    annotations = {"b": "<&>", "a": "x\ny\t\"\\\u2028\b\f\x01"}
    assert jp.render("{.metadata.annotations}", {"metadata": {"annotations": annotations}}) == (
        '{"a":"x\\ny\\t\\"\\\\\\u2028\\b\\f\\u0001","b":"\\u003c\\u0026\\u003e"}')


@pytest.mark.parametrize(("expr", "relaxed"), [
    ("metadata.name", "{.metadata.name}"),
    (".metadata.name", "{.metadata.name}"),
    ("{metadata.name}", "{.metadata.name}"),
    ("{.metadata.name}", "{.metadata.name}"),
    ("", ""),
])
def test_relaxed_expression(expr, relaxed):
    assert jp.relaxed_expression(expr) == relaxed


@pytest.mark.parametrize("expr", ["{.a", "{.a}}", "a{b}"])
def test_relaxed_expression_rejects_braces(expr):
    with pytest.raises(JSONPathError, match="unexpected path string"):
        jp.relaxed_expression(expr)


def test_query_object_wraps_listings_in_a_list():
    assert jp.query_object([SVC], single_item=True) is SVC
    assert jp.query_object([SVC], single_item=False) == {
        "apiVersion": "v1", "items": [SVC], "kind": "List", "metadata": {"resourceVersion": ""}}
    assert jp.query_object([], single_item=False)["items"] == []
