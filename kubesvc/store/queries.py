"""Named read queries over the store's tables, for the callers that need less (or other) than
whole objects by key: a field of every object of a kind, counts, objects by a field's value.
Every SQL statement of kubesvc lives in the store package; callers ask by name."""

from __future__ import annotations

import json

from kubesvc.api import table_cells
from kubesvc.store.db import Store

MAP_BYTES = 1 << 40  # the whole file, whatever its size (SQLite caps it at its own limit)


def map_file(store: Store) -> None:
    """Read the state file through a memory map for the rest of this connection's life
    (PRAGMA mmap_size): a read-only command that reads many pages (a resolve scanning every
    Service's body, a big table) takes them straight from the page cache instead of one
    read() and one private copy each. Changes nothing in the file; SQLite still reads what
    the write-ahead log holds from the log."""
    store.conn.execute(f"PRAGMA mmap_size = {MAP_BYTES}")


def pods_on_node(store: Store, node_name: str) -> list[dict]:
    """Pods bound to `node_name` (`spec.nodeName`), in the API's list order (etcd keys
    `NS/NAME` as bytes, as `Store.list`): node describe prints them in that order."""
    rows = store.conn.execute(
        "SELECT body FROM objects WHERE gk='Pod' AND json_extract(body, '$.spec.nodeName')=? "
        "ORDER BY namespace || '/' || name", (node_name,))
    return [json.loads(r[0]) for r in rows]


def pending_pods(store: Store) -> list[dict]:
    """Pods without a phase or in phase Pending, in (namespace, name) order."""
    rows = store.conn.execute(
        "SELECT body FROM objects WHERE gk='Pod' AND (json_extract(body, '$.status.phase')"
        " IS NULL OR json_extract(body, '$.status.phase')='Pending') ORDER BY namespace, name")
    return [json.loads(r[0]) for r in rows]


def pods_per_node(store: Store) -> dict[str, int]:
    """How many pods are bound to each node that has any."""
    rows = store.conn.execute(
        "SELECT json_extract(body, '$.spec.nodeName') AS n, COUNT(*) FROM objects "
        "WHERE gk='Pod' AND n IS NOT NULL GROUP BY n")
    return dict(rows.fetchall())


def service_selectors(store: Store, namespace: str) -> list[tuple[str, dict]]:
    """(name, spec.selector) of a namespace's Services, without decoding whole objects."""
    # one JSON array for the whole namespace: one decode instead of one per Service
    row = store.conn.execute(
        "SELECT json_group_array(json_array(name, json_extract(body, '$.spec.selector'))) "
        "FROM objects WHERE gk='Service' AND namespace=?", (namespace,)).fetchone()
    return [(name, sel or {}) for name, sel in json.loads(row[0])]


def pod_selectors(store: Store, gk: str, namespace: str) -> list[tuple[str, object]]:
    """(name, spec.podSelector) of a namespace's objects of a kind (NetworkPolicies), by name,
    without decoding whole objects (None where there is none); one JSON array for the
    namespace, as service_selectors."""
    row = store.conn.execute(
        "SELECT json_group_array(json_array(name, json_extract(body, '$.spec.podSelector'))) "
        "FROM (SELECT name, body FROM objects WHERE gk=? AND namespace=? ORDER BY name)",
        (gk, namespace)).fetchone()
    return [(name, sel) for name, sel in json.loads(row[0])]


def namespaces_with(store: Store, gk: str) -> list[str]:
    """Namespaces holding at least one object of the kind."""
    rows = store.conn.execute("SELECT DISTINCT namespace FROM objects WHERE gk=?", (gk,))
    return [ns for (ns,) in rows]


def kinds_present(store: Store) -> list[str]:
    """Every group-kind the store holds objects of."""
    return [r[0] for r in store.conn.execute("SELECT DISTINCT gk FROM objects")]


def counts_by_kind(store: Store) -> list[tuple[str, int]]:
    """(group-kind, number of objects), by group-kind."""
    return store.conn.execute(
        "SELECT gk, COUNT(*) FROM objects GROUP BY gk ORDER BY gk").fetchall()


def service_by_cluster_ip(store: Store, ip: str) -> dict | None:
    """The Service one of whose `spec.clusterIPs` is `ip` (the first, in key order)."""
    # instr: only the bodies naming the address are taken apart (the planner tests it on
    # each row before json_each)
    row = store.conn.execute(
        "SELECT body FROM objects, json_each(objects.body, '$.spec.clusterIPs') AS ips "
        "WHERE gk='Service' AND instr(objects.body, ?) > 0 AND ips.value=? "
        "ORDER BY namespace, name LIMIT 1", (ip, ip)).fetchone()
    return json.loads(row[0]) if row else None


def objects_mentioning(store: Store, gk: str, *texts: str) -> list[dict]:
    """Objects of a kind whose stored JSON contains any of `texts`: a cheap pre-filter (the
    caller checks the field it means), in (namespace, name) order."""
    where = " OR ".join("instr(body, ?) > 0" for _ in texts) or "1"
    rows = store.conn.execute(
        f"SELECT body FROM objects WHERE gk=? AND ({where}) ORDER BY namespace, name",
        (gk, *texts))
    return [json.loads(r[0]) for r in rows]


def pods_with_subdomain(store: Store, namespace: str, subdomain: str) -> list[dict]:
    """A namespace's pods whose `spec.subdomain` is `subdomain`, by name. The candidates come
    from the summary index (a pod's brief names its subdomain, table_cells.pod_brief, as a
    JSON string: looked for with its quotes, so `app-5` is not found in `app-50`): only
    their bodies are read, not every pod's of the namespace."""
    where = "gk='Pod' AND namespace=? AND json_extract(body, '$.spec.subdomain')=?"
    if not store.has_summary:
        rows = store.conn.execute(f"SELECT body FROM objects WHERE {where} ORDER BY name",
                                  (namespace, subdomain))
        return [json.loads(r[0]) for r in rows]
    sep, seps = table_cells.SEP, table_cells.POD_BRIEF_SEPS
    candidates = store.conn.execute(
        "SELECT id, summary FROM objects WHERE gk='Pod' AND namespace=? AND (summary IS NULL "
        "OR instr(summary, ?) > 0 OR length(summary) - length(replace(summary, ?, '')) != ?)",
        (namespace, f'"{subdomain}"', sep, seps)).fetchall()
    ids = [oid for oid, summary in candidates if _may_have_subdomain(summary)]
    out = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        out += store.conn.execute(
            f"SELECT name, body FROM objects WHERE id IN ({','.join('?' * len(chunk))}) AND "
            f"{where}", (*chunk, namespace, subdomain)).fetchall()
    return [json.loads(body) for _, body in sorted(out)]


def _may_have_subdomain(summary: str | None) -> bool:
    """False only for a pod whose brief says it has no subdomain."""
    tag = table_cells.SUMMARY_VERSION + table_cells.SEP
    if summary is None or not summary.startswith(tag) or summary.count(
            table_cells.SEP) != table_cells.POD_BRIEF_SEPS:
        return True
    try:
        brief = json.loads(summary[summary.rfind(table_cells.SEP) + 1:])
    except ValueError:
        return True
    return not (isinstance(brief, list) and len(brief) == table_cells.BRIEF_LENGTH
                and brief[8] is None)


_POD_ENDPOINT_PATHS = ("$.metadata.uid", "$.metadata.labels", "$.metadata.deletionTimestamp",
                       "$.spec.nodeName", "$.spec.hostname", "$.spec.subdomain",
                       "$.status.phase", "$.status.podIP", "$.status.podIPs",
                       "$.status.conditions")
_POD_CONTAINER_PATHS = ("$.spec.containers", "$.spec.initContainers")


def pods_for_endpoints(store: Store, namespace: str, containers: bool) -> list[dict]:
    """A namespace's pods by name, cut down to the fields the endpoint controllers read
    (name, namespace, uid, labels, deletionTimestamp; nodeName, hostname, subdomain and, with
    `containers`, the containers for named ports; phase, IPs and conditions). SQLite picks the
    fields out of each body, which costs a fraction of decoding whole pods. A field that is
    null or absent is left out (the controllers read both the same way)."""
    paths = _POD_ENDPOINT_PATHS + (_POD_CONTAINER_PATHS if containers else ())
    sql = (f"SELECT name, json_extract(body, {', '.join('?' for _ in paths)}) FROM objects "
           "WHERE gk='Pod' AND namespace=? ORDER BY name")
    out = []
    loads = json.loads
    for name, fields in store.conn.execute(sql, (*paths, namespace)):
        values = loads(fields)
        pod: dict = {"metadata": {"name": name, "namespace": namespace}, "spec": {},
                     "status": {}}
        for (section, key), value in zip(_SLIM_KEYS, values, strict=False):
            if value is not None:
                pod[section][key] = value
        out.append(pod)
    return out


_SLIM_KEYS = [tuple(p.split(".")[1:]) for p in _POD_ENDPOINT_PATHS + _POD_CONTAINER_PATHS]

def table_rows(store: Store, gk: str, namespace: str | None = None,
               metadata: bool = False) -> list[tuple]:
    """(namespace, name, summary, body) of a kind's objects in `Store.list`'s order, for
    `get` tables, read from the objects_summary index alone; `body` is None except where the
    summary is missing or of another version (see db.summary_row): those rows are read again
    with their bodies. Read in index order, then the namespaces put in etcd key order (`NS/`
    as bytes), which only differs when one namespace's name is a prefix of another's.
    With `metadata`, a fifth column: the object's metadata as JSON text (SQLite's
    json_extract, no body decoded in Python), for `serve`'s Table rows."""
    where, args = ("gk=?", [gk]) if namespace is None else ("gk=? AND namespace=?",
                                                           [gk, namespace])
    extra = ", json_extract(body, '$.metadata')" if metadata else ""
    if store.has_summary:
        tag = table_cells.SUMMARY_VERSION + table_cells.SEP
        rows = store.conn.execute(
            f"SELECT namespace, name, summary, NULL{extra} FROM objects WHERE {where} "
            "ORDER BY namespace, name", args).fetchall()
        if any(r[2] is None or not r[2].startswith(tag) for r in rows):
            rows = store.conn.execute(
                "SELECT namespace, name, summary, CASE WHEN substr(summary, 1, ?) = ? THEN NULL "
                f"ELSE body END{extra} FROM objects WHERE {where} ORDER BY namespace, name",
                [len(tag), tag, *args]).fetchall()
    else:
        rows = store.conn.execute(f"SELECT namespace, name, NULL, body{extra} FROM objects "
                                  f"WHERE {where} ORDER BY namespace, name", args).fetchall()
    if namespace is not None or not rows or rows[0][0] == rows[-1][0]:
        return rows
    spaces = sorted({r[0] for r in rows})
    if spaces != sorted(spaces, key=lambda ns: ns + "/"):
        by_ns: dict[str, list[tuple]] = {}
        for row in rows:
            by_ns.setdefault(row[0], []).append(row)
        rows = [r for ns in sorted(by_ns, key=lambda ns: ns + "/") for r in by_ns[ns]]
    return rows


def table_fields(store: Store, gk: str, namespace: str | None, fields: int) -> list[str] | None:
    """table_rows' rows as one flat list of `fields` strings a row (namespace, name, then the
    summary's own: its version tag and cells), from one string SQLite builds (no row tuple
    nor per-row string made in Python: a `get` of ten thousand Services); None where
    table_rows must answer: a store without summaries, a row whose summary is missing, of
    another version or with another number of cells, or namespaces whose etcd key order
    differs from their sort order."""
    if not store.has_summary:
        return None
    where, args = ("gk=?", [gk]) if namespace is None else ("gk=? AND namespace=?",
                                                           [gk, namespace])
    sep = table_cells.SEP
    map_file(store)  # the index pages straight from the page cache, not copied into a cache
    # count(*) counts every row; a NULL summary makes its row's text NULL, which
    # group_concat leaves out (the count then tells)
    count, text = store.conn.execute(
        "SELECT count(*), group_concat(namespace || ? || name || ? || summary, ?) FROM ("
        f"SELECT namespace, name, summary FROM objects WHERE {where} ORDER BY namespace, name)",
        [sep, sep, sep, *args]).fetchone()
    if not count:
        return []
    parts = (text or "").split(sep)
    # rows stay aligned: a missing summary drops its row (the length tells), and the first
    # row of another layout is still in place, its version tag not this one (a summary of
    # this version always has the same cells, none holding the separator: table_cells)
    if len(parts) != count * fields or parts[2::fields].count(table_cells.SUMMARY_VERSION) \
            != count:
        return None
    keys = list(zip(parts[0::fields], parts[1::fields], strict=True))
    if keys != sorted(keys):  # group_concat's order is the subquery's: checked, not assumed
        return None
    spaces = sorted(set(parts[0::fields]))
    if spaces != sorted(spaces, key=lambda ns: ns + "/"):
        return None
    return parts


def label_rows(store: Store, gk: str) -> list[tuple[int, str, str, str]]:
    """(object id, namespace, label key, label value) of every object of a kind: selectors
    matched in memory when many are asked at once (`check`)."""
    return store.conn.execute(
        "SELECT o.id, o.namespace, l.key, l.value FROM objects o JOIN labels l "
        "ON l.object_id = o.id WHERE o.gk=?", (gk,)).fetchall()


def objects_by_id(store: Store, ids: list[int]) -> list[dict]:
    """The objects with these row ids, in the API's list order (as `Store.list`)."""
    if not ids:
        return []
    rows = store.conn.execute(
        f"SELECT body FROM objects WHERE id IN ({','.join('?' * len(ids))}) "
        "ORDER BY namespace || '/' || name", ids)
    return [json.loads(r[0]) for r in rows]


def pod_briefs(store: Store) -> list[tuple[int, str, str, list | None, dict | None]]:
    """(id, namespace, name, brief, pod) of every pod in (namespace, name) order: the brief
    array its summary ends with (table_cells.pod_brief), read from the objects_summary index
    alone; for a pod whose summary has none, `brief` is None and `pod` its decoded body."""
    if not store.has_summary:
        rows = store.conn.execute(
            "SELECT id, namespace, name, NULL FROM objects WHERE gk='Pod' "
            "ORDER BY namespace, name").fetchall()
    else:
        rows = store.conn.execute(
            "SELECT id, namespace, name, summary FROM objects WHERE gk='Pod' "
            "ORDER BY namespace, name").fetchall()
    tag, sep = table_cells.SUMMARY_VERSION + table_cells.SEP, table_cells.SEP
    cells = table_cells.POD_BRIEF_SEPS
    texts, missing = [], []
    for oid, _, _, summary in rows:
        if summary and summary.startswith(tag) and summary.count(sep) == cells:
            texts.append(summary[summary.rfind(sep) + 1:])
        else:
            texts.append("null")
            missing.append(oid)
    briefs = json.loads("[" + ",".join(texts) + "]")  # one decode: ~3x faster than one a row
    size = table_cells.BRIEF_LENGTH
    for i, brief in enumerate(briefs):
        if brief is not None and len(brief) != size:  # another layout: read the body
            briefs[i] = None
            missing.append(rows[i][0])
    index = {oid: i for i, oid in enumerate(r[0] for r in rows)} if missing else {}
    bodies: dict[int, dict] = {}
    for start in range(0, len(missing), 500):
        chunk = missing[start:start + 500]
        for oid, body in store.conn.execute(
                f"SELECT id, body FROM objects WHERE id IN ({','.join('?' * len(chunk))})",
                chunk):
            pod = json.loads(body)
            try:  # keep the brief, not the body (a state written before briefs existed)
                briefs[index[oid]] = table_cells.pod_brief(pod)
            except (AttributeError, TypeError, ValueError, KeyError, IndexError):
                bodies[oid] = pod  # a malformed pod: the caller reads it whole
    return [(oid, ns, name, brief, bodies.get(oid) if brief is None else None)
            for (oid, ns, name, _), brief in zip(rows, briefs, strict=True)]


def counts_by_namespace(store: Store, *gks: str) -> dict[str, int]:
    """How many objects of these kinds each namespace holds (namespaces with none left out),
    counted from the key index."""
    rows = store.conn.execute(
        f"SELECT namespace, count(*) FROM objects WHERE gk IN ({','.join('?' * len(gks))}) "
        "GROUP BY namespace", gks)
    return dict(rows.fetchall())


# --- `get`'s tables namespace by namespace (wide4) ---------------------------------------------

_NOT_PLAIN = ("\t", "\n", "\r", "\f", "\x1b")

def table_groups(store: Store, gk: str, namespace: str | None, fields: int,
                 cut: str | None = None) -> list[tuple[str, list[str], bool]] | None:
    """table_fields' rows a namespace at a time: (namespace, [name, then the summary's own
    strings: its version tag and cells] × its rows, plain) in `Store.list`'s order
    (namespaces in etcd key order), from one GROUP BY over the objects_summary index: per
    row SQLite joins two strings, not four, and no namespace string is made a row. `plain`:
    those strings are ASCII without a tab, newline, CR, form feed or ESC (what a table
    prints as it is). None where table_rows must answer (as table_fields: no summaries, a
    summary missing, of another version or with another number of cells, or the rows not
    in name order). With `cut`, each summary is read up to its first cell that begins with
    `cut` (a pod's brief, `[`...), left out (then a row whose summary has no such cell, or
    one earlier, has too few strings: None)."""
    if not store.has_summary:
        return None
    where, args = ("gk=?", [gk]) if namespace is None else ("gk=? AND namespace=?",
                                                           [gk, namespace])
    sep, version = table_cells.SEP, table_cells.SUMMARY_VERSION
    map_file(store)  # the index pages straight from the page cache (see map_file)
    out = []
    # a NULL summary makes its row's text NULL, which group_concat leaves out (the count
    # then tells); the rows' order within a group is the index's: checked, not assumed
    summary, cut_args = ("summary", []) if cut is None else (
        "substr(summary, 1, instr(summary, ?) - 1)", [sep + cut])
    for ns, count, text in store.conn.execute(
            f"SELECT namespace, count(*), group_concat(name || ? || {summary}, ?) FROM objects "
            f"WHERE {where} GROUP BY namespace ORDER BY namespace",
            [sep, *cut_args, sep, *args]):
        parts = (text or "").split(sep)
        if len(parts) != count * fields or parts[1::fields].count(version) != count:
            return None
        names = parts[0::fields]
        if names != sorted(names):
            return None
        plain = text.isascii() and not any(ch in text for ch in _NOT_PLAIN)
        out.append((ns, parts, plain))
    if len(out) > 1:
        out.sort(key=lambda group: group[0] + "/")  # etcd key order: `NS/` as bytes
    return out
