"""store/db.py insert_rows: multi-row INSERTs that write what executemany of one-row INSERTs
writes, in the same order, and fail as it fails."""

import sqlite3

import pytest

from kubesvc.store import db


@pytest.mark.parametrize("count", [0, 1, 99, 100, 101, 250])
def test_same_rows_in_the_same_order(count):
    rows = [(i, f"name-{i}", None if i % 7 else "x") for i in range(count)]
    got, want = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    for conn in (got, want):
        conn.execute("CREATE TABLE t (a INTEGER, b TEXT, c TEXT)")
    db.insert_rows(got, "INSERT INTO t VALUES ", 3, rows)
    want.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    assert got.execute("SELECT rowid, * FROM t").fetchall() == \
        want.execute("SELECT rowid, * FROM t").fetchall()


def test_a_failing_row_fails_the_statement():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a INTEGER PRIMARY KEY)")
    with pytest.raises(sqlite3.IntegrityError):
        db.insert_rows(conn, "INSERT INTO t VALUES ", 1, [(i,) for i in [*range(150), 3]])
