"""Loading manifests: files, folders, stdin, multi-document YAML/JSON, lists, and errors."""

import json

import pytest

from kubesvc.api.errors import ClientError
from kubesvc.input.load import load_paths, load_text

SVC = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {}\nspec:\n  ports:\n  - port: 80\n"


def names(docs):
    return [d.obj["metadata"]["name"] for d in docs]


def test_multi_document_yaml_skips_empty_documents():
    text = "---\n" + SVC.format("a") + "---\n---\n# only a comment\n---\n" + SVC.format("b")
    docs = load_text(text, "x.yaml")
    assert names(docs) == ["a", "b"]
    assert [d.index for d in docs] == [1, 4]  # a leading --- opens document 1


def test_json_stream_and_list():
    one = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}}
    lst = {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "b"}}]}
    docs = load_text(json.dumps(one) + "\n" + json.dumps(lst), "x.json")
    assert names(docs) == ["a", "b"]


def test_typed_list_items_get_kind_and_api_version():
    text = "apiVersion: v1\nkind: ServiceList\nitems:\n- metadata:\n    name: a\n"
    (doc,) = load_text(text, "x.yaml")
    assert doc.obj["kind"] == "Service" and doc.obj["apiVersion"] == "v1"


def test_folders_recursive_and_suffixes(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.yaml").write_text(SVC.format("a"))
    (tmp_path / "b.yml").write_text(SVC.format("b"))
    (tmp_path / "notes.txt").write_text("not a manifest")
    (tmp_path / "sub" / "c.json").write_text(json.dumps(
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "c"}}))
    assert names(load_paths([str(tmp_path)])) == ["a", "b"]
    assert names(load_paths([str(tmp_path)], recursive=True)) == ["a", "b", "c"]


@pytest.mark.parametrize("text, fragment", [
    ("a: [1, 2\n", "(document 1): line 2, column 1"),
    # lines count from the top of the file
    (SVC.format("a") + "---\nkey: value\n  bad: indent\n", "(document 2): line 10, column 6"),
    ("- just\n- a list\n", "expected an object"),
    ("just a string\n", "expected an object"),
    ("a: 1\na: 2\n", 'key "a" already set in map'),
    ("a: !!python/object:os.system {}\n", "could not determine a constructor"),
])
def test_parse_errors_name_source_document_and_line(text, fragment):
    with pytest.raises(ClientError) as exc:
        load_text(text, "bad.yaml")
    message = str(exc.value)
    assert message.startswith("error: error parsing bad.yaml")
    assert fragment in message
    assert "\n" not in message


def test_binary_and_non_utf8_files(tmp_path):
    (tmp_path / "bin.yaml").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ClientError, match="binary"):
        load_paths([str(tmp_path / "bin.yaml")])
    with pytest.raises(ClientError, match="not valid UTF-8"):
        load_paths([str(tmp_path / "latin1.yaml")])


def test_missing_path_and_url():
    with pytest.raises(ClientError, match=r'the path "nope\.yaml" does not exist'):
        load_paths(["nope.yaml"])
    with pytest.raises(ClientError, match="URL is not supported"):
        load_paths(["https://example.com/x.yaml"])


def test_alias_bomb_is_refused():
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 10) + "]")
    lines.append("z: [" + ",".join(["*i"] * 2000) + "]")
    with pytest.raises(ClientError, match="aliases"):
        load_text("\n".join(lines) * 1, "bomb.yaml")


def test_timestamps_stay_strings():
    (doc,) = load_text("apiVersion: v1\nkind: X\nmetadata:\n  creationTimestamp: "
                       "2024-01-01T00:00:00Z\n", "t.yaml")
    assert doc.obj["metadata"]["creationTimestamp"] == "2024-01-01T00:00:00Z"
