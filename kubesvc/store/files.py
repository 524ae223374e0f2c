"""The state file on disk: where it is by default, what kubesvc accepts to open (a regular
SQLite file, or a symbolic link it can trust), and one clear line for what SQLite reports on it."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Mapping

from kubesvc.api.errors import StoreError

SQLITE_MAGIC = b"SQLite format 3\x00"


TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (get's start-up)
if TYPE_CHECKING:
    from pathlib import Path


def path_text(path: str) -> str:
    """`str(pathlib.Path(path))` on POSIX without importing pathlib (~4% of a `get`'s
    start-up): empty and `.` parts dropped, `..` kept, exactly two leading slashes kept."""
    parts = [part for part in path.split("/") if part and part != "."]
    root = ""
    if path[:1] == "/":
        root = "//" if path[:2] == "//" and path[2:3] != "/" else "/"
    return root + "/".join(parts) or "."


def default_state_file(environ: Mapping[str, str] = os.environ) -> str:
    """KUBESVC_STATE, else $XDG_STATE_HOME/kubesvc/state.db (~/.local/state without it), as
    `str(default_state_path(environ))`."""
    env = environ.get("KUBESVC_STATE")
    if env:
        return path_text(env)
    base = environ.get("XDG_STATE_HOME")
    if not base:
        home = os.path.expanduser("~")
        if home[:1] == "~":  # as pathlib.Path.home()
            raise RuntimeError("Could not determine home directory.")
        base = os.path.join(path_text(home), ".local", "state")
    return path_text(os.path.join(base, "kubesvc", "state.db"))


def default_state_path(environ: Mapping[str, str] = os.environ) -> Path:
    from pathlib import Path  # noqa: PLC0415 - lazy: `get` (its start-up) uses default_state_file

    return Path(default_state_file(environ))


def database_error(path: str | os.PathLike[str], exc: Exception) -> StoreError:
    """One clear line for an error SQLite reports on the state file (the CLI shows it)."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return StoreError(
            f"the state file {path} is busy: another kubesvc command kept it locked past the "
            f"timeout (set KUBESVC_LOCK_TIMEOUT to wait longer)")
    if type(exc) is sqlite3.DatabaseError:  # SQLITE_CORRUPT, SQLITE_NOTADB
        return StoreError(f"the state file {path} is damaged ({text}); refusing to use it (the "
                          "file is left as it is: restore a copy or move it away)")
    if "readonly" in text:
        return StoreError(f"cannot write the state file {path}: it is read-only ({text})")
    if "full" in text or "I/O" in text:
        return StoreError(f"cannot write the state file {path}: {text} (is the disk full?); "
                          "nothing was changed")
    return StoreError(f"cannot write the state file {path}: {text}")


def check_store_file(path: str | os.PathLike[str]) -> None:
    """Refuse what is not a regular SQLite file before SQLite touches it."""
    st = os.lstat(path)  # FileNotFoundError: no store yet, the caller creates one
    if stat.S_ISLNK(st.st_mode):
        check_symlink(path, st)
    elif not stat.S_ISREG(st.st_mode):
        raise StoreError(f"the state path {path} is not a regular file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StoreError(f"cannot read the state file {path}: {exc.strerror or exc}") from None
    if head != SQLITE_MAGIC:
        what = "empty" if not head else "not a SQLite database"
        raise StoreError(f"{path} is not a kubesvc state file ({what}); refusing to use it")


def check_symlink(path: str | os.PathLike[str], link: os.stat_result) -> None:
    """A state path that is a symbolic link is followed only to where the user's own store is
    expected to be. Refused: a link someone else made (another user than you or root, e.g. one
    planted in a shared folder), and a link to anything but a regular file of yours in a folder
    that others cannot write to (SQLite creates the -wal and -shm files beside the target, so a
    target in /tmp would let anyone plant those)."""
    me = os.geteuid()
    target = os.path.realpath(path)
    refuse = f"the state path {path} is a symbolic link to {target}"
    if link.st_uid not in (me, 0):
        raise StoreError(f"{refuse}, made by another user (uid {link.st_uid}); refusing to "
                         "follow it")
    try:
        st: os.stat_result | None = os.stat(target)
        folder = os.stat(os.path.dirname(target))
    except OSError:
        st = None
    if st is None or not stat.S_ISREG(st.st_mode):
        raise StoreError(f"{refuse}, which is not a regular file; refusing to use it")
    if st.st_uid != me:
        raise StoreError(f"{refuse}, which belongs to another user (uid {st.st_uid}); refusing "
                         "to use it")
    if folder.st_mode & stat.S_IWOTH:
        raise StoreError(f"{refuse}, in a folder anyone can write to; refusing to use it "
                         "(move the state file to a private folder)")
