"""The state file on disk: where it is by default, what kubesvc accepts to open (a regular
SQLite file, or a symbolic link it can trust), and one clear line for what SQLite reports on it."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Mapping
from pathlib import Path

from kubesvc.api.errors import StoreError

SQLITE_MAGIC = b"SQLite format 3\x00"


def default_state_path(environ: Mapping[str, str] = os.environ) -> Path:
    env = environ.get("KUBESVC_STATE")
    if env:
        return Path(env)
    base = environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "kubesvc" / "state.db"


def database_error(path: Path, exc: Exception) -> StoreError:
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


def check_store_file(path: Path) -> None:
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


def check_symlink(path: Path, link: os.stat_result) -> None:
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
