"""Hostile input to `kubesvc apply -f`: each case gets kubectl's one error, naming the file
(and the document, where the loader finds the problem), exit code 1, and a store left exactly
as it was. No YAML tag ever builds a Python object; no input ever gets a traceback, and
internal errors print one line unless -v 6 asks for the traceback.

tests/input/test_load.py covers the loader's messages one by one; here every case goes through the
whole command and the store is compared before and after.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests import figures
from tests.reliability.harness import STRESS, kubesvc, without_root_privileges

SVC = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  ports:\n  - port: 80\n"
GOOD = SVC.format(name="good")
MB = 1024 * 1024


def _bomb() -> str:
    """Billion laughs: nine levels of nine aliases, 9^9 (387 million) strings once expanded."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _deep_yaml(depth: int) -> str:
    return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  x: " + \
        "[" * depth + "]" * depth + "\n"


def _deep_block_yaml(depth: int) -> str:
    return GOOD + "x:\n" + "".join(" " * i + "k:\n" for i in range(1, depth)) + \
        " " * depth + "k: 1\n"


def _deep_json(depth: int) -> str:
    return '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "deep"}, "data": ' + \
        "[" * depth + "]" * depth + "}"


CANARY = "/tmp/kubesvc-canary-{pid}"
PYTHON_TAGS = [
    "!!python/object/apply:os.system ['touch {canary}']",
    "!!python/object/new:os.system ['touch {canary}']",
    "!!python/object:os.system {{}}",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/tuple [1, 2]",
    "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch {canary}']",
    "!Ref some-parameter",
]

# (file name, content, the whole of stderr: a format string with {f} for the file's path)
CASES = [
    ("invalid-yaml.yaml", GOOD + "---\n" + "apiVersion: v1\nkind: Service\nmetadata:\n  name: "
     "x\nspec:\n  ports: [80\n",
     "error: error parsing {f} (document 2): line 15, column 1: while parsing a flow sequence "
     "did not find expected ',' or ']'"),
    ("bad-indent.yaml", GOOD + "---\nkind: Service\n  name: x\n",
     "error: error parsing {f} (document 2): line 10, column 7: mapping values are not "
     "allowed in this context"),
    ("tab.yaml", "apiVersion: v1\n\tkind: Service\n",
     "error: error parsing {f} (document 1): line 2, column 1: found a tab character that "
     "violates indentation"),
    ("unclosed-quote.json", '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a}}',
     "error: error parsing {f} (document 1): line 1, column 66: found unexpected end of "
     "stream"),
    ("list.yaml", GOOD + "---\n- a\n- b\n",
     "error: error parsing {f} (document 2): expected an object (a mapping with apiVersion and "
     "kind), got a list"),
    ("scalar.yaml", "just some text\n",
     "error: error parsing {f} (document 1): expected an object (a mapping with apiVersion and "
     "kind), got a string"),
    ("number.json", "42",
     "error: error parsing {f} (document 1): expected an object (a mapping with apiVersion and "
     "kind), got a number"),
    ("list-item.yaml", "apiVersion: v1\nkind: List\nitems:\n- " + GOOD.replace("\n", "\n  ") +
     "\n- 7\n",
     "error: error parsing {f} (document 1): items[1] is a number, not an object"),
    ("no-apiversion.yaml", "kind: Service\nmetadata:\n  name: a\n",
     'error: error validating "{f}" (document 1): error validating data: [apiVersion not set]; '
     "if you choose to ignore these errors, turn validation off with --validate=false"),
    ("no-kind.yaml", "apiVersion: v1\nmetadata:\n  name: a\n",
     'error: error validating "{f}" (document 1): error validating data: [kind not set]; if '
     "you choose to ignore these errors, turn validation off with --validate=false"),
    ("no-name.yaml", "apiVersion: v1\nkind: Service\nspec:\n  ports:\n  - port: 80\n",
     "error: error when retrieving current configuration of Service from \"{f}\" (document 1): "
     "resource name may not be empty"),
    ("unknown-kind.yaml", "apiVersion: v1\nkind: Sevrice\nmetadata:\n  name: a\n",
     'error: resource mapping not found for name: "a" namespace: "" from "{f}": no matches for '
     'kind "Sevrice" in version "v1"'),
    ("kind-list.yaml", "apiVersion: v1\nkind: [Service]\nmetadata:\n  name: a\n",
     'error: unable to decode "{f}" (document 1): json: cannot unmarshal array into Go struct '
     "field .kind of type string"),
    ("apiversion-number.yaml", "apiVersion: 1\nkind: Service\nmetadata:\n  name: a\n",
     'error: unable to decode "{f}" (document 1): json: cannot unmarshal number into Go struct '
     "field .apiVersion of type string"),
    ("port-string.yaml", GOOD.replace("port: 80", "port: eighty"),
     'Error from server (BadRequest): error when creating "{f}": Service in version "v1" cannot '
     "be handled as a Service: json: cannot unmarshal string into Go struct field "
     "ServicePort.spec.ports.port of type int32"),
    ("spec-string.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec: open\n",
     'Error from server (BadRequest): error when creating "{f}": Service in version "v1" cannot '
     "be handled as a Service: json: cannot unmarshal string into Go struct field Service.spec "
     "of type v1.ServiceSpec"),
    ("name-number.yaml", GOOD.replace("name: good", "name: 12"),
     'error: unable to decode "{f}" (document 1): json: cannot unmarshal number into Go struct '
     "field ObjectMeta.metadata.name of type string"),
    ("namespace-bool.yaml", GOOD.replace("name: good", "name: good\n  namespace: yes"),
     'error: unable to decode "{f}" (document 1): json: cannot unmarshal bool into Go struct '
     "field ObjectMeta.metadata.namespace of type string"),
    ("metadata-list.yaml", "apiVersion: v1\nkind: Service\nmetadata: [a]\n",
     'error: unable to decode "{f}" (document 1): json: cannot unmarshal array into Go struct '
     "field .metadata of type v1.ObjectMeta"),
    ("unknown-field.yaml", GOOD.replace("ports:", "portz:"),
     'Error from server (BadRequest): error when creating "{f}": Service in version "v1" cannot '
     'be handled as a Service: strict decoding error: unknown field "spec.portz"'),
    ("duplicate-key.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n",
     'error: error parsing {f} (document 1): line 5, column 3: key "name" already set in map'),
    ("duplicate-key.json", '{"apiVersion": "v1", "kind": "Service", "kind": "Pod"}',
     'error: error parsing {f} (document 1): line 1, column 41: key "kind" already set in map'),
    ("billion-laughs.yaml", _bomb(),
     "error: error parsing {f} (document 1): line 11, column 1: the document's YAML aliases "
     "expand to more than 5,000,000 values: refusing it"),
    ("alias-loop.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: loop\n  "
     "labels: *m\n",
     "error: error parsing {f} (document 1): line 6, column 1: a YAML alias refers to its own "
     "anchor: the document would be infinitely deep"),
    ("deep-flow.yaml", _deep_yaml(5000),
     "error: error parsing {f} (document 1): line 6, column 1004: while increasing flow level "
     "exceeded maximum nesting depth"),
    ("deep-300.yaml", _deep_yaml(300),
     "error: error parsing {f} (document 1): the document is nested more than 200 levels deep"),
    ("deep-block.yaml", _deep_block_yaml(400),
     "error: error parsing {f} (document 1): the document is nested more than 200 levels deep"),
    ("deep.json", _deep_json(100_000),
     "error: error parsing {f} (document 1): the document is nested more than 200 levels deep"),
    ("deep-600.json", _deep_json(600),
     "error: error parsing {f} (document 1): the document is nested more than 200 levels deep"),
    ("empty.yaml", "", "error: no objects passed to apply"),
    ("only-comments.yaml", "# nothing here\n---\n---\n", "error: no objects passed to apply"),
    ("not-a-dns-label.yaml", SVC.format(name="Web_Server"),
     'The Service "Web_Server" is invalid: metadata.name: Invalid value: "Web_Server": a '
     "lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
     "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
     "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"),
    ("name-too-long.yaml", SVC.format(name="a" * 64),
     f'The Service "{"a" * 64}" is invalid: metadata.name: Invalid value: "{"a" * 64}": must '
     "be no more than 63 characters"),
    ("port-zero.yaml", GOOD.replace("port: 80", "port: 0\n    targetPort: 80"),
     'The Service "good" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 '
     "and 65535, inclusive"),
    ("port-huge.yaml", GOOD.replace("port: 80", "port: 99999999999999999999\n    targetPort: "
                                    "80"),
     'The Service "good" is invalid: spec.ports[0].port: Invalid value: 99999999999999999999: '
     "must be between 1 and 65535, inclusive"),
    ("port-fraction.yaml", GOOD.replace("port: 80", "port: 80.5"),
     'Error from server (BadRequest): error when creating "{f}": Service in version "v1" cannot '
     "be handled as a Service: json: cannot unmarshal number into Go struct field "
     "ServicePort.spec.ports.port of type int32"),
    ("node-port-range.yaml", GOOD.replace("port: 80", "port: 80\n    nodePort: 80").replace(
        "spec:\n", "spec:\n  type: NodePort\n"),
     'The Service "good" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port '
     "is not in the valid range. The range of valid ports is 30000-32767"),
    ("binary.yaml", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8,
     "error: error parsing {f}: the file is binary, not YAML or JSON"),
    ("utf16.yaml", GOOD.encode("utf-16"),
     "error: error parsing {f}: the file is binary, not YAML or JSON"),
    ("latin1.yaml", SVC.format(name="café").encode("latin-1"),
     "error: error parsing {f}: not valid UTF-8 text (byte 50: invalid continuation byte)"),
    ("control-char.yaml", GOOD + "---\na: \x07\n",
     "error: error parsing {f} (document 2): line 9, column 4: control characters are not "
     "allowed (#x0007)"),
    *[(f"python-tag-{i}.yaml", f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {tag}\n",
       "") for i, tag in enumerate(PYTHON_TAGS)],
]


@pytest.fixture
def store(cli):
    cli.fresh()  # the store exists before the hostile command
    return cli


def _write(tmp_path: Path, name: str, content, canary: str) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.replace("{canary}", canary).encode()
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("name, content, expected", CASES, ids=[c[0] for c in CASES])
def test_hostile_input_is_refused_with_one_line_and_changes_nothing(store, tmp_path, name,
                                                                   content, expected):
    figures.count("hostile-inputs", cases=1, python_tags=int(name.startswith("python-tag")))
    canary = CANARY.format(pid=os.getpid())
    path = _write(tmp_path, name, content, canary)
    before = store.dump()
    result = store("apply", "-f", str(path))
    assert result.code == 1
    assert result.out == ""
    if name.startswith("python-tag"):  # the tag is named, and never acted upon
        assert result.err.startswith(f"error: error parsing {path} (document 1): line 4, "
                                     "column 9: could not determine a constructor for the tag ")
        assert not os.path.exists(canary)
    else:
        assert result.err == expected.format(f=path) + "\n"
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert store.dump() == before


def test_huge_annotation_in_a_100_mb_file(store, tmp_path):
    """One document of 100 MB: read, parsed, refused by the API server's size rule."""
    figures.count("hostile-inputs", cases=1)
    path = tmp_path / "huge.yaml"
    with open(path, "w") as fh:
        fh.write("apiVersion: v1\nkind: Service\nmetadata:\n  name: huge\n  annotations:\n"
                 "    blob: ")
        fh.write("x" * (100 * MB))
        fh.write("\nspec:\n  ports:\n  - port: 80\n")
    before = store.dump()
    result = store("apply", "-f", str(path))
    assert (result.code, result.out) == (1, "")
    assert result.err == ('The Service "huge" is invalid: metadata.annotations: Too long: may '
                          "not be more than 262144 bytes\n")
    assert store.dump() == before
    path.unlink()


def test_100_mb_file_broken_at_the_end_applies_nothing(store, tmp_path):
    """100 MB with a good document first and a broken one last: the error names the last
    document and its line, and the good one is not applied (parsing comes first).
    With KUBESVC_STRESS=1 the 100 MB are ~577,000 real Service documents instead of a
    comment block (a minute and ~2 GB of memory)."""
    figures.count("hostile-inputs", cases=1)
    path = tmp_path / "big.yaml"
    with open(path, "w") as fh:
        fh.write(GOOD + "---\n")
        if STRESS:
            count, written = 0, 0
            while written < 100 * MB:
                doc = SVC.format(name=f"s{count}") + "---\n"
                written += fh.write(doc)
                count += 1
            lines, broken_doc = 8 + count * 8, count + 2
        else:
            line = "# " + "c" * 1021 + "\n"
            fh.write(line * 100 * 1024)
            lines, broken_doc, count = 8 + 100 * 1024, 2, 0
        fh.write("apiVersion: v1\nkind: Service\nmetadata: {name: broken\n")
    assert path.stat().st_size > 100 * MB
    before = store.dump()
    result = store("apply", "-f", str(path))
    assert (result.code, result.out) == (1, "")
    assert result.err == (f"error: error parsing {path} (document {broken_doc}): line "
                          f"{lines + 4}, column 1: while parsing a flow mapping did not find "
                          "expected ',' or '}'\n")
    assert store.dump() == before
    figures.record("100MB", bytes=path.stat().st_size, documents=count + 2)
    path.unlink()


def test_yaml_tags_build_plain_data_only(store, tmp_path):
    """YAML 1.1 tags that PyYAML would turn into bytes, sets or tuples give plain data, as
    Kubernetes' own YAML decoder does."""
    path = tmp_path / "tags.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tags\n  labels: !!set "
                    "{}\n  annotations:\n    greeting: !!binary aGVsbG8=\n    when: 2024-01-01\n"
                    "data:\n  num: !!str 5\n")
    store.ok("apply", "-f", str(path))
    got = json.loads(store.ok("get", "configmap", "tags", "-o", "json"))
    assert got["metadata"]["annotations"]["greeting"] == "hello"
    assert got["metadata"]["annotations"]["when"] == "2024-01-01"
    assert got["data"] == {"num": "5"}
    assert "labels" not in got["metadata"] or got["metadata"]["labels"] == {}
    bad = tmp_path / "bad-binary.yaml"
    bad.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  x: !!binary "
                   "/w==\n")
    before = store.dump()
    result = store("apply", "-f", str(bad))
    assert result.code == 1
    assert result.err == (f"error: error parsing {bad} (document 1): line 6, column 6: a "
                          "!!binary value must decode to UTF-8 text in a Kubernetes manifest "
                          "(use a base64 string instead)\n")
    assert store.dump() == before


@pytest.mark.parametrize("url", ["https://example.com/web.yaml", "http://10.0.0.1/x.yaml"],
                         ids=["https", "http"])
def test_manifest_url_is_refused_without_touching_the_network(store, url):
    figures.count("hostile-inputs", cases=1)
    before = store.dump()
    result = store("apply", "-f", url)
    assert result.code == 1
    assert result.err == (f'error: reading manifests from a URL is not supported: "{url}"; '
                          "download it and pass the file\n")
    assert store.dump() == before


def test_unreadable_manifest_gets_kubectls_message(tmp_path):
    state, manifest = tmp_path / "state.db", tmp_path / "secret.yaml"
    manifest.write_text(GOOD)
    os.chmod(manifest, 0)
    result = kubesvc(state, "apply", "-f", str(manifest), preexec_fn=without_root_privileges())
    assert result.returncode == 1
    assert result.stderr == f"error: open {manifest}: permission denied\n"


def test_internal_errors_print_one_line_and_the_traceback_only_at_v6(store, tmp_path,
                                                                     monkeypatch):
    import kubesvc.input.load

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(kubesvc.input.load, "load_paths", broken)
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    quiet = store("apply", "-f", str(path))
    line = ("error: internal error: ZeroDivisionError: a bug (run with -v 6 for the traceback, "
            "and please report it)\n")
    assert (quiet.code, quiet.err) == (1, line)
    loud = store("-v", "6", "apply", "-f", str(path))
    assert loud.code == 1
    assert loud.err.startswith("Traceback (most recent call last):\n")
    assert 'raise ZeroDivisionError("a bug")' in loud.err
    assert loud.err.endswith("ZeroDivisionError: a bug\n" + line)


def test_interrupt_exits_130_without_a_traceback(store, tmp_path, monkeypatch):
    """Ctrl-C: exit code 130 and nothing else, as kubectl (the shell shows the ^C)."""
    import kubesvc.input.load

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(kubesvc.input.load, "load_paths", interrupted)
    before = store.dump()
    result = store("apply", "-f", str(tmp_path))
    assert (result.code, result.out, result.err) == (130, "", "")
    assert store.dump() == before


def test_negative_replicas_are_refused(store, tmp_path):
    path = tmp_path / "deploy.yaml"
    path.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
                    "  replicas: -1\n  selector:\n    matchLabels: {app: web}\n  template:\n"
                    "    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n"
                    "      - {name: c, image: nginx}\n")
    before = store.dump()
    result = store("apply", "-f", str(path))
    assert result.code == 1
    assert result.err == ('The Deployment "web" is invalid: spec.replicas: Invalid value: -1: '
                          "must be greater than or equal to 0\n")
    assert store.dump() == before


@pytest.mark.parametrize("key", ["", "a.b", "x[0]"])
def test_unknown_field_with_an_odd_name(store, tmp_path, key):
    """Found by the fuzz test: unknown fields were dropped by a dotted path these names broke."""
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"},
                                "spec": {"ports": [{"port": 80, key: 1}]}}))
    result = store("apply", "-f", str(path), "--validate=ignore")
    assert (result.code, result.err) == (0, "")
    got = json.loads(store.ok("get", "svc", "a", "-o", "json"))
    assert got["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]


@pytest.mark.parametrize("doc, expected", [
    ({"kind": "Service", "spec": {"ports": [None]}},
     'The Service "a" is invalid: \n* spec.ports[0].port: Invalid value: 0: must be between 1 '
     "and 65535, inclusive\n* spec.ports[0].targetPort: Invalid value: 0: must be between 1 "
     "and 65535, inclusive\n"),
    ({"kind": "Service", "spec": {"ports": [{"port": 80}], "externalIPs": [None]}},
     'The Service "a" is invalid: spec.externalIPs[0]: Invalid value: "": must be a valid IP '
     "address, (e.g. 10.9.8.7 or 2001:db8::ffff)\n"),
    ({"kind": "Pod", "spec": {"containers": [None]}}, None),
    ({"kind": "Pod", "spec": {"containers": [{"name": "c", "image": "x", "ports": [None]}]}},
     None),
], ids=["service-port", "external-ip", "container", "container-port"])
def test_null_list_item(store, tmp_path, doc, expected):
    """Found by the fuzz test: Kubernetes decodes a null list item as an empty one, which
    validation then judges (kubesvc checks Services fully, Pods less so)."""
    path = tmp_path / "null.json"
    path.write_text(json.dumps({"apiVersion": "v1", "metadata": {"name": "a"}, **doc}))
    result = store("apply", "-f", str(path))
    assert "internal error" not in result.err and "Traceback" not in result.err
    if expected is not None:
        assert (result.code, result.err) == (1, expected)


def test_null_labels(store, tmp_path):
    path = tmp_path / "null.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: null\n")
    result = store("apply", "-f", str(path))
    assert (result.code, result.out, result.err) == (0, "configmap/a created\n", "")


def test_null_annotations(store, tmp_path):
    path = tmp_path / "null.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations: "
                    "null\n")
    result = store("apply", "-f", str(path))
    assert (result.code, result.out, result.err) == (0, "configmap/a created\n", "")


@pytest.mark.parametrize("kind, api_version", [("Service", "v1"), ("Pod", "v1"),
                                               ("Deployment", "apps/v1")])
def test_null_spec(store, tmp_path, kind, api_version):
    path = tmp_path / "null.yaml"
    path.write_text(f"apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: a\nspec: null\n")
    result = store("apply", "-f", str(path))
    assert result.code == 1
    assert result.err.startswith(f'The {kind} "a" is invalid: '), result.err
