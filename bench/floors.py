"""Anchor and in-process measurements, each run by run.py in a fresh process:

    python bench/floors.py TASK ARGS...   → one JSON object on stdout

Tasks:
  yaml-parse FILE          read + decode + `yaml.load_all(CSafeLoader)`, GC off; RSS growth
                           while the parsed objects are held (their own footprint)
  kubesvc-parse FILE       kubesvc's own manifest loader (`kubesvc.input.load.load_paths`:
                           read, decode, parse with whichever YAML parser kubesvc uses, its
                           checks), GC off; names the parser it loaded
  json-floor FILE          fastest available JSON parser (json, orjson, msgspec; GC off) +
                           serialize and insert the objects with their label rows into a fresh
                           store with kubesvc's own schema, in one WAL transaction
  kv-validate FILE N       kubernetes_validate.validate(strict, 1.37) on N objects sampled
                           per kind; the per-kind means times the kind counts = whole set
  read STATE               the rows `get` reads: SELECT body ... ORDER BY namespace, name
  endpoints STATE REPS     kubesvc's endpoint controllers for every Service from scratch, and
                           all controllers after one pod's readiness change (kubesvc library)
  import-phases FILE STATE `kubesvc import -f FILE` run in process (the CLI's own `invoke`,
                           GC off as the console script has it), with the loader, the
                           controllers and each controller phase timed
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import time


def rss_now_mib() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def read_text(path: str) -> str:
    with open(path, "rb") as fh:
        return fh.read().decode("utf-8")


# -- YAML -------------------------------------------------------------------------------------

def yaml_parse(path: str) -> dict:
    import yaml

    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return {"error": "PyYAML without libyaml: no CSafeLoader"}
    gc.disable()
    t0 = time.perf_counter()
    text = read_text(path)
    before = rss_now_mib()
    objs = list(yaml.load_all(text, Loader=loader))
    seconds = time.perf_counter() - t0
    after = rss_now_mib()
    return {"seconds": seconds, "objects": len(objs), "objects_mib": after - before,
            "bytes": os.path.getsize(path), "peak_rss_mib": after}


# -- kubesvc's own YAML loader ------------------------------------------------------------------

PARSER_MODULES = {"yaml_rs": "yaml-rs", "ryml": "rapidyaml", "rapidyaml": "rapidyaml",
                  "yaml._yaml": "libyaml (CSafeLoader)", "_yaml": "libyaml"}


def kubesvc_parse(path: str) -> dict:
    """Time the loader kubesvc's `apply`/`import` call, whatever parser it uses, and say which
    YAML parser it used: the characters handed to yaml-rs (`yaml_rs.loads`) and to the libyaml
    loader (`kubesvc.input.yamlsafe.StrictLoader`) are counted by thin wrappers, and any other
    known parser module the call loads is named (a new fast path shows up without a change
    here). yaml-rs, when installed, is imported before the clock starts (a few ms)."""
    import yaml

    from kubesvc.input import load, yamlsafe

    lib = "libyaml CSafeLoader" if yaml.__with_libyaml__ else "PyYAML's pure-Python loader"
    chars = {"yaml-rs": 0, lib: 0}

    def counting(fn, key):
        def wrapper(text, *a, **k):
            chars[key] += len(text) if isinstance(text, (str, bytes)) else 0
            return fn(text, *a, **k)
        return wrapper

    try:
        import yaml_rs

        yaml_rs.loads = counting(yaml_rs.loads, "yaml-rs")
    except ImportError:
        pass
    loader = getattr(yamlsafe, "StrictLoader", None)
    if loader is not None:
        init = loader.__init__

        def counted_init(self, stream, *a, **k):
            chars[lib] += len(stream) if isinstance(stream, (str, bytes)) else 0
            init(self, stream, *a, **k)

        loader.__init__ = counted_init
    before = set(sys.modules)
    rss_before = rss_now_mib()
    gc.disable()
    t0 = time.perf_counter()
    docs = load.load_paths([path])
    seconds = time.perf_counter() - t0
    objects_mib = rss_now_mib() - rss_before  # the text is freed by now (a large str is mmapped)
    loaded = set(sys.modules) - before
    total = sum(chars.values()) or 1
    used = [f"{name} on {n / total:.0%} of the text" for name, n in chars.items() if n]
    used += sorted({name for mod, name in PARSER_MODULES.items()
                    if mod in loaded and name not in chars and "libyaml" not in name})
    if not used:
        used = ["unknown (neither yaml-rs nor the libyaml loader was called)"]
    declared = {attr: str(getattr(yamlsafe, attr)) for attr in
                ("BACKEND", "PARSER", "FAST_PARSER", "parser_name") if hasattr(yamlsafe, attr)}
    pool = any(m.startswith(("concurrent.futures.process", "multiprocessing.pool"))
               for m in loaded)
    versions = {}
    for dist in ("yaml-rs", "rapidyaml", "PyYAML"):
        v = _version(dist)
        if v != "?":
            versions[dist] = v
    return {"seconds": seconds, "objects": len(docs), "bytes": os.path.getsize(path),
            "parsers": used, "declared": declared, "process_pool": pool,
            "objects_mib": objects_mib,
            "versions": versions}


# -- JSON + one SQLite transaction ------------------------------------------------------------

def _parsers() -> dict:
    found = {"json.loads": json.loads}
    try:
        import orjson

        found["orjson.loads"] = orjson.loads
    except ImportError:
        pass
    try:
        import msgspec

        found["msgspec.json.decode"] = msgspec.json.decode
    except ImportError:
        pass
    return found


def _dumps():
    try:
        import orjson

        return "orjson.dumps", lambda o: orjson.dumps(o).decode()
    except ImportError:
        return "json.dumps", lambda o: json.dumps(o, separators=(",", ":"), ensure_ascii=False)


def _gk(obj: dict) -> str:
    group = obj.get("apiVersion", "v1").rpartition("/")[0]
    return f"{obj['kind']}.{group}" if group else obj["kind"]


def store_txn(objs: list[dict], db: str) -> dict:
    """One transaction inserting every object and its labels with kubesvc's schema."""
    import sqlite3

    from kubesvc.store.db import SCHEMA

    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    dumps_name, dumps = _dumps()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript(SCHEMA)
    t0 = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for obj in objs:
        meta = obj["metadata"]
        cur = conn.execute("INSERT INTO objects (gk, namespace, name, body) VALUES (?, ?, ?, ?)",
                           (_gk(obj), meta.get("namespace", ""), meta["name"], dumps(obj)))
        labels = meta.get("labels")
        if labels:
            oid = cur.lastrowid
            conn.executemany("INSERT INTO labels VALUES (?, ?, ?)",
                             [(oid, k, v) for k, v in labels.items()])
    conn.execute("COMMIT")
    seconds = time.perf_counter() - t0
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    return {"seconds": seconds, "serializer": dumps_name}


def json_floor(path: str, db: str) -> dict:
    with open(path, "rb") as fh:
        data = fh.read()
    gc.disable()
    parse, footprint = {}, None
    for name, fn in _parsers().items():
        times = []
        for _ in range(2):
            before = rss_now_mib()
            t0 = time.perf_counter()
            doc = fn(data)
            times.append(time.perf_counter() - t0)
            if footprint is None:  # the first parse in this process: the objects' own size
                footprint = rss_now_mib() - before
            doc = None
            gc.collect()
        parse[name] = min(times)
    best = min(parse, key=parse.get)
    doc = _parsers()[best](data)
    objs = doc["items"] if isinstance(doc, dict) and "items" in doc else doc
    txn = store_txn(objs, db)
    return {"parse_seconds": parse[best], "parser": best, "parsers": parse,
            "txn_seconds": txn["seconds"], "serializer": txn["serializer"],
            "seconds": parse[best] + txn["seconds"], "objects": len(objs),
            "objects_mib": footprint, "bytes": len(data)}


# -- kubernetes-validate ------------------------------------------------------------------------

def kv_validate(path: str, sample: int) -> dict:
    import kubernetes_validate

    with open(path, "rb") as fh:
        objs = json.load(fh)["items"]
    by_kind: dict[str, list[dict]] = {}
    for obj in objs:
        by_kind.setdefault(obj["kind"], []).append(obj)
    per_kind = max(3, sample // len(by_kind))
    kubernetes_validate.validate(objs[0], "1.37.0", strict=True)  # warm-up: imports
    total, detail, errors = 0.0, {}, 0
    for kind, items in sorted(by_kind.items()):
        step = max(1, len(items) // per_kind)
        chosen = items[::step][:per_kind]
        t0 = time.perf_counter()
        for obj in chosen:
            try:
                kubernetes_validate.validate(obj, "1.37.0", strict=True)
            except Exception:
                errors += 1
        each = (time.perf_counter() - t0) / len(chosen)
        detail[kind] = {"sampled": len(chosen), "count": len(items), "ms_each": each * 1e3}
        total += each * len(items)
    return {"seconds": total, "objects": len(objs), "kinds": detail, "errors": errors,
            "version": _version("kubernetes-validate")}


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


# -- store reads ------------------------------------------------------------------------------

def read_rows(state: str, reps: int = 5) -> dict:
    import sqlite3

    conn = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    out = {}
    for gk in ("Pod", "Service"):
        raw, decoded, rows = [], [], 0
        for _ in range(reps):
            gc.collect()
            t0 = time.perf_counter()
            bodies = [r[0] for r in conn.execute(
                "SELECT body FROM objects WHERE gk=? ORDER BY namespace, name", (gk,))]
            t1 = time.perf_counter()
            gc.disable()
            objs = [json.loads(b) for b in bodies]
            t2 = time.perf_counter()
            gc.enable()
            raw.append(t1 - t0)
            decoded.append(t2 - t0)
            rows = len(objs)
            bodies = objs = None
        out[gk] = {"rows": rows, "seconds": statistics.median(raw),
                   "seconds_with_json_loads": statistics.median(decoded)}
    return out


# -- endpoint controllers ---------------------------------------------------------------------

SLICE_GK = "EndpointSlice.discovery.k8s.io"


def endpoints(state: str, reps: int) -> dict:
    from kubesvc.store.db import Store

    store = Store.open(__import__("pathlib").Path(state))
    result = {"from_scratch": _from_scratch(store, reps)}
    result["one_pod"] = _one_pod_change(store, max(reps, 5))
    store.close()
    return result


def _call_controller(fn, ctx):
    """Controllers took `(ctx)` and now take `(ctx, changes)`: call whichever this one is."""
    import inspect

    if len(inspect.signature(fn).parameters) >= 2:
        return fn(ctx, ctx.changes)
    return fn(ctx)


def _mark_services_changed(ctx, conn) -> None:
    """Tell the controllers every Service is new, as a bulk apply of them does."""
    rows = conn.execute("SELECT namespace, name, body FROM objects WHERE gk='Service'")
    if hasattr(ctx, "record"):  # the change log (ctx.record(gk, ns, name, old, new))
        for ns, name, body in rows:
            ctx.record("Service", ns, name, None, json.loads(body))
    else:  # the older per-namespace marks
        for ns in {r[0] for r in rows}:
            ctx.touch("Service", ns)


def _from_scratch(store, reps: int) -> dict:
    from kubesvc.api import clock
    from kubesvc.apiserver.context import ApiContext
    from kubesvc.controllers.endpoints.sync import sync_endpoints

    conn = store.conn
    services = conn.execute("SELECT COUNT(*) FROM objects WHERE gk='Service'").fetchone()[0]
    pods = conn.execute("SELECT COUNT(*) FROM objects WHERE gk='Pod'").fetchone()[0]
    had = conn.execute("SELECT COUNT(*) FROM objects WHERE gk=?", (SLICE_GK,)).fetchone()[0]
    times, made = [], 0
    for _ in range(reps):
        with store.write(commit=False):
            conn.execute("DELETE FROM objects WHERE gk IN (?, 'Endpoints')", (SLICE_GK,))
            ctx = ApiContext(store, clock.now())
            _mark_services_changed(ctx, conn)
            gc.collect()
            gc.disable()  # as during `apply`, which disables the cyclic GC
            t0 = time.perf_counter()
            _call_controller(sync_endpoints, ctx)
            times.append(time.perf_counter() - t0)
            gc.enable()
            made = conn.execute("SELECT COUNT(*) FROM objects WHERE gk=?",
                                (SLICE_GK,)).fetchone()[0]
    return {"seconds": statistics.median(times), "all": times, "services": services,
            "pods": pods, "slices_before": had, "slices_made": made}


def _one_pod_change(store, reps: int) -> dict:
    import copy

    from kubesvc.api import clock
    from kubesvc.api.resources import for_gk
    from kubesvc.apiserver import registry
    from kubesvc.apiserver.context import ApiContext
    from kubesvc.controllers import run_controllers
    from kubesvc.controllers import sync as sync_mod

    phases: dict[str, float] = {}
    for fname in [n for n in dir(sync_mod) if n.startswith(("sync_", "collect_"))]:
        original = getattr(sync_mod, fname)
        if fname == "sync_all" or not callable(original):
            continue

        def timed(*a, _f=original, _n=fname, **k):
            t0 = time.perf_counter()
            try:
                return _f(*a, **k)
            finally:
                phases[_n] = phases.get(_n, 0.0) + time.perf_counter() - t0

        setattr(sync_mod, fname, timed)
    conn = store.conn
    total = conn.execute("SELECT COUNT(*) FROM objects WHERE gk='Pod'").fetchone()[0]
    picks = [conn.execute("SELECT namespace, name FROM objects WHERE gk='Pod' "
                          "ORDER BY id LIMIT 1 OFFSET ?", (total * (i + 1) // (reps + 1),)
                          ).fetchone() for i in range(reps)]
    times, per_phase, updated = [], [], 0
    for ns, name in picks:
        with store.write(commit=False):
            ctx = ApiContext(store, clock.now())
            old = store.get("Pod", ns, name)
            new = copy.deepcopy(old)
            status = new.setdefault("status", {})
            for cond in status.get("conditions") or []:
                if cond.get("type") in ("Ready", "ContainersReady"):
                    cond["status"] = "False"
            for cs in status.get("containerStatuses") or []:
                cs["ready"] = False
            before = _slices_text(conn, ns)
            registry.update(ctx, for_gk("Pod"), new, old, keep_status=True)
            phases.clear()
            gc.collect()
            t0 = time.perf_counter()
            run_controllers(ctx)
            times.append(time.perf_counter() - t0)
            per_phase.append(dict(phases))
            updated += _slices_text(conn, ns) != before
    names = sorted({k for p in per_phase for k in p})
    phase_median = {k: statistics.median(p.get(k, 0.0) for p in per_phase) for k in names}
    return {"seconds": statistics.median(times), "all": times, "phases": phase_median,
            "changes_seen_in_slices": updated, "reps": len(picks)}


def _slices_text(conn, ns: str) -> str:
    rows = conn.execute("SELECT body FROM objects WHERE gk=? AND namespace=? ORDER BY name",
                        (SLICE_GK, ns))
    return "".join(r[0] for r in rows)


# -- a whole import in process, its phases timed ------------------------------------------------

def import_phases(path: str, state: str) -> dict:
    """`kubesvc import -f FILE` through the CLI's own `invoke`, with the loader, the controllers'
    entry point and every phase of `kubesvc.controllers.sync` wrapped in a timer (the wrappers
    replace module attributes, which is where the callers look them up at call time)."""
    import kubesvc.controllers as controllers
    from kubesvc.cli.main import invoke
    from kubesvc.controllers import sync as sync_mod
    from kubesvc.input import load
    from kubesvc.kubectl.environment import Environment

    phases: dict[str, float] = {}

    def wrap(module, fname: str, label: str) -> None:
        original = getattr(module, fname, None)
        if not callable(original):
            return

        def timed(*a, **k):
            t0 = time.perf_counter()
            try:
                return original(*a, **k)
            finally:
                phases[label] = phases.get(label, 0.0) + time.perf_counter() - t0

        setattr(module, fname, timed)

    wrap(load, "load_paths", "load")
    wrap(controllers, "run_controllers", "controllers")
    for fname in dir(sync_mod):
        if fname.startswith(("sync_", "collect_", "record_")) and fname != "sync_all":
            wrap(sync_mod, fname, fname)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(state + suffix):
            os.unlink(state + suffix)
    devnull = open(os.devnull, "w")
    env = Environment(stdout=devnull, stderr=devnull,
                      environ=dict(os.environ, KUBESVC_STATE=state))
    gc.disable()
    t0 = time.perf_counter()
    code = invoke(["import", "-f", path], env)
    seconds = time.perf_counter() - t0
    controller_phases = {k: v for k, v in phases.items() if k not in ("load", "controllers")}
    return {"seconds": seconds, "code": code, "load": phases.get("load"),
            "controllers": phases.get("controllers"), "phases": controller_phases}


def main(argv: list[str]) -> None:
    task, args = argv[0], argv[1:]
    if task == "yaml-parse":
        out = yaml_parse(args[0])
    elif task == "kubesvc-parse":
        out = kubesvc_parse(args[0])
    elif task == "import-phases":
        out = import_phases(args[0], args[1])
    elif task == "json-floor":
        out = json_floor(args[0], args[1])
    elif task == "kv-validate":
        out = kv_validate(args[0], int(args[1]))
    elif task == "read":
        out = read_rows(args[0])
    elif task == "endpoints":
        out = endpoints(args[0], int(args[1]))
    else:
        raise SystemExit(f"unknown task {task}")
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
