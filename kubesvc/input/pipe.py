"""A big YAML file parsed in a child process while the caller works through its objects.

`load_stream` gives what load.load_paths gives: a list of documents, or, for ONE YAML file of
PIPE_MIN_BYTES or more, a DocumentStream: a child (input/pipechild.py) reads and parses the file
in pieces (documents of a stream, or items of one `kind: List`) and hands each piece over as
orjson text, which loads ~10x faster than YAML parses; the two cores then parse and write at
once. The pipe between them is the back-pressure: the child is never more than a piece or
two ahead.

Nothing changes for the caller but timing: the objects come in the same order with the same
sources and document numbers. Where the child cannot read the file as load_text would (JSON,
anything yamlfast sends to libyaml as a whole, an error, a child that does not start or
dies), the file is parsed here by load_paths, which returns the same documents or raises the
same error as ever; the objects already handed out are skipped. A parse error therefore comes
while the caller is writing: it must roll back what it wrote (Session does), and `failed` says
that the error came from the input.

Two children may share a file (KUBESVC_PIPE=2, or TWO_MIN_BYTES): each parses a run of about
half its bytes, and the second keeps its objects in memory until the first's are taken.

A JSON file is read in process (load.json_fast: orjson, with its checks proven cheaply): a
child would hand the same objects over as orjson text again, and building them is most of
the cost either way.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson

from kubesvc.api.errors import ClientError
from kubesvc.input.load import STDIN, Document, expand_paths, load_paths

PIPE_MIN_BYTES = 8 * 1024 * 1024  # below this a child's start-up (~0.1 s) is not repaid
# from this size on, two children parse a half each (the second's objects wait in its memory
# until the parent has taken the first's). That pays only where parsing, not the caller, sets
# the pace: today the caller's per-object work is twice the parse, so it is off by default
# (never) and turned on with KUBESVC_PIPE=2.
TWO_MIN_BYTES = 1 << 62
# the child's piece sizes in bytes (first, others), when not its own defaults: tests cut small
PIECES: tuple[int, int] | None = None
# KUBESVC_PIPE=0 turns the child off (A/B measurements, a machine with one core), =2 makes it
# two children
ENV_SWITCH = "KUBESVC_PIPE"
CHILD = "kubesvc.input.pipechild"
HOME = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_stream(paths: list[str], recursive: bool = False,
                child: str = CHILD) -> list[Document] | DocumentStream:
    """load_paths's documents, or a DocumentStream of them for one big YAML file. `child`: the
    module the child runs, pipechild's `main` with more to do (kubectl/import_child.py: it
    also reads JSON)."""
    try:
        files = expand_paths(paths, recursive)
        path = files[0] if len(files) == 1 else STDIN
        big = path != STDIN and os.path.getsize(path) >= PIPE_MIN_BYTES
    except (ClientError, OSError):
        big = False
    if not big or os.environ.get(ENV_SWITCH) == "0" or (os.cpu_count() or 1) < 2:
        return load_paths(paths, recursive)
    parts = 2 if (os.environ.get(ENV_SWITCH) == "2"
                  or os.path.getsize(path) >= TWO_MIN_BYTES) else 1
    stream = DocumentStream(path, parts, child)
    if not stream.start():
        return load_paths(paths, recursive)
    return stream


class DocumentStream:
    """The documents of one file, parsed by a child as they are consumed. Iterate it once:
    plainly for file order, or through `in_order` for the apply order."""

    def __init__(self, path: str, parts: int = 1, child: str = CHILD):
        self.path = path
        self.parts = parts
        self.child = child
        self.count = 0  # pieces the file holds (documents, or a List's items): an estimate
        self.failed = False  # the file itself could not be read: the error was raised
        self.fell_back = False  # the child gave up: the rest came from load_paths
        self.handed = 0
        self.proc: Any = None  # the first child's subprocess.Popen
        self.procs: list[Any] = []  # every child's, in the order their frames are read
        self.salt: str | None = None
        self.by_digest: dict[str, tuple[str, str, str]] = {}
        self._told = False
        self._order: Callable[[list[Document]], Iterable[Document]] | None = None
        self._positions: dict[int, int] = {}  # id(stub) -> its place in the order
        self._whole: list[Document] | None = None
        # where each child's text begins and the previous one's ended, when they say (JSON):
        # the two must agree, else the rest is parsed here
        self._begins: list[int | None] = []
        self._ended: int | None = None

    def start(self) -> bool:
        import subprocess  # noqa: PLC0415 - lazy: every apply imports this module (start-up)

        try:
            # run from the folder that holds this kubesvc: `-m` imports the same code (never a
            # kubesvc folder that happens to be in the caller's working directory)
            for part in range(self.parts):
                self.procs.append(subprocess.Popen(
                    [sys.executable, "-m", self.child,
                     os.path.abspath(self.path), str(part), str(self.parts),
                     *(str(size) for size in PIECES or ())],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                    cwd=HOME))
            self.proc = self.procs[0]
            for proc in self.procs:
                tag, payload = self._frame(proc)
                if tag != b"H":
                    raise ValueError(tag)
                head = orjson.loads(payload)
                self.count = max(self.count, int(head["count"]))  # (each: the whole's)
                self._begins.append(head.get("from"))
        except Exception:  # any trouble: the caller parses the file itself
            self.close()
            return False
        return True

    def skip_known(self, salt: str, known: dict[tuple[str, str, str], str],
                   prepare: dict | None = None) -> None:
        """Before iterating: `known` maps stored keys to the digest of the text they were made
        from (store/db.py input_digests) under `salt`; pieces of text among them are not
        parsed, and come as stubs (Document.stub). Digests of the other objects' text come
        in Document.digest. `prepare`: what a child that prepares objects needs to know
        (kubectl/import_child.py); their documents come with Document.prepared."""
        self.salt = salt
        self.by_digest = {digest: key for key, digest in known.items()}
        message: dict = {"salt": salt, "known": list(self.by_digest)}
        if prepare is not None:
            message["prepare"] = prepare
        self._tell(message)

    def materialize(self, doc: Document) -> dict:
        """A stub's object after all (the store's object changed meanwhile), or a prepared
        document's as read: the file parsed here, once."""
        if self._whole is None:
            docs = load_paths([self.path])
            self._whole = list(self._order(docs)) if self._order is not None else docs
        return self._whole[self._positions[id(doc)]].obj

    def _tell(self, message: dict) -> None:
        if self._told or self.proc is None:
            return
        self._told = True
        payload = orjson.dumps(message) if message else b""
        for proc in self.procs:
            try:
                proc.stdin.write(len(payload).to_bytes(4, "big") + payload)
                proc.stdin.close()
            except OSError:  # the child is gone: the iteration finds out
                pass

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return True

    def __iter__(self) -> Iterator[Document]:
        return self.in_order(None)

    def in_order(self, order: Callable[[list[Document]], Iterable[Document]] | None
                 ) -> Iterator[Document]:
        """The documents, `order` applied to the ones it may move (the child says which:
        input/split.order_bound); `order` must be a stable sort by kind."""
        held: list[Document] | None = [] if order is not None else None
        self._order = order
        self._tell({})
        try:
            for batch in self._batches():
                if batch is None:  # the end of the objects the order may move
                    if held is not None and order is not None:
                        yield from self._hand(order(held))
                    held = None
                elif held is not None:
                    held.extend(batch)
                else:
                    yield from self._hand(batch)
            if held:  # no end-of-prefix mark came: the whole is ordered
                yield from self._hand(order(held) if order is not None else held)
        except _ChildGone:
            self.close()
            self.fell_back = True
            try:
                docs = load_paths([self.path])
            except ClientError:
                self.failed = True
                raise
            if order is not None:
                docs = list(order(docs))
            yield from self._hand(docs[self.handed:])
        finally:
            self.close()

    def _hand(self, docs: Iterable[Document]) -> Iterator[Document]:
        for doc in docs:
            if doc.stub is not None or doc.prepared is not None:
                self._positions[id(doc)] = self.handed
            self.handed += 1
            yield doc

    def _batches(self) -> Iterator[list[Document] | None]:
        for i, proc in enumerate(self.procs):
            if i and self._begins[i] != self._ended:  # they read different items there
                raise _ChildGone
            yield from self._part_batches(proc)

    def _part_batches(self, proc) -> Iterator[list[Document] | None]:
        while True:
            try:
                tag, payload = self._frame(proc)
                if tag == b"D":
                    yield self._documents(*orjson.loads(payload))  # (4th: prepared)
                elif tag == b"S":
                    yield None
                elif tag == b"E":
                    self._ended = orjson.loads(payload).get("to") if payload else None
                    return
                else:
                    raise _ChildGone
            except _ChildGone:
                raise
            except Exception as exc:  # a broken frame: parse the file here
                raise _ChildGone from exc

    def _documents(self, indexes: list[int], objects: list, digests: list,
                   prepared: list | None = None) -> list[Document]:
        by_digest, out = self.by_digest, []
        for index, obj, digest in zip(indexes, objects, digests, strict=True):
            # (salted by the child: split.salted_digest)
            if obj is None:  # a stub: text the state holds an object of, as it was made
                key = by_digest[digest]
                doc = Document({"kind": key[0].partition(".")[0]}, self.path, index, digest,
                               key)
            else:
                doc = Document(obj, self.path, index, digest, fresh=True)  # orjson's
            out.append(doc)
        if prepared is not None:
            for doc, prep in zip(out, prepared, strict=True):
                if prep is not None:
                    doc.prepared = tuple(prep)
        return out

    def _frame(self, proc) -> tuple[bytes, bytes]:
        if proc.stdout is None or proc.stdout.closed:
            raise _ChildGone
        head = proc.stdout.read(5)
        if len(head) != 5:
            raise _ChildGone
        size = int.from_bytes(head[1:], "big")
        payload = proc.stdout.read(size) if size else b""
        if len(payload) != size:
            raise _ChildGone
        return head[:1], payload

    def close(self) -> None:
        procs, self.procs, self.proc = self.procs, [], None
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            if proc.stdout is not None:
                proc.stdout.close()
            if proc.stdin is not None and not proc.stdin.closed:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
            proc.wait()


class _ChildGone(Exception):
    """The child failed or stopped making sense."""
