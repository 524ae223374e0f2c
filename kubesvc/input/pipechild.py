"""The parsing half of input/pipe.py, run as `python -m kubesvc.input.pipechild FILE`.

Reads one big YAML file, cuts it (input/split.py), parses the pieces in order as
load.load_text would (yamlfast, the same checks), and writes frames on stdout: a tag byte, a
4-byte big-endian length, a payload. `FILE PART PARTS`: only the PART-th of PARTS runs of
pieces (two children share a file's parsing; the second's frames wait in memory).

- `H` {"count": units}: the stream's shape is understood (documents, or a List's items);
- `D` orjson [[document index, ...], [object, ...], [digest, ...]]: the next objects,
  flattened, with the salted digest of the text each came from (None: no salt, or a unit
  of text that made more than one object); an object None is a stub (a known digest);
- `S`: every object the apply order may move to the front has been sent;
- `E`: the end; `F`: failure of any kind (the parent then parses the file itself, which gives
  the documents or today's error message).

A full pipe blocks the writer: the parent's pace is the back-pressure.
"""

from __future__ import annotations

import gc
import hashlib
import os
import queue
import re
import sys
import threading
from bisect import bisect_left
from collections.abc import Callable

import orjson

from kubesvc.api.errors import ClientError
from kubesvc.input.load import _read, _too_deep, flatten, shallow
from kubesvc.input.split import cut_list, items_plain, order_bound, salted_digest
from kubesvc.input.yamlfast import document_starts, fast_documents
from kubesvc.input.yamlsafe import load_all as safe_load_all

FIRST_BYTES = 256 * 1024  # the first piece is small: the parent starts sooner
PIECE_BYTES = 1024 * 1024
# orjson writes an infinity or NaN as null: such a stream is parsed by the parent
_NOT_JSON_FLOAT = re.compile(r"\.(?:inf|Inf|INF|nan|NaN|NAN)\b")
F_SETPIPE_SZ = 1031  # Linux: a bigger pipe lets the parser run further ahead
# this child parses the PART-th of PARTS runs of the file's units (documents or items), of
# about equal bytes; its frames are read after the previous part's
PART, PARTS = 0, 1
# a child that does more (kubectl/import_child.py): given the parent's message, a preparer
# (objects, digests, raws) -> a list beside the objects (the frame's 4th), or None: this one
# does nothing more. It may replace objects in the list and fill in None digests.
Preparer = Callable[[list, list, list | None], list | None]
PREPARE: Callable[[dict], Preparer | None] | None = None


class Fail(Exception):
    pass


def frame(out, tag: bytes, payload: bytes = b"") -> None:
    out.write(tag + len(payload).to_bytes(4, "big") + payload)
    out.flush()


def _part(starts: list[int], end: int) -> tuple[int, int]:
    """The [lo, hi) units this child parses: its PART of PARTS runs of about equal bytes."""
    def boundary(part: int) -> int:
        if part in (0, PARTS):
            return 0 if part == 0 else len(starts)
        return bisect_left(starts, starts[0] + (end - starts[0]) * part // PARTS)
    return boundary(PART), boundary(PART + 1)


def _pieces(starts: list[int], bound: int, lo: int, hi: int) -> list[tuple[int, int]]:
    """[i, j) runs of units lo..hi: about PIECE_BYTES of text each (the very first smaller),
    one ending where the units the apply order may move end."""
    cuts, i, n, size = [], lo, hi, FIRST_BYTES if lo == 0 else PIECE_BYTES
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


def run(path: str, out, stdin) -> None:
    with open(path, "rb") as fh:
        text = _read(fh, path)
    run_yaml(text, path, out, stdin)


def run_yaml(text: str, path: str, out, stdin) -> None:
    """`run` on the file's text."""
    # (what yamlfast reads only as a whole stream is found piece by piece: fast_documents)
    if text.lstrip().startswith(("{", "[")):
        raise Fail
    starts, _opened = document_starts(text)
    cut = cut_list(text) if len(starts) == 1 else None
    if cut is not None:
        _run_list(text, path, cut, out, stdin)
    else:
        _run_documents(text, path, starts, out, stdin)


def dumps(indexes: list[int], objects: list, digests: list, piece: str,
           prepared: list | None = None) -> bytes:
    raw = orjson.dumps([indexes, objects, digests] if prepared is None else
                       [indexes, objects, digests, prepared])
    if piece and b"null" in raw and _NOT_JSON_FLOAT.search(piece):
        raise Fail  # a float orjson cannot write?
    return raw


class Skip:
    """The units whose text made an object the state holds as it was made (input/pipe.py
    `skip_known`): the parent sends the salt and the digests once, before the first piece."""

    def __init__(self, stream) -> None:
        head = stream.read(4)
        size = int.from_bytes(head, "big") if len(head) == 4 else 0
        message = orjson.loads(stream.read(size)) if size else {}
        self.salt: str | None = message.get("salt")
        self.known = frozenset(message.get("known") or ())
        # a child that does more than parse (PREPARE) is told what it needs in the message
        self.prepare = PREPARE(message) if PREPARE is not None else None

    def prepared(self, objects: list, digests: list, raws: list | None = None) -> list | None:
        """What PREPARE's preparer made of a piece's objects (it may replace them and fill
        in their digests), or None: none prepared. `raws`: their codec.encode texts, when
        the caller made them."""
        return self.prepare(objects, digests, raws) if self.prepare is not None else None

    def digests(self, text: str, starts: list[int], end: int, i: int, j: int,
                context: bytes) -> list[str | None]:
        """Each unit's digest under the salt (split.salted_digest: what the store keeps), or
        None for all when the parent sent no salt (it keeps no digests)."""
        if self.salt is None:
            return [None] * (j - i)
        base, salt = hashlib.blake2b(context, digest_size=16), self.salt
        out: list[str | None] = []
        for k in range(i, j):
            h = base.copy()
            h.update(text[starts[k]:starts[k + 1] if k + 1 < len(starts) else end].encode())
            out.append(salted_digest(salt, h.hexdigest()))
        return out

    def skipped(self, digest: str | None) -> bool:
        return digest is not None and digest in self.known


def _runs(skips: list[bool]) -> list[tuple[int, int]]:
    """[a, b) runs of units not skipped (offsets within the piece)."""
    runs, a = [], None
    for k, skip in enumerate([*skips, True]):
        if skip and a is not None:
            runs.append((a, k))
            a = None
        elif not skip and a is None:
            a = k
    return runs


def _run_documents(text: str, path: str, starts: list[int], out, stdin) -> None:
    frame(out, b"H", orjson.dumps({"count": len(starts)}))
    bound = order_bound(text)
    prefix = bisect_left(starts, bound)
    skip = Skip(stdin)
    lo, hi = _part(starts, len(text))
    if prefix == 0 == lo:
        frame(out, b"S")
    index = 0 if lo == 0 else lo - _no_document(text, starts)  # documents before unit lo
    for i, j in _pieces(starts, bound, lo, hi):
        raws = skip.digests(text, starts, len(text), i, j, b"document\0")
        skips = [k > 0 and skip.skipped(raw) for k, raw in zip(range(i, j), raws, strict=True)]
        parsed: dict[int, list] = {}  # unit -> its documents
        for a, b in _runs(skips):
            end = starts[i + b] if i + b < len(starts) else len(text)
            docs = fast_documents(text[starts[i + a]:end])
            if docs is None or _too_deep_any(docs):
                raise Fail
            if len(docs) == b - a - 1 and i + a == 0:  # text before the first --- is no document
                docs.insert(0, _NO_DOCUMENT)
            if len(docs) != b - a:
                raise Fail
            parsed.update(zip(range(a, b), ([d] for d in docs), strict=True))
        indexes: list[int] = []
        objects: list[dict | None] = []
        digests: list[str | None] = []
        for k in range(j - i):
            if skips[k]:
                index += 1
                indexes.append(index)
                objects.append(None)
                digests.append(raws[k])
                continue
            made = []
            for obj in parsed[k]:
                if obj is _NO_DOCUMENT:
                    continue
                index += 1
                if obj is None:
                    continue
                if not isinstance(obj, dict):  # (depth: _too_deep_any above)
                    raise Fail
                made.extend(flatten(obj, path, index))
            indexes.extend([index] * len(made))
            objects.extend(made)
            digests.extend([raws[k] if len(made) == 1 else None] * len(made))
        piece = text[starts[i]:starts[j] if j < len(starts) else len(text)] if parsed else ""
        frame(out, b"D", dumps(indexes, objects, digests, piece,
                                 skip.prepared(objects, digests)))
        if j == prefix:
            frame(out, b"S")
    frame(out, b"E")


_NO_DOCUMENT = object()
def _too_deep_any(docs: list) -> bool:
    """Whether a document is nested more than MAX_DEPTH deep (load.shallow, else _too_deep)."""
    return not shallow(docs) and any(isinstance(doc, (dict, list)) and _too_deep(doc)
                                     for doc in docs)


def _no_document(text: str, starts: list[int]) -> int:
    """1 when the text before the first `---` holds no document, else 0."""
    docs = fast_documents(text[:starts[1]] if len(starts) > 1 else text)
    if docs is None or len(docs) > 1:
        raise Fail
    return 1 - len(docs)


def _run_list(text: str, path: str, cut, out, stdin) -> None:
    frame(out, b"H", orjson.dumps({"count": len(cut.starts)}))
    heads = list(safe_load_all(cut.skeleton))
    if len(heads) != 1 or type(heads[0]) is not dict or heads[0].get("items") != []:
        raise Fail
    head = heads[0]
    kind = head.get("kind")
    if not isinstance(kind, str) or not kind.endswith("List"):
        raise Fail
    flatten(head, path, 1)  # the list's own apiVersion, kind and metadata
    # a typed list gives its kind to items that lack one: all of them may move
    bound = order_bound(text, cut.starts[0], cut.end) if kind == "List" else cut.end
    starts = cut.starts
    prefix = bisect_left(starts, bound)
    context = b"item\0" + cut.skeleton.encode() + b"\0"
    skip = Skip(stdin)
    lo, hi = _part(starts, cut.end)
    if prefix == 0 == lo:
        frame(out, b"S")
    for i, j in _pieces(starts, bound, lo, hi):
        stop = starts[j] if j < len(starts) else cut.end
        if not items_plain(text, cut, starts[i], stop):
            raise Fail
        raws = skip.digests(text, starts, cut.end, i, j, context)
        skips = [skip.skipped(raw) for raw in raws]
        items: dict[int, object] = {}
        for a, b in _runs(skips):
            end = starts[i + b] if i + b < len(starts) else cut.end
            docs = fast_documents(text[starts[i + a]:end])
            if (docs is None or len(docs) != 1 or type(docs[0]) is not list
                    or len(docs[0]) != b - a or _too_deep_any([{**head, "items": docs[0]}])):
                raise Fail
            items.update(zip(range(a, b), docs[0], strict=True))
        objects: list[dict | None] = []
        digests: list[str | None] = []
        for k in range(j - i):
            if skips[k]:
                objects.append(None)
                digests.append(raws[k])
                continue
            made = flatten({**head, "items": [items[k]]}, path, 1)
            objects.extend(made)
            digests.extend([raws[k] if len(made) == 1 else None] * len(made))
        frame(out, b"D", dumps([1] * len(objects), objects, digests,
                                 text[starts[i]:stop] if items else "",
                                 skip.prepared(objects, digests)))
        if j == prefix:
            frame(out, b"S")
    frame(out, b"E")


class _Behind:
    """Frames for a parent that reads them only after the previous part's: kept in memory
    and written by a thread as the pipe takes them, so that parsing never waits."""

    def __init__(self, out) -> None:
        self.out = out
        self.frames: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._write, daemon=True)
        self.thread.start()

    def write(self, frame: bytes) -> None:
        self.frames.put(frame)

    def flush(self) -> None:
        pass

    def _write(self) -> None:
        try:
            while (frame := self.frames.get()) is not None:
                self.out.write(frame)
                self.out.flush()
        except OSError:  # the parent stopped reading: nothing to tell it
            os._exit(1)

    def close(self) -> None:
        self.frames.put(None)
        self.thread.join()


def main(run_file: Callable = run) -> int:
    """`run_file(path, out, stdin)`: what reads the file and writes the frames (`run`)."""
    # a short-lived process making many objects: cycles are not worth collecting (as the
    # parent, cli/entry.py); the collector's passes cost a third of a big JSON parse
    gc.disable()
    out = sys.stdout.buffer
    try:
        import fcntl  # noqa: PLC0415 - Linux only, and only here

        fcntl.fcntl(out.fileno(), F_SETPIPE_SZ, 1024 * 1024)
    except (ImportError, OSError):
        pass
    global FIRST_BYTES, PIECE_BYTES, PART, PARTS  # given by the parent (sizes: by tests)
    args = sys.argv[2:]
    if len(args) >= 2:
        PART, PARTS = int(args[0]), int(args[1])
    if len(args) == 4:
        FIRST_BYTES, PIECE_BYTES = int(args[2]), int(args[3])
    writer = _Behind(out) if PART else out
    try:
        run_file(sys.argv[1], writer, sys.stdin.buffer)
    except BrokenPipeError:  # the parent stopped reading: nothing to tell it
        os._exit(1)
    except (Fail, ClientError, Exception):
        try:
            frame(writer, b"F")
        except OSError:
            os._exit(1)
        return 1
    finally:
        if writer is not out:
            writer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
