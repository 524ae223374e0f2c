"""Manifests in, documents with their source out.

Reads files, folders (`-R` for sub-folders) and stdin; multi-document YAML and JSON;
flattens `kind: List` and typed lists (`ServiceList`, whose items may lack kind). Every error
names the file, the document and, where the parser gives one, the line.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kubesvc.api.errors import ClientError
from kubesvc.api.goformat import go_json_kind
from kubesvc.input.yamlfast import load_all
from kubesvc.input.yamlsafe import YAMLError
from kubesvc.input.yamlsafe import load_all as libyaml_load_all

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
# Deeper documents are refused: Python code that walks an object recursively (copying,
# merging, validating) must never hit the interpreter's recursion limit. The deepest real
# objects (CRDs with nested schemas) stay far below this.
MAX_DEPTH = 200


@dataclass
class Document:
    obj: dict
    source: str  # file name as the user gave it, or "STDIN"
    index: int  # 1-based document number within the source
    # input/pipe.py: the salted digest of the text the object came from (store/db.py
    # input_digests), and for an object whose text the state holds as it was made, its stored
    # key (gk, namespace, name) in place of a parse (`obj` then holds only its kind)
    digest: str | None = None
    stub: tuple[str, str, str] | None = None
    # `obj` was made by a JSON decoder for this document alone (JSON text, or a frame from the
    # pipe's child): no sub-object is shared with another document or within it, as a YAML
    # alias can share one, so a writer may take `obj` itself rather than a deep copy
    fresh: bool = False
    # the child also ran the object's stateless create steps (apiserver/registry.py `prepare`):
    # `obj` is the prepared object, this what `prepare` returned; None: `obj` is as read
    prepared: tuple | None = None

    @property
    def where(self) -> str:
        return f"{self.source} (document {self.index})"


def expand_paths(paths: list[str], recursive: bool) -> list[str]:
    """Files to read, in a stable order: each folder's manifests sorted by name."""
    out: list[str] = []
    for p in paths:
        if p == STDIN:
            out.append(p)
        elif p.startswith(("http://", "https://")):
            raise ClientError(f'reading manifests from a URL is not supported: "{p}"; '
                              "download it and pass the file")
        elif os.path.isdir(p):
            out.extend(_folder(Path(p), recursive))
        elif os.path.exists(p):
            out.append(p)
        else:
            raise ClientError(f'the path "{p}" does not exist')
    return out


def _folder(folder: Path, recursive: bool) -> list[str]:
    found = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.is_dir():
            if recursive:
                found.extend(_folder(Path(entry.path), recursive))
        elif entry.name.endswith(MANIFEST_SUFFIXES):
            found.append(entry.path)
    return found


def load_paths(paths: list[str], recursive: bool = False) -> list[Document]:
    docs: list[Document] = []
    try:
        files = expand_paths(paths, recursive)
        for path in files:
            if path == STDIN:
                docs.extend(load_text(_read(sys.stdin.buffer, "STDIN"), "STDIN"))
            else:
                with open(path, "rb") as fh:
                    docs.extend(load_text(_read(fh, path), path))
    except OSError as exc:  # kubectl: error: open x.yaml: permission denied
        name = exc.filename or "STDIN"
        raise ClientError(f"open {name}: {(exc.strerror or str(exc)).lower()}") from None
    return docs


def _read(stream, source: str) -> str:
    data = stream.read()
    if b"\x00" in data[:8192]:
        raise ClientError(f"error parsing {source}: the file is binary, not YAML or JSON")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ClientError(f"error parsing {source}: not valid UTF-8 text "
                          f"(byte {exc.start}: {exc.reason})") from None


def load_text(text: str, source: str) -> list[Document]:
    """Parse one source into documents (objects only; empty documents are skipped)."""
    stripped = text.lstrip()
    raw: list = []
    checked = False  # the documents are proven no deeper than MAX_DEPTH
    if stripped.startswith(("{", "[")):
        fast = json_fast(text)  # read as _json_documents reads them, only faster
        checked = fast is not None
        raw = fast if fast is not None else _json_documents(text, source)
    from_yaml = not raw
    if from_yaml:
        raw = list(_yaml_documents(text, source))
        checked = len(text) >= JSON_FAST_BYTES and shallow(raw)
    docs = []
    for index, obj in enumerate(raw, start=1):
        if obj is None:
            continue
        if not checked and isinstance(obj, (dict, list)) and _too_deep(obj):
            if from_yaml:  # libyaml may refuse the nesting first (yaml-rs does not): its message
                for _ in _yaml_documents(text, source, fast=False):
                    pass
            raise ClientError(f"error parsing {source} (document {index}): the document is "
                              f"nested more than {MAX_DEPTH} levels deep")
        if not isinstance(obj, dict):
            raise ClientError(f"error parsing {source} (document {index}): expected an object "
                              f"(a mapping with apiVersion and kind), got {_type_name(obj)}")
        docs.extend(Document(item, source, index, fresh=not from_yaml)
                    for item in flatten(obj, source, index))
    return docs


def _json_documents(text: str, source: str) -> list:
    """A JSON document or a stream of them; [] when this is not JSON (YAML will say why)."""
    decoder, pos, out = json.JSONDecoder(object_pairs_hook=_no_duplicates), 0, []
    try:
        while pos < len(text):
            while pos < len(text) and text[pos].isspace():
                pos += 1
            if pos == len(text):
                break
            obj, pos = decoder.raw_decode(text, pos)
            out.append(obj)
    except ValueError:
        return []
    except RecursionError:
        raise ClientError(f"error parsing {source} (document {len(out) + 1}): the document is "
                          f"nested more than {MAX_DEPTH} levels deep") from None
    return out


# below this a JSON text goes through the standard library (orjson's import is not repaid)
JSON_FAST_BYTES = 256 * 1024
_CHUNK = 512  # a List's items are serialized this many at a time (a bounded copy)
# orjson refuses to write 255 nested containers: a document wrapped in so many lists that
# MAX_DEPTH + 1 levels reach 255 is refused exactly when it is too deep
_WRAP_WHOLE = 255 - (MAX_DEPTH + 1)
_WRAP_CHILD = _WRAP_WHOLE + 1  # a run of a List's items (one level below the document)


def json_fast(text: str) -> list | None:
    """[the document] when orjson reads `text` as one JSON document exactly as
    _json_documents would and it is at most MAX_DEPTH deep, else None (the caller takes the
    slow path, which gives the documents or the error). orjson reads a duplicate key (the
    last wins), an integer beyond 64 bits (as a float) and a too-deep document where the
    standard decoder with _no_duplicates does not, so each is ruled out by a proof on what
    orjson writes for the tree it read (`_written`):

    * depth: orjson.dumps refuses 255 nested containers; each part is written wrapped in
      lists (_WRAP_*) so that it is refused exactly when the document is too deep;
    * duplicates, by counting colons: outside strings, JSON has one colon per key it holds
      (a `key: value` member), and a colon inside a string is a colon of its value unless
      spelled `\\u003a`. Without that spelling, the text's colons are its members plus at
      least the colons of the tree's strings (the text holds each of the tree's strings, and
      maybe more: a duplicate's); orjson writes a colon per member and each string's own.
      Equal counts thus leave the text no more members than the tree: none was dropped;
    * a big integer read as a float would be written with an exponent (`e+`).
    """
    if len(text) < JSON_FAST_BYTES or (
            "\\u003" in text and ("\\u003a" in text or "\\u003A" in text)):
        return None
    import orjson  # noqa: PLC0415 - lazy: start-up of commands that read small manifests

    try:
        tree = orjson.loads(text if text.isascii() else text.encode())
    except orjson.JSONDecodeError:
        return None
    if type(tree) is not dict and type(tree) is not list:
        return None
    colons = 0
    try:
        for raw in _written(tree, orjson.dumps):
            if b"e+" in raw:
                return None
            colons += raw.count(b":")
    except orjson.JSONEncodeError:  # too deep (or a value orjson does not write)
        return None
    return [tree] if colons == text.count(":") else None


def json_items_proven(text: str) -> list | None:
    """The values of `text`, a run of a List's items as they stand between its brackets, when
    orjson reads them as _json_documents reads them in the whole (json_fast's proofs: no
    duplicate key, no big integer, not too deep one level below the document); else None."""
    return _proven("[" + text + "]", _WRAP_CHILD)


def json_head_proven(text: str) -> dict | None:
    """`text`, a List with its items left out (`"items": []`), as json_fast reads it, when an
    object; else None."""
    tree = _proven(text, _WRAP_WHOLE)
    return tree if type(tree) is dict else None


def _proven(text: str, levels: int):
    """json_fast's proofs for one part of a document, written in `levels` lists (its depth)."""
    import orjson  # noqa: PLC0415 - lazy: start-up of commands that read small manifests

    if "\\u003" in text and ("\\u003a" in text or "\\u003A" in text):
        return None
    try:
        tree = orjson.loads(text if text.isascii() else text.encode())
        raw = orjson.dumps(_wrapped(tree, levels))
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return None
    if b"e+" in raw or raw.count(b":") != text.count(":"):
        return None
    return tree


def _written(tree: dict | list, dumps) -> Iterator[bytes]:
    """What orjson writes for `tree`, each part wrapped in depth-checking lists; a List's
    items a run at a time (a bounded copy), the rest of it as a whole with `items: []`."""
    items = tree.get("items") if type(tree) is dict else None
    if type(tree) is not dict or type(items) is not list or len(items) <= _CHUNK:
        yield dumps(_wrapped(tree, _WRAP_WHOLE))
        return
    yield dumps(_wrapped({k: [] if v is items else v for k, v in tree.items()}, _WRAP_WHOLE))
    for start in range(0, len(items), _CHUNK):
        yield dumps(_wrapped(items[start:start + _CHUNK], _WRAP_CHILD))


# a run of documents (one level more) is refused exactly when one of them is too deep
_WRAP_RUN = _WRAP_WHOLE - 1
_RUN = 256  # documents written at a time by `shallow` (a bounded copy)


def shallow(docs: list) -> bool:
    """True when no document is nested more than MAX_DEPTH deep (load._too_deep's answer for
    each), proven by orjson.dumps ~4x faster than walking them in Python; False: refused or
    in doubt (orjson cannot write a key that is no string, an integer beyond 64 bits...)."""
    import orjson  # noqa: PLC0415 - lazy: start-up of commands that read small manifests

    try:
        for start in range(0, len(docs), _RUN):
            orjson.dumps(_wrapped(docs[start:start + _RUN], _WRAP_RUN))
    except orjson.JSONEncodeError:
        return False
    return True


def _wrapped(value, levels: int) -> list:
    for _ in range(levels):
        value = [value]
    return value


def _no_duplicates(pairs: list) -> dict:
    """A JSON object; a duplicate key sends the text to the YAML loader, which names it and
    its line (JSON is YAML), as kubectl refuses duplicates."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate key")
    return obj


def _too_deep(obj) -> bool:
    """Deeper than MAX_DEPTH containers, found without recursion (a self-referencing YAML
    alias is infinitely deep, and is caught here too)."""
    level, depth = [obj], 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            return True
        nested = []
        for node in level:
            for child in (node.values() if type(node) is dict else node):
                if type(child) is dict or type(child) is list:
                    nested.append(child)
        level = nested
    return False


def _yaml_documents(text: str, source: str, fast: bool = True) -> Iterator:
    """Documents of a YAML stream: through the yaml-rs fast path where it applies (identical
    documents and errors), or through libyaml only."""
    index = 0
    try:
        reader = load_all(text) if fast else libyaml_load_all(text)
        for index, obj in enumerate(reader, start=1):  # noqa: B007 (read on error)
            yield obj
    except YAMLError as exc:
        position = getattr(exc, "position", None)  # a ReaderError: a character YAML forbids
        if position is not None:
            raise ClientError(_reader_message(exc, text, source, position)) from None
        raise ClientError(_yaml_message(exc, source, index + 1)) from None
    except RecursionError:
        raise ClientError(f"error parsing {source} (document {index + 1}): "
                          "the document is nested too deeply") from None


def _reader_message(exc, text: str, source: str, position: int) -> str:
    """The reader checks the whole text before parsing: find the line and the document."""

    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    starts = [m.start() for m in re.finditer(r"^---(?=\s|$)", text[:position], re.M)]
    leading = bool(re.match(r"(\s*(#[^\n]*)?\n)*---(\s|$)", text))
    document = max(1, len(starts) + (0 if leading else 1))
    return (f"error parsing {source} (document {document}): line {line}, column {column}: "
            f"{exc.reason} (#x{exc.character:04x})")


def _yaml_message(exc, source: str, index: int) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    detail = f"{context} {problem}" if context and "found" not in problem else problem
    return f"error parsing {source} (document {index}): {where}{detail}"


def flatten(obj: dict, source: str, index: int) -> list[dict]:
    """Items of `kind: List` / `XxxList` come out as objects; items may lack kind."""
    _check_type_meta(obj, source, index)
    kind = obj.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(obj.get("items"), list):
        item_kind = kind[: -len("List")] if kind != "List" else None
        out = []
        for pos, item in enumerate(obj["items"]):
            if not isinstance(item, dict):
                raise ClientError(f"error parsing {source} (document {index}): items[{pos}] is "
                                  f"{_type_name(item)}, not an object")
            if item_kind and "kind" not in item:
                item = {"kind": item_kind, "apiVersion": obj.get("apiVersion", "v1"), **item}
            out.extend(flatten(item, source, index))
        return out
    return [obj]


def _check_type_meta(obj: dict, source: str, index: int) -> None:
    """What every verb reads before anything validates the object: apiVersion and kind
    strings, metadata a mapping with a string name and namespace."""
    meta = obj.get("metadata")
    checks = [(obj.get("apiVersion"), str, ".apiVersion", "string"),
              (obj.get("kind"), str, ".kind", "string"),
              (meta, dict, ".metadata", "v1.ObjectMeta")]
    if isinstance(meta, dict):
        checks += [(meta.get(f), str, f"ObjectMeta.metadata.{f}", "string")
                   for f in ("name", "namespace")]
    for value, wanted, field, go_type in checks:
        if value is not None and not isinstance(value, wanted):
            raise ClientError(f'unable to decode "{source}" (document {index}): json: cannot '
                              f"unmarshal {go_json_kind(value)} into Go struct field {field} of "
                              f"type {go_type}")


def _type_name(value) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number",
            bool: "a boolean"}.get(type(value), type(value).__name__)
