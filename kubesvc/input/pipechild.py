"""The parsing half of input/pipe.py, run as `python -m kubesvc.input.pipechild FILE`.

Reads one big YAML file, cuts it (input/split.py), parses the pieces in order as
load.load_text would (yamlfast, the same checks), and writes frames on stdout: a tag byte, a
4-byte big-endian length, a payload.

- `H` {"count": units}: the stream's shape is understood (documents, or a List's items);
- `D` orjson [[document index, ...], [object, ...]]: the next objects, flattened;
- `S`: every object the apply order may move to the front has been sent;
- `E`: the end; `F`: failure of any kind (the parent then parses the file itself, which gives
  the documents or today's error message).

A full pipe blocks the writer: the parent's pace is the back-pressure.
"""

from __future__ import annotations

import os
import re
import sys
from bisect import bisect_left

import orjson

from kubesvc.api.errors import ClientError
from kubesvc.input.load import _read, _too_deep, flatten
from kubesvc.input.split import cut_list, items_plain, order_bound
from kubesvc.input.yamlfast import document_starts, fast_documents
from kubesvc.input.yamlsafe import load_all as safe_load_all

FIRST_BYTES = 256 * 1024  # the first piece is small: the parent starts sooner
PIECE_BYTES = 1024 * 1024
# orjson writes an infinity or NaN as null: such a stream is parsed by the parent
_NOT_JSON_FLOAT = re.compile(r"\.(?:inf|Inf|INF|nan|NaN|NAN)\b")
F_SETPIPE_SZ = 1031  # Linux: a bigger pipe lets the parser run further ahead


class _Fail(Exception):
    pass


def _frame(out, tag: bytes, payload: bytes = b"") -> None:
    out.write(tag + len(payload).to_bytes(4, "big") + payload)
    out.flush()


def _pieces(starts: list[int], bound: int) -> list[tuple[int, int]]:
    """[i, j) runs of units: about PIECE_BYTES of text each, one ending where the units the
    apply order may move end."""
    cuts, i, n, size = [], 0, len(starts), FIRST_BYTES
    prefix = bisect_left(starts, bound)  # units that start before the bound
    while i < n:
        limit = starts[i] + size
        j = bisect_left(starts, limit, i + 1)
        j = max(j, i + 1)
        if i < prefix < j:
            j = prefix
        cuts.append((i, min(j, n)))
        i, size = min(j, n), PIECE_BYTES
    return cuts


def run(path: str, out) -> None:
    with open(path, "rb") as fh:
        text = _read(fh, path)
    # (what yamlfast reads only as a whole stream is found piece by piece: fast_documents)
    if text.lstrip().startswith(("{", "[")):
        raise _Fail
    starts, _opened = document_starts(text)
    cut = cut_list(text) if len(starts) == 1 else None
    if cut is not None:
        _run_list(text, path, cut, out)
    else:
        _run_documents(text, path, starts, out)


def _dumps(indexes: list[int], objects: list, piece: str) -> bytes:
    raw = orjson.dumps([indexes, objects])
    if b"null" in raw and _NOT_JSON_FLOAT.search(piece):  # is it a float orjson cannot write?
        raise _Fail
    return raw


def _run_documents(text: str, path: str, starts: list[int], out) -> None:
    _frame(out, b"H", orjson.dumps({"count": len(starts)}))
    bound = order_bound(text)
    prefix = bisect_left(starts, bound)
    if prefix == 0:
        _frame(out, b"S")
    index = 0
    for i, j in _pieces(starts, bound):
        piece = text[starts[i]:starts[j] if j < len(starts) else len(text)]
        docs = fast_documents(piece)
        if docs is None or (i > 0 and len(docs) != j - i):
            raise _Fail
        indexes, objects = [], []
        for obj in docs:
            index += 1
            if obj is None:
                continue
            if not isinstance(obj, dict) or _too_deep(obj):
                raise _Fail
            for item in flatten(obj, path, index):
                indexes.append(index)
                objects.append(item)
        _frame(out, b"D", _dumps(indexes, objects, piece))
        if j == prefix:
            _frame(out, b"S")
    _frame(out, b"E")


def _run_list(text: str, path: str, cut, out) -> None:
    _frame(out, b"H", orjson.dumps({"count": len(cut.starts)}))
    heads = list(safe_load_all(cut.skeleton))
    if len(heads) != 1 or type(heads[0]) is not dict or heads[0].get("items") != []:
        raise _Fail
    head = heads[0]
    kind = head.get("kind")
    if not isinstance(kind, str) or not kind.endswith("List"):
        raise _Fail
    flatten(head, path, 1)  # the list's own apiVersion, kind and metadata
    # a typed list gives its kind to items that lack one: all of them may move
    bound = order_bound(text, cut.starts[0], cut.end) if kind == "List" else cut.end
    starts = cut.starts
    prefix = bisect_left(starts, bound)
    if prefix == 0:
        _frame(out, b"S")
    for i, j in _pieces(starts, bound):
        stop = starts[j] if j < len(starts) else cut.end
        if not items_plain(text, cut, starts[i], stop):
            raise _Fail
        piece = text[starts[i]:stop]
        docs = fast_documents(piece)
        if docs is None or len(docs) != 1 or type(docs[0]) is not list or len(docs[0]) != j - i:
            raise _Fail
        part = {**head, "items": docs[0]}
        if _too_deep(part):
            raise _Fail
        objects = flatten(part, path, 1)
        _frame(out, b"D", _dumps([1] * len(objects), objects, piece))
        if j == prefix:
            _frame(out, b"S")
    _frame(out, b"E")


def main() -> int:
    out = sys.stdout.buffer
    try:
        import fcntl  # noqa: PLC0415 - Linux only, and only here

        fcntl.fcntl(out.fileno(), F_SETPIPE_SZ, 1024 * 1024)
    except (ImportError, OSError):
        pass
    global FIRST_BYTES, PIECE_BYTES  # sizes given by the parent (tests)
    try:
        if len(sys.argv) == 4:
            FIRST_BYTES, PIECE_BYTES = int(sys.argv[2]), int(sys.argv[3])
        run(sys.argv[1], out)
    except BrokenPipeError:  # the parent stopped reading: nothing to tell it
        os._exit(1)
    except (_Fail, ClientError, Exception):
        try:
            _frame(out, b"F")
        except OSError:
            os._exit(1)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
