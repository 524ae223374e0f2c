"""`-o custom-columns` / `-o custom-columns-file`. Every expected output was printed by the
real kubectl 1.37.1 (`kubectl get svc [web] -o custom-columns=...` against a stub API server
serving SVC and DB, which had a few more fields than the columns below read)."""

from __future__ import annotations

import pytest

from kubesvc.api.errors import ClientError
from kubesvc.printers.table import custom_columns as cc
from tests.param_ids import by_columns

SVC = {"kind": "Service",
       "metadata": {"name": "web", "annotations": {"multi": "x\ny"}},
       "spec": {"type": "NodePort", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
                "ports": [{"name": "http", "port": 80, "targetPort": 8080, "nodePort": 30080},
                          {"name": "https", "port": 443, "targetPort": "https",
                           "nodePort": 30443},
                          {"name": "dns", "port": 53}],
                "selector": {"app": "web"}},
       "status": {"loadBalancer": {}}}
DB = {"kind": "Service", "metadata": {"name": "db"},
      "spec": {"type": "ClusterIP", "clusterIP": "None", "ports": [{"port": 5432}]}}

# (spec, --no-headers, objects, stdout)
TABLES = [
    ("NAME:.metadata.name,TYPE:.spec.type,CLUSTER-IP:.spec.clusterIP,PORTS:.spec.ports[*].port",
     False, [SVC, DB],
     "NAME   TYPE        CLUSTER-IP   PORTS\n"
     "web    NodePort    10.96.0.10   80,443,53\n"
     "db     ClusterIP   None         5432\n"),
    ("NAME:.metadata.name,TYPE:.spec.type", True, [SVC, DB],
     "web   NodePort\n"
     "db    ClusterIP\n"),
    # relaxed expressions; maps and lists print the Go way
    ("NAME:metadata.name,SEL:{spec.selector},IPS:{.spec.clusterIPs},"
     "NODEPORT:.spec.ports[*].nodePort", False, [SVC, DB],
     "NAME   SEL            IPS            NODEPORT\n"
     "web    map[app:web]   [10.96.0.10]   30080,30443\n"
     "db     <none>         <none>         <none>\n"),
    # a newline inside a value starts a new tabwriter line
    ("NAME:.metadata.name,NOTE:.metadata.annotations.multi,PORT:.spec.ports[0].port",
     False, [SVC, DB],
     "NAME   NOTE   PORT\n"
     "web    x\n"
     "y      80\n"
     "db     <none>   5432\n"),
    # an empty last header is still a padded cell
    ("N:.metadata.name,:.kind", False, [SVC, DB],
     "N     \n"
     "web   Service\n"
     "db    Service\n"),
    ('PORT:.spec.ports[?(@.name=="https")].port,NAME:.metadata.name', False, [SVC, DB],
     "PORT     NAME\n"
     "443      web\n"
     "<none>   db\n"),
    ("NAME:.metadata.name", False, [SVC],
     "NAME\n"
     "web\n"),
    ("A:.spec.ports[0].targetPort,B:.status", False, [SVC],
     "A      B\n"
     "8080   map[loadBalancer:map[]]\n"),
    ("VERY-LONG-HEADER-NAME:.metadata.name,X:.spec.nope", False, [SVC, DB],
     "VERY-LONG-HEADER-NAME   X\n"
     "web                     <none>\n"
     "db                      <none>\n"),
    # no objects: kubectl still prints the header (and no "No resources found")
    ("NAME:.metadata.name", False, [], "NAME\n"),
]


@by_columns((0, 1), ("spec", "no_headers", "objects", "expected"), TABLES)
def test_custom_columns(spec, no_headers, objects, expected):
    assert cc.render(cc.parse_spec(spec), objects, no_headers=no_headers) == expected


@pytest.mark.parametrize(("spec", "message"), [
    ("", "custom-columns format specified but no custom columns given"),
    ("NAME", "unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>"),
    ("A:{.a", "unexpected path string, expected a 'name1.name2' or '.name1.name2' or "
              "'{name1.name2}' or '{.name1.name2}'"),
])
def test_bad_specs(spec, message):
    with pytest.raises(ClientError) as err:
        cc.parse_spec(spec)
    assert str(err.value) == "error: " + message


@pytest.mark.parametrize(("spec", "stdout", "message"), [
    ("A:.a[", "A\n", "unterminated array"),
    ("NAME:.metadata.name,P:.spec.ports[3].port", "NAME   P\n",
     "array index out of bounds: index 3, length 3"),
])
def test_errors_after_the_header(spec, stdout, message):
    with pytest.raises(cc.CustomColumnsError) as err:
        cc.render(cc.parse_spec(spec), [SVC, DB])
    assert err.value.output == stdout
    assert str(err.value) == "error: " + message


@pytest.mark.parametrize(("template", "expected"), [
    ("NAME          TYPE\n.metadata.name   {.spec.type}\n",
     "NAME   TYPE\nweb    NodePort\ndb     ClusterIP\n"),
    # tabs and CRLF are whitespace too; lines after the second are ignored
    ("A\tB\r\n.metadata.name\t.spec.ports[*].name\r\nignored\n",
     "A     B\nweb   http,https,dns\ndb    <none>\n"),
])
def test_columns_file(template, expected):
    # kubectl ignores --no-headers for a columns file: the header is always printed
    assert cc.render(cc.parse_file(template), [SVC, DB]) == expected


@pytest.mark.parametrize(("template", "message"), [
    ("A B\n\n", "number of headers (2) and field specifications (0) don't match"),
    ("", "invalid template, missing header line. Expected format is one line of space "
         "separated headers, one line of space separated column specs."),
    ("A B", "invalid template, missing spec line. Expected format is one line of space "
            "separated headers, one line of space separated column specs."),
])
def test_bad_columns_files(template, message):
    with pytest.raises(ClientError) as err:
        cc.parse_file(template)
    assert str(err.value) == "error: " + message


def test_terminal_escapes_are_neutralised():
    obj = {"metadata": {"name": "e\x1bsc", "annotations": {"cr": "a\rb"}}}
    spec = "N:.metadata.name,CR:.metadata.annotations.cr"
    assert cc.render(cc.parse_spec(spec), [obj]) == "N       CR\ne^[sc   a\\rb\n"
