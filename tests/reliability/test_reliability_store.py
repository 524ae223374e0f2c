"""The state file under attack: damaged, truncated, foreign, read-only, on a full disk, behind
a symbolic link. Each case gets one clear line, exit code 1, and a file that is never
overwritten or truncated. The shared helpers (kubesvc as a process, the store's invariants)
are in tests/reliability/harness.py."""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from tests.reliability.harness import (
    KUBESVC,
    check_store,
    kubesvc,
    objects_of,
    without_root_privileges,
)

SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  type: NodePort\n" \
          "  ports:\n  - port: 80\n"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_error_line(result) -> str:
    """The command failed with exit 1 and said so in exactly one line, without a traceback."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A store with a few objects in it, closed (no -wal file left)."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "state.db"
    manifest = folder / "one.yaml"
    manifest.write_text(SERVICE.format(name="one"))
    result = kubesvc(path, "apply", "-f", str(manifest))
    assert result.returncode == 0, result.stderr
    assert not Path(f"{path}-wal").exists()
    return path


@pytest.fixture
def state(tmp_path, template) -> Path:
    path = tmp_path / "state" / "state.db"
    path.parent.mkdir(mode=0o700)
    shutil.copy(template, path)
    return path


@pytest.fixture
def manifest(tmp_path) -> Path:
    path = tmp_path / "two.yaml"
    path.write_text(SERVICE.format(name="two"))
    return path


# -- creation ----------------------------------------------------------------------------------


def test_store_folders_and_files_are_private_even_with_a_permissive_umask(tmp_path):
    # only the default XDG folder is made (an explicit --state needs its folder to exist)
    path = tmp_path / "a" / "b" / "kubesvc" / "state.db"
    env = {k: v for k, v in os.environ.items() if k != "KUBESVC_STATE"}
    result = subprocess.run([*KUBESVC, "cluster", "init"], capture_output=True, text=True,
                            env={**env, "XDG_STATE_HOME": str(tmp_path / "a" / "b")},
                            preexec_fn=lambda: os.umask(0))
    assert result.returncode == 0, result.stderr
    mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)  # noqa: E731
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert mode(path.parent.parent) == 0o700  # the missing parents too (XDG asks for 0700)
    conn = sqlite3.connect(path)  # SQLite's -wal and -shm files copy the store's mode
    conn.execute("SELECT count(*) FROM objects").fetchone()
    assert mode(f"{path}-wal") == 0o600 and mode(f"{path}-shm") == 0o600
    conn.close()
    assert sorted(os.listdir(path.parent)) == ["state.db"]  # no temp file left behind


def test_folder_that_cannot_be_created_gets_a_clear_message(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    env = {k: v for k, v in os.environ.items() if k != "KUBESVC_STATE"}
    result = subprocess.run([*KUBESVC, "cluster", "init"], capture_output=True, text=True,
                            env={**env, "XDG_STATE_HOME": str(folder / "sub")},
                            preexec_fn=without_root_privileges())
    line = one_error_line(result)
    assert line == (f"error: cannot create the state file {folder}/sub/kubesvc/state.db: "
                    "Permission denied")
    assert os.listdir(folder) == []


def test_full_disk_while_creating_leaves_no_file(tmp_path):
    path = tmp_path / "state.db"
    result = kubesvc(path, "cluster", "init", preexec_fn=_file_size_limit(8192))
    line = one_error_line(result)
    assert line.startswith(f"error: cannot write the state file {path}: ")
    assert "is the disk full?" in line
    assert os.listdir(tmp_path) == []  # neither a half-made store nor its temp file


# -- files that are not a usable store ---------------------------------------------------------


def _overwrite(path: Path, offset: int, data: bytes) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.write(data)


def _damage_pages(path: Path) -> None:
    size = path.stat().st_size
    _overwrite(path, 4096, bytes(range(256)) * ((size - 8192) // 256))


def _damage_header(path: Path) -> None:
    _overwrite(path, 16, b"\xff" * 84)  # page size, counters, schema cookie: all nonsense


def _truncate(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 3)


def _png(path: Path) -> None:
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(2000))


def _other_sqlite(path: Path) -> None:
    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (text)")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("spoil, fragment", [
    (_damage_pages, "is damaged (database disk image is malformed)"),
    (_damage_header, "is damaged or is not a kubesvc state file"),
    (_truncate, "is damaged or is not a kubesvc state file (database disk image is malformed)"),
    (_png, "is not a kubesvc state file (not a SQLite database)"),
    (_other_sqlite, "is not a kubesvc state file; refusing to use it"),
], ids=["damaged-pages", "damaged-header", "truncated", "not-sqlite", "other-sqlite-db"])
@pytest.mark.parametrize("verb", ["get", "apply"])
def test_unusable_store_is_refused_and_left_as_it_is(state, manifest, spoil, fragment, verb):
    spoil(state)
    before = digest(state)
    args = ["get", "svc"] if verb == "get" else ["apply", "-f", str(manifest)]
    line = one_error_line(kubesvc(state, *args))
    assert str(state) in line and fragment in line, line
    assert digest(state) == before
    assert not Path(f"{state}-wal").exists() or Path(f"{state}-wal").stat().st_size == 0


def test_state_path_that_is_a_folder(tmp_path, manifest):
    folder = tmp_path / "state.db"
    folder.mkdir()
    line = one_error_line(kubesvc(folder, "apply", "-f", str(manifest)))
    assert line == f"error: the state path {folder} is not a regular file"
    assert os.listdir(folder) == []


# -- read-only and full ------------------------------------------------------------------------


def test_read_only_store_can_be_read_but_not_written(state, manifest):
    preexec = without_root_privileges()
    os.chmod(state, 0o400)
    before = digest(state)
    line = one_error_line(kubesvc(state, "apply", "-f", str(manifest), preexec_fn=preexec))
    assert line == f"error: cannot write the state file {state}: it is read-only (attempt to " \
                   "write a readonly database)"
    got = kubesvc(state, "get", "svc", "-o", "name", preexec_fn=preexec)
    assert got.returncode == 0 and got.stdout.split() == ["service/kubernetes", "service/one"]
    assert digest(state) == before


def _file_size_limit(limit: int):
    def apply_limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply_limit


def test_full_disk_fails_cleanly_and_changes_nothing(state, tmp_path):
    big = tmp_path / "big.yaml"  # its write-ahead log needs far more than 32 KiB
    big.write_text("".join("---\n" + SERVICE.format(name=f"s{i}") for i in range(200)))
    before, dump = digest(state), _dump(state)
    line = one_error_line(kubesvc(state, "apply", "-f", str(big),
                                  preexec_fn=_file_size_limit(32768)))
    assert line.startswith(f"error: cannot write the state file {state}: ")
    assert line.endswith("(is the disk full?); nothing was changed")
    assert digest(state) == before and _dump(state) == dump
    check_store(state)
    retry = kubesvc(state, "apply", "-f", str(big))  # room again: the same command works
    assert retry.returncode == 0, retry.stderr
    assert check_store(state)["objects"] == len(objects_of(state))


def _dump(path: Path):
    conn = sqlite3.connect(path)
    try:
        return (conn.execute("SELECT gk, namespace, name, body FROM objects ORDER BY id")
                .fetchall(), conn.execute("SELECT * FROM allocations ORDER BY 1, 2").fetchall())
    finally:
        conn.close()


# -- symbolic links ----------------------------------------------------------------------------
# Followed only to a regular file of the user's own, in a folder others cannot write to, and
# only when the link itself was made by the user (or root).


def _store_at(folder: Path) -> Path:
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / "real.db"
    assert kubesvc(path, "cluster", "init").returncode == 0
    return path


def test_symlink_to_own_private_store_is_followed(tmp_path):
    real = _store_at(tmp_path / "private")
    link = tmp_path / "state.db"
    link.symlink_to(real)
    result = kubesvc(link, "get", "svc", "-o", "name")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "service/kubernetes\n"


def test_dangling_symlink_is_refused_and_nothing_is_created(tmp_path):
    link = tmp_path / "state.db"
    link.symlink_to(tmp_path / "elsewhere" / "state.db")
    line = one_error_line(kubesvc(link, "get", "svc"))
    assert line == (f"error: the state path {link} is a symbolic link to {tmp_path}/elsewhere/"
                    "state.db, which is not a regular file; refusing to use it")
    assert sorted(os.listdir(tmp_path)) == ["state.db"]


@pytest.mark.parametrize("target", ["folder", "fifo", "/dev/null"])
def test_symlink_to_something_else_than_a_file_is_refused(tmp_path, target):
    if target == "folder":
        (tmp_path / "folder").mkdir()
    elif target == "fifo":
        os.mkfifo(tmp_path / "fifo")
    link = tmp_path / "state.db"
    link.symlink_to(tmp_path / target if not target.startswith("/") else target)
    line = one_error_line(kubesvc(link, "get", "svc", timeout=20))
    assert "which is not a regular file; refusing to use it" in line


def test_symlink_into_a_world_writable_folder_is_refused(tmp_path):
    real = _store_at(tmp_path / "shared")
    os.chmod(tmp_path / "shared", 0o1777)  # like /tmp: others could plant the -wal file
    link = tmp_path / "state.db"
    link.symlink_to(real)
    before = digest(real)
    line = one_error_line(kubesvc(link, "get", "svc"))
    assert line.endswith("in a folder anyone can write to; refusing to use it (move the state "
                         "file to a private folder)")
    assert digest(real) == before


def test_symlink_to_another_users_file_is_refused(tmp_path):
    link = tmp_path / "state.db"
    if os.geteuid() == 0:
        target = _store_at(tmp_path / "theirs")
        os.chown(target, 65534, 65534)
    else:
        target = Path("/etc/passwd")  # a regular file that root owns
    link.symlink_to(target)
    before = digest(target)
    line = one_error_line(kubesvc(link, "get", "svc"))
    owner = os.stat(target).st_uid
    assert line.endswith(f"which belongs to another user (uid {owner}); refusing to use it")
    assert digest(target) == before


def test_symlink_made_by_another_user_is_refused(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("only root can make a link that another user owns")
    real = _store_at(tmp_path / "private")
    link = tmp_path / "state.db"
    link.symlink_to(real)
    os.lchown(link, 65534, 65534)
    before = digest(real)
    line = one_error_line(kubesvc(link, "get", "svc"))
    assert line.endswith("made by another user (uid 65534); refusing to follow it")
    assert digest(real) == before
