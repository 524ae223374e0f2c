"""kubesvc benchmark suite: one command, its own data, figures as ratios against anchors
measured in the same run on the same machine.

    python bench/run.py [--scale S] [--out bench/RESULTS.md]

Run it with the Python of the environment kubesvc is installed in (with the `bench` extra:
`pip install '.[bench]'`). See bench/README.md for what each row means.
No figure is asserted: the suite prints and records, it never fails on a time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen  # noqa: E402
from measure import (  # noqa: E402
    ENV,
    Run,
    Stats,
    paired_ratio,
    rotate,
    run_captured,
    walls,
)

PY = sys.executable
NA = "n/a"


# -- results --------------------------------------------------------------------------------

@dataclass
class Goal:
    key: str
    title: str
    figure: str = NA  # kubesvc's measured figure
    anchor: str = NA  # what it is compared with
    ratio: float | None = None
    ratio_text: str = NA
    target: str = ""
    met: bool | None = None
    note: str = ""

    def status(self) -> str:
        if self.met is None:
            return NA
        return "met" if self.met else "NOT met"


@dataclass
class Results:
    goals: dict[str, Goal] = field(default_factory=dict)
    anchors: list[tuple[str, str]] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    def goal(self, key: str, title: str, target: str) -> Goal:
        g = self.goals.setdefault(key, Goal(key, title, target=target))
        return g


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# -- environment ----------------------------------------------------------------------------

def find_tool(name: str, explicit: str | None) -> str | None:
    if explicit:
        return explicit
    local = Path(PY).parent / name
    if local.exists():
        return str(local)
    return shutil.which(name)


def capture(cmd: list[str], env: dict | None = None, cwd: str | None = None
            ) -> tuple[int, str, str]:
    p = subprocess.run(cmd, capture_output=True, text=True, env=env or ENV,
                       stdin=subprocess.DEVNULL, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def machine_info(kubesvc: str, kubectl: str | None) -> list[tuple[str, str]]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    probe = ("import sys, platform, sqlite3, yaml, importlib.metadata as m\n"
             "def v(d):\n"
             "    try: return m.version(d)\n"
             "    except Exception: return '-'\n"
             "du = ''\n"
             "try: du = m.distribution('kubesvc').read_text('direct_url.json') or ''\n"
             "except Exception: pass\n"
             "print(platform.python_version(), platform.python_implementation(),"
             " sqlite3.sqlite_version, yaml.__version__, yaml.__with_libyaml__,"
             " v('kubesvc'), v('typer'), v('jsonschema-rs'), v('orjson'),"
             " '\"editable\": true' in du, sep='|')\n")
    _, out, _ = capture([PY, "-c", probe], cwd=tempfile.gettempdir())  # not a source tree
    parts = out.strip().split("|") + ["?"] * 10
    pyver, impl, sqlite_v, yaml_v, libyaml, ksvc_v, typer_v, rs_v, orjson_v, editable = parts[:10]
    install = ("EDITABLE install: its import finder adds ~11 ms to every start"
               if editable == "True" else "regular install")
    kubectl_v = "not found"
    if kubectl:
        _, kout, _ = capture([kubectl, "version", "--client"])
        kubectl_v = kout.strip().splitlines()[0] if kout.strip() else "?"
    commit = "?"
    repo = HERE.parent
    if (repo / ".git").exists():
        rc, cout, _ = capture(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"])
        commit = cout.strip() if rc == 0 else "?"
    return [
        ("Date (UTC)", time.strftime("%Y-%m-%d %H:%M", time.gmtime())),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("CPU", f"{cpu}, {os.cpu_count()} logical CPUs"),
        ("Memory", mem),
        ("Python", f"{pyver} ({impl}) at {PY}"),
        ("SQLite", sqlite_v),
        ("PyYAML", f"{yaml_v} (libyaml: {libyaml})"),
        ("kubectl", f"{kubectl_v} at {kubectl}"),
        ("kubesvc", f"{ksvc_v} at {kubesvc} (git HEAD {commit}; {install})"),
        ("Packages", f"typer {typer_v}, jsonschema-rs {rs_v}, orjson {orjson_v}"),
    ]


def kubesvc_commands(kubesvc: str) -> set[str]:
    _, out, _ = capture([kubesvc, "--help"])
    names, in_cmds = set(), False
    for line in out.splitlines():
        if re.match(r"^\s*Commands:", line):
            in_cmds = True
            continue
        if in_cmds:
            m = re.match(r"^\s{2}([a-z][\w-]*)\b", line)
            if m:
                names.add(m.group(1))
            elif line.strip() and not line.startswith(" "):
                in_cmds = False
    return names


# -- data -----------------------------------------------------------------------------------

def data_files(data_dir: Path, scale: float, bulk: bool = True) -> dict[str, Path]:
    """The generated manifests, cached by scale and generator hash. Generated in a child
    process, so this process stays small (a large parent makes every timed child slower to
    start and inflates its peak RSS, which counts the parent's pages until exec)."""
    digest = hashlib.sha256((HERE / "gen.py").read_bytes()).hexdigest()[:10]
    tag = f"s{scale:g}-{digest}"
    files = {"yaml": data_dir / f"bulk-{tag}.yaml", "json": data_dir / f"bulk-{tag}.json",
             "small": data_dir / f"small-{digest}.yaml"}
    data_dir.mkdir(parents=True, exist_ok=True)
    if not files["small"].exists():
        tmp = files["small"].with_suffix(".tmp")
        subprocess.run([PY, str(HERE / "gen.py"), "small", str(tmp)], check=True)
        tmp.replace(files["small"])
    if not bulk:
        return files
    if files["yaml"].exists() and files["json"].exists():
        log(f"data: cached in {data_dir} ({tag})")
        return files
    n_svc, n_pod, n_node = gen.sizes(scale)
    log(f"data: generating {gen.N_NS} namespaces, {n_node} nodes, {n_svc} services, "
        f"{n_pod} pods ...")
    ty, tj = files["yaml"].with_suffix(".ytmp"), files["json"].with_suffix(".jtmp")
    subprocess.run([PY, str(HERE / "gen.py"), "bulk", f"{scale:g}", str(ty), str(tj)],
                   check=True)
    ty.replace(files["yaml"])
    tj.replace(files["json"])
    log(f"data: YAML {files['yaml'].stat().st_size / 1e6:.1f} MB, "
        f"JSON {files['json'].stat().st_size / 1e6:.1f} MB")
    return files


def object_count(scale: float) -> int:
    n_svc, n_pod, n_node = gen.sizes(scale)
    return gen.N_NS + n_node + n_svc + n_pod


# -- helpers ------------------------------------------------------------------------------------

def remove_state(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def copy_state(src: Path, dst: Path) -> None:
    remove_state(dst)
    for suffix in ("", "-wal", "-shm"):
        s = Path(str(src) + suffix)
        if s.exists():
            shutil.copyfile(s, Path(str(dst) + suffix))


def floor(task: str, *args: str) -> dict:
    """Run one floors.py task in a fresh process; its JSON answer plus the process' peak RSS."""
    r = run_captured([PY, str(HERE / "floors.py"), task, *args])
    if r.code != 0:
        raise RuntimeError(f"floors.py {task} failed: {r.stderr.decode()[-2000:]}")
    out = json.loads(r.stdout.decode().strip().splitlines()[-1])
    out["process_rss_mib"] = r.rss_mib
    out["process_wall"] = r.wall
    return out


def apply_outcome(r: Run) -> dict:
    lines = r.stdout.decode(errors="replace").splitlines()
    counts: dict[str, int] = {}
    for line in lines:
        action = line.rsplit(" ", 1)[-1] if " " in line else "?"
        counts[action] = counts.get(action, 0) + 1
    err_lines = [x for x in r.stderr.decode(errors="replace").splitlines()
                 if x and not x.startswith("Warning:")
                 and "created for the dump's objects" not in x]  # import's namespace line
    return {"code": r.code, "counts": counts, "errors": len(err_lines),
            "first_error": err_lines[0] if err_lines else ""}


def fmt_counts(c: dict) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(c.items()))


def ms(x: float) -> str:
    return f"{x * 1e3:.1f} ms"


def secs(x: float) -> str:
    return f"{x:.2f} s" if x >= 1 else f"{x * 1e3:.0f} ms"


# -- sections -------------------------------------------------------------------------------------

class Suite:
    def __init__(self, args):
        self.args = args
        self.res = Results()
        self.kubesvc = find_tool("kubesvc", args.kubesvc)
        self.kubectl = find_tool("kubectl", args.kubectl)
        if not self.kubesvc:
            raise SystemExit("kubesvc not found next to this Python or on PATH: install it "
                             "(pip install '.[bench]') or pass --kubesvc")
        self.work = Path(args.work or tempfile.mkdtemp(prefix="kubesvc-bench-"))
        self.work.mkdir(parents=True, exist_ok=True)
        self.small = self.work / "small.db"
        self.large = self.work / "large.db"
        self.commands = kubesvc_commands(self.kubesvc)
        self.py_start: Stats | None = None
        self.completion_cmd: list[str] | None = None
        self.completion_env: dict | None = None
        self.done_optional: set[str] = set()
        self.completion_note = ""

    def ks(self, state: Path, *argv: str) -> tuple[list[str], dict]:
        """`kubesvc ARGS` on a state, as a user types it: the state comes from $KUBESVC_STATE
        (a global `--state` before the verb would take kubesvc's slow path; timed apart)."""
        return [self.kubesvc, *argv], dict(ENV, KUBESVC_STATE=str(state))

    # ---- setup
    def setup_small(self, files) -> None:
        remove_state(self.small)
        r = run_captured(*self.ks(self.small, "import", "-f", str(files["small"])))
        if r.code != 0:
            raise SystemExit(f"importing the small state failed: {r.stderr.decode()[-1500:]}")

    # ---- start-up
    def startup(self) -> None:
        a = self.args
        cmds = {"python -c pass": [PY, "-c", "pass"]}
        if self.kubectl:
            cmds["kubectl version --client"] = [self.kubectl, "version", "--client"]
        cmds["kubesvc get service"] = self.ks(self.small, "get", "service")
        cmds["kubesvc --state STATE get service"] = [self.kubesvc, "--state", str(self.small),
                                                     "get", "service"]
        comp = self.find_completion()
        if comp:
            cmds["kubesvc completion request"] = (comp, self.completion_env)
        log(f"start-up: {len(cmds)} commands in rotation, {a.warmup} warm-up + {a.runs} rounds")
        runs = rotate(cmds, a.runs, a.warmup)
        self.py_start = walls(runs["python -c pass"])
        for name, rs in runs.items():  # (no peak RSS: a vfork child's counts the parent's)
            self.res.anchors.append((name, walls(rs).fmt("ms")))
        self._startup_goal("startup", "kubesvc get service (state of 10 Services, from "
                           "$KUBESVC_STATE)", runs, "kubesvc get service")
        if comp:
            self._startup_goal("completion", "completion request (`" +
                               " ".join(comp[1:]).replace(str(self.small), "STATE") + "`)",
                               runs, "kubesvc completion request")
            self.done_optional.add("completion")
        else:
            g = self.res.goal("completion", "completion request", "≤ 1.5× kubectl version "
                              "--client")
            g.figure = ("n/a (command not present)" if not self.completion_note else
                        f"n/a (request failed: {self.completion_note})")

    def _startup_goal(self, key, title, runs, name) -> None:
        g = self.res.goal(key, title, "≤ 1.5× kubectl version --client")
        g.figure = walls(runs[name]).fmt("ms")
        codes = {r.code for r in runs[name]}
        if codes != {0}:
            g.note = f"exit codes {sorted(codes)}"
        if "kubectl version --client" in runs:
            ratio = paired_ratio(runs[name], runs["kubectl version --client"])
            kubectl = walls(runs["kubectl version --client"])
            g.anchor = f"kubectl version --client {kubectl.fmt('ms')}"
            g.ratio, g.ratio_text = ratio.median, ratio.fmt("x")
            g.met = ratio.median <= 1.5
        else:
            g.anchor = "kubectl not found"

    def find_completion(self) -> list[str] | None:
        """The completion request form this kubesvc answers, tried on the 10-Service state."""
        if self.args.completion_cmd:
            cmd = [self.kubesvc, *shlex.split(self.args.completion_cmd)]
            self.completion_env = dict(ENV, KUBESVC_STATE=str(self.small))
            return cmd
        env = dict(ENV, KUBESVC_STATE=str(self.small))
        candidates = [
            ([self.kubesvc, "__complete", "get", "service", ""], env),
            ([self.kubesvc, "__complete", "--state", str(self.small), "get", "service", ""],
             ENV),
        ]
        if "completion" in self.commands:
            for shell in ("bash", "zsh"):
                rc, script, _ = capture([self.kubesvc, "completion", shell])
                m = re.search(r"(_KUBESVC_COMPLETE)=(\w+)", script)
                if rc == 0 and m:
                    candidates.append(([self.kubesvc], dict(
                        env, _KUBESVC_COMPLETE=m.group(2), COMP_WORDS="kubesvc get service ",
                        COMP_CWORD="3")))
        fallback = None
        for cmd, cenv in candidates:
            rc, out, _ = capture(cmd, env=cenv)
            if rc == 0 and "app-0" in out:
                self.completion_env = cenv
                return cmd
            candidates_out = [x for x in out.splitlines() if x and not x.startswith(":")]
            if rc == 0 and candidates_out and fallback is None:
                fallback = (cmd, cenv)
            elif rc == 0 and out.strip() and not candidates_out:
                self.completion_note = (f"`{' '.join(cmd[1:])}` answered only "
                                        f"{out.strip()!r} (no candidates)")
        if fallback:
            self.completion_env = fallback[1]
            self.res.details.append("completion: the request answered but did not list the "
                                    "Service names; timed anyway")
            return fallback[0]
        return None

    # ---- bulk
    def bulk(self, files, n_objects: int) -> None:
        a = self.args
        ys, js = str(files["yaml"]), str(files["json"])
        floor_db = str(self.work / "floor.db")
        yaml_anchor, json_anchor, yaml_apply, json_apply = [], [], [], []
        outcomes = {}
        for rep in range(a.bulk_runs):
            log(f"bulk {rep + 1}/{a.bulk_runs}: libyaml parse anchor")
            yaml_anchor.append(floor("yaml-parse", ys))
            log(f"bulk {rep + 1}/{a.bulk_runs}: kubesvc import -f YAML (fresh state)")
            remove_state(self.large)
            r = run_captured(*self.ks(self.large, "import", "-f", ys))
            yaml_apply.append(r)
            outcomes["yaml"] = apply_outcome(r)
            log(f"  {r.wall:.2f} s, peak RSS {r.rss_mib:.0f} MiB, "
                f"{fmt_counts(outcomes['yaml']['counts'])}")
            copy_state(self.large, self.work / "large-yaml.db")
            log(f"bulk {rep + 1}/{a.bulk_runs}: fastest JSON parse + one SQLite transaction")
            json_anchor.append(floor("json-floor", js, floor_db))
            log(f"bulk {rep + 1}/{a.bulk_runs}: kubesvc import -f JSON (fresh state)")
            remove_state(self.large)
            r = run_captured(*self.ks(self.large, "import", "-f", js))
            json_apply.append(r)
            outcomes["json"] = apply_outcome(r)
            log(f"  {r.wall:.2f} s, peak RSS {r.rss_mib:.0f} MiB, "
                f"{fmt_counts(outcomes['json']['counts'])}")
        self._bulk_goals(yaml_anchor, json_anchor, yaml_apply, json_apply, outcomes, n_objects)
        self.bulk_first = {"yaml": walls(yaml_apply), "json": walls(json_apply)}
        self.reapply(files)
        self.kv_validate(files, walls(yaml_apply), walls(json_apply))

    def _bulk_goals(self, ya, ja, yapp, japp, outcomes, n_objects) -> None:
        ypar = Stats([x["seconds"] for x in ya])
        jfl = Stats([x["seconds"] for x in ja])
        self.res.anchors.append((f"libyaml parse (read + CSafeLoader, GC off) of the YAML, "
                                 f"{ya[0]['bytes'] / 1e6:.1f} MB, {ya[0]['objects']} objects",
                                 ypar.fmt("s")))
        self.res.anchors.append((
            f"fastest JSON parse ({ja[0]['parser']}, GC off) of the JSON List, "
            f"{ja[0]['bytes'] / 1e6:.1f} MB", Stats([x['parse_seconds'] for x in ja]).fmt("s")))
        self.res.anchors.append((
            f"one SQLite transaction (WAL, kubesvc's schema, objects + label rows, "
            f"{ja[0]['serializer']})", Stats([x['txn_seconds'] for x in ja]).fmt("s")))
        parsers = ", ".join(f"{k} {v:.3f} s" for k, v in ja[0]["parsers"].items())
        self.res.details.append(f"JSON parsers tried (GC off, best of 2): {parsers}")
        for fmt_, app, anchor, anchor_name, target, limit in (
                ("yaml", yapp, ypar, "libyaml parse", "≤ 1.3× libyaml parse", 1.3),
                ("json", japp, jfl, "JSON parse + 1 txn", "≤ 3× fastest JSON parse + one "
                                                         "SQLite txn", 3.0)):
            g = self.res.goal(f"bulk_{fmt_}", f"bulk apply of {n_objects} objects from "
                              f"{fmt_.upper()} (fresh state)", target)
            g.figure = walls(app).fmt("s")
            g.anchor = f"{anchor_name} {anchor.fmt('s')}"
            ratio = Stats([x.wall / y for x, y in zip(app, anchor.values, strict=True)])
            g.ratio, g.ratio_text = ratio.median, ratio.fmt("x")
            g.met = ratio.median <= limit
            o = outcomes[fmt_]
            g.note = fmt_counts(o["counts"])
            if o["code"] or o["errors"]:
                g.note += f"; exit {o['code']}, {o['errors']} error lines: {o['first_error'][:200]}"
        # memory
        for fmt_, app, anc in (("yaml", yapp, ya), ("json", japp, ja)):
            own = statistics.median(x["objects_mib"] for x in anc)
            peak = statistics.median(r.rss_mib for r in app)
            g = self.res.goal(f"mem_{fmt_}", f"peak memory of the {fmt_.upper()} apply",
                              "≤ 2× the parsed objects' own")
            g.figure = f"{peak:.0f} MiB peak RSS"
            g.anchor = (f"parsed objects' own {own:.0f} MiB (RSS growth while "
                        f"{'CSafeLoader' if fmt_ == 'yaml' else 'json.loads'}'s result is held)")
            g.ratio = peak / own
            g.ratio_text = f"{g.ratio:.2f}×"
            g.met = g.ratio <= 2.0
            anchor_peak = statistics.median(x["process_rss_mib"] for x in anc)
            self.res.anchors.append((f"parsed objects' own memory ({fmt_.upper()})",
                                     f"{own:.0f} MiB; anchor process peak RSS "
                                     f"{anchor_peak:.0f} MiB"))

    def reapply(self, files) -> None:
        a = self.args
        for fmt_ in ("yaml", "json"):  # the large state is the last JSON apply's
            src = self.work / "large-yaml.db" if fmt_ == "yaml" else self.large
            runs, outcome = [], {}
            for rep in range(a.bulk_runs):
                log(f"re-apply {fmt_.upper()} {rep + 1}/{a.bulk_runs} (state copied back first)")
                target = self.work / f"reapply-{fmt_}.db"
                copy_state(src, target)
                r = run_captured(*self.ks(target, "import", "-f", str(files[fmt_])))
                runs.append(r)
                outcome = apply_outcome(r)
                log(f"  {r.wall:.2f} s, {fmt_counts(outcome['counts'])}")
                remove_state(target)
            first = self.bulk_first[fmt_]
            g = self.res.goal(f"reapply_{fmt_}", f"re-apply of the same {fmt_.upper()}, "
                              "unchanged", "< 25% of the first apply")
            g.figure = walls(runs).fmt("s")
            g.anchor = f"first apply {first.fmt('s')}"
            g.ratio = walls(runs).median / first.median
            g.ratio_text = f"{g.ratio * 100:.0f}%"
            g.met = g.ratio < 0.25
            g.note = fmt_counts(outcome["counts"])
            if outcome["code"] or outcome["errors"]:
                g.note += f"; exit {outcome['code']}: {outcome['first_error'][:200]}"
        remove_state(self.work / "large-yaml.db")

    def kv_validate(self, files, yaml_apply: Stats, json_apply: Stats) -> None:
        log(f"kubernetes-validate on a sample of {self.args.kv_sample} objects")
        kv = floor("kv-validate", str(files["json"]), str(self.args.kv_sample))
        sampled = sum(k["sampled"] for k in kv["kinds"].values())
        per = ", ".join(f"{kind} {d['ms_each']:.1f} ms" for kind, d in kv["kinds"].items())
        self.res.anchors.append((
            f"kubernetes-validate {kv['version']} (validate, strict, 1.37) on all "
            f"{kv['objects']} objects, extrapolated from {sampled} sampled per kind",
            f"{kv['seconds']:.1f} s ({per} per object; {kv['errors']} invalid)"))
        for fmt_, app in (("yaml", yaml_apply), ("json", json_apply)):
            g = self.res.goal(f"kv_{fmt_}", f"bulk apply from {fmt_.upper()} vs "
                              "kubernetes-validate on the same objects", "≥ 100× faster")
            g.figure = f"apply {app.fmt('s')}"
            g.anchor = f"kubernetes-validate ≈ {kv['seconds']:.1f} s (extrapolated)"
            g.ratio = kv["seconds"] / app.median
            g.ratio_text = f"{g.ratio:.1f}× faster"
            g.met = g.ratio >= 100

    # ---- endpoints
    def endpoints(self) -> None:
        log("endpoints: controllers in process on a copy of the large state")
        copy_state(self.large, self.work / "ep.db")
        g1 = self.res.goal("ep_all", "endpoints for every Service from scratch (controller "
                           "work, in process)", "< 1 s")
        g2 = self.res.goal("ep_one", "one pod's readiness change: all controllers (in "
                           "process)", "< 20 ms")
        try:
            ep = floor("endpoints", str(self.work / "ep.db"), str(self.args.ep_runs))
        except RuntimeError as exc:
            g1.figure = g2.figure = "n/a (could not drive kubesvc's controllers)"
            self.res.details.append(f"endpoints: {str(exc)[-600:]}")
            return
        finally:
            remove_state(self.work / "ep.db")
        fs, one = ep["from_scratch"], ep["one_pod"]
        g1.figure = Stats(fs["all"]).fmt("s")
        g1.anchor = (f"{fs['services']} Services, {fs['pods']} pods; {fs['slices_made']} "
                     f"EndpointSlices made (the apply had made {fs['slices_before']})")
        g1.ratio = fs["seconds"] / 1.0
        g1.ratio_text = f"{g1.ratio:.2f}× the 1 s limit"
        g1.met = fs["seconds"] < 1.0
        g2.figure = Stats(one["all"]).fmt("ms")
        g2.anchor = ("phases (median): " + ", ".join(
            f"{k} {v * 1e3:.2f} ms" for k, v in one["phases"].items()))
        g2.ratio = one["seconds"] / 0.020
        g2.ratio_text = f"{g2.ratio:.2f}× the 20 ms limit"
        g2.met = one["seconds"] < 0.020
        g2.note = (f"{one['changes_seen_in_slices']} of {one['reps']} changes showed in the "
                   "namespace's EndpointSlices")

    # ---- get
    def gets(self) -> None:
        a = self.args
        log(f"get: reading rows anchor, then {a.get_runs} rounds of get pods -A / "
            "get svc -A -o wide")
        rd = floor("read", str(self.large))
        cmds = {"get pods -A": self.ks(self.large, "get", "pods", "-A"),
                "get svc -A -o wide": self.ks(self.large, "get", "svc", "-A", "-o", "wide")}
        runs = rotate(cmds, a.get_runs, 1)
        py = self.py_start.median if self.py_start else float("nan")
        for key, name, gk in (("get_pods", "get pods -A", "Pod"),
                              ("get_svc", "get svc -A -o wide", "Service")):
            read = rd[gk]["seconds"]
            budget = 2 * read + 1.5 * py
            g = self.res.goal(key, f"{name} ({rd[gk]['rows']} rows, stdout to /dev/null)",
                              "≤ 2× reading the rows + 1.5× python start-up")
            w = walls(runs[name])
            g.figure = w.fmt("s")
            g.anchor = (f"read {ms(read)} (+ json.loads {ms(rd[gk]['seconds_with_json_loads'])}), "
                        f"python start-up {ms(py)} → budget {ms(budget)}")
            g.ratio = w.median / budget
            g.ratio_text = f"{g.ratio:.2f}× the budget"
            g.met = g.ratio <= 1.0
            codes = {r.code for r in runs[name]}
            if codes != {0}:
                g.note = f"exit codes {sorted(codes)}"
            self.res.anchors.append((f"read the {gk} rows from the store (SELECT body, "
                                     "ORDER BY namespace, name)", ms(read)))

    # ---- the served API (issue 12)
    def served_get(self) -> None:
        """`kubectl get pods -A` through `kubesvc serve` against `kubesvc get pods -A`, both on
        the large state, in rotation; the server runs (warm) for the whole row."""
        if not self.kubectl:
            return
        a = self.args
        g = self.res.goal("served_get_pods", "kubectl get pods -A through kubesvc serve",
                          "≤ 2× kubesvc get pods -A (same run, paired rounds)")
        kubeconfig = self.work / "served.kubeconfig"
        env = dict(ENV, KUBESVC_STATE=str(self.large))
        server = subprocess.Popen([self.kubesvc, "serve", "--port", "0", "--kubeconfig",
                                   str(kubeconfig)], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, env=env, text=True)
        try:
            server.stdout.readline()  # the URL line: listening
            log(f"served get: {a.get_runs} rounds of kubectl get pods -A / kubesvc get pods -A")
            cmds = {"kubectl": ([self.kubectl, "--kubeconfig", str(kubeconfig), "get", "pods",
                                 "-A"], None),
                    "kubesvc": self.ks(self.large, "get", "pods", "-A")}
            runs = rotate(cmds, a.get_runs, 1)
        finally:
            server.terminate()
            server.wait(30)
        ratio = paired_ratio(runs["kubectl"], runs["kubesvc"])
        g.figure = walls(runs["kubectl"]).fmt("s")
        g.anchor = f"kubesvc get pods -A {walls(runs['kubesvc']).fmt('s')}"
        g.ratio = ratio.median
        g.ratio_text = f"{ratio.median:.2f}× kubesvc get pods -A"
        g.met = ratio.median <= 2.0
        codes = {r.code for r in runs["kubectl"]}
        if codes != {0}:
            g.note = f"exit codes {sorted(codes)}"

    # ---- resolve
    def resolve(self) -> None:
        forms = self.find_resolve_forms()
        gs = self.res.goal("resolve_svc", "resolve svc/NAME on the large state",
                           "< 100 ms beyond start-up")
        gd = self.res.goal("resolve_dns", "a DNS query on the large state",
                           "< 100 ms beyond start-up")
        if forms is None:
            gs.figure = gd.figure = "n/a (command not present)"
            return
        a = self.args
        cmds = {"get service (small)": self.ks(self.small, "get", "service")}
        for key, form in forms.items():
            if form is None:
                continue
            cmds[f"{key} small"] = self.ks(self.small, *self._fill(form, small=True))
            cmds[f"{key} large"] = self.ks(self.large, *self._fill(form, small=False))
        rounds = max(5, a.runs // 2)
        log(f"resolve: {len(cmds)} commands in rotation, {rounds} rounds")
        runs = rotate(cmds, rounds, 1)
        base = walls(runs["get service (small)"])
        for key, g in (("svc", gs), ("dns", gd)):
            form = forms.get(key)
            if form is None:
                g.figure = "n/a (no request form answered; pass --resolve-cmd/--dns-cmd)"
                continue
            small, large = walls(runs[f"{key} small"]), walls(runs[f"{key} large"])
            extra = Stats([x.wall - y.wall for x, y in
                           zip(runs[f"{key} large"], runs[f"{key} small"], strict=True)])
            g.title += f" (`kubesvc {' '.join(self._fill(form, small=False))}`)"
            g.figure = large.fmt("ms")
            g.anchor = (f"same command on the 10-Service state {small.fmt('ms')}; "
                        f"get service there {base.fmt('ms')}")
            g.ratio = extra.median
            g.ratio_text = (f"{round(extra.median * 1e3):+d} ms over the small state "
                            f"({round((large.median - base.median) * 1e3):+d} ms over get "
                            "service)")
            g.met = extra.median < 0.100
            codes = {r.code for r in runs[f"{key} large"]}
            if codes != {0}:
                g.note = f"exit codes {sorted(codes)}"
        self.done_optional.add("resolve")

    @staticmethod
    def _fill(form: str, small: bool) -> list[str]:
        ns, name = ("default", "app-5") if small else ("ns-05", "app-5")
        fqdn = f"{name}.{ns}.svc.cluster.local"
        return shlex.split(form.format(ns=ns, name=name, fqdn=fqdn))

    def find_resolve_forms(self) -> dict | None:
        if "resolve" not in self.commands and "dns" not in self.commands and not (
                self.args.resolve_cmd or self.args.dns_cmd):
            return None
        tries = {
            "svc": ([self.args.resolve_cmd] if self.args.resolve_cmd else
                    ["resolve svc/{name} -n {ns}", "resolve service/{name} -n {ns}",
                     "resolve service {name} -n {ns}", "resolve {name} -n {ns}"]),
            "dns": ([self.args.dns_cmd] if self.args.dns_cmd else
                    ["resolve {fqdn} --type A", "resolve {fqdn}", "resolve dns {fqdn}",
                     "dns {fqdn}"]),
        }
        forms: dict[str, str | None] = {}
        for key, options in tries.items():
            forms[key] = None
            for form in options:
                cmd, env = self.ks(self.small, *self._fill(form, small=True))
                rc, out, _ = capture(cmd, env=env)
                if rc == 0 and out.strip():
                    forms[key] = form
                    break
        self.res.details.append("resolve request forms found: " + ", ".join(
            f"{k}: `{v}`" for k, v in forms.items()))
        return forms

    # ---- optional commands that appeared during the run
    def recheck(self) -> None:
        self.commands = kubesvc_commands(self.kubesvc)
        comp = None if "completion" in self.done_optional else self.find_completion()
        if comp and self.kubectl:
            log("completion appeared during the run: measuring it now")
            self.res.goals.pop("completion", None)
            self.res.details.append("completion measured at the end of the run (the command "
                                    "appeared while the suite ran)")
            cmds = {"kubectl version --client": [self.kubectl, "version", "--client"],
                    "kubesvc completion request": (comp, self.completion_env)}
            runs = rotate(cmds, self.args.runs, self.args.warmup)
            self._startup_goal("completion", "completion request", runs,
                               "kubesvc completion request")
        if "resolve" not in self.done_optional and (
                "resolve" in self.commands or "dns" in self.commands):
            log("resolve appeared during the run: measuring it now")
            self.res.details.append("resolve measured at the end of the run (the command "
                                    "appeared while the suite ran)")
            self.res.goals.pop("resolve_svc", None)
            self.res.goals.pop("resolve_dns", None)
            self.resolve()


# -- report -------------------------------------------------------------------------------------

ORDER = ["startup", "completion", "bulk_yaml", "bulk_json", "kv_yaml", "kv_json", "mem_yaml",
         "mem_json", "reapply_yaml", "reapply_json", "ep_all", "ep_one", "get_pods", "get_svc",
         "resolve_svc", "resolve_dns"]


def render(suite: Suite, machine, elapsed: float, files) -> str:
    a, res = suite.args, suite.res
    n_svc, n_pod, n_node = gen.sizes(a.scale)
    out = ["# kubesvc benchmark results", "",
           f"`python bench/run.py --scale {a.scale:g}` — suite wall time "
           f"{elapsed / 60:.1f} min. Start-up figures: {a.runs} rounds after {a.warmup} "
           f"warm-up (commands in rotation); bulk figures: {a.bulk_runs} run(s) each; "
           f"medians with [min..max]. Ratios are per-run pairs (kubesvc run ÷ the anchor run "
           "next to it) where both are whole runs; no test asserts any of these times.", "",
           "## Machine", "", "| | |", "| --- | --- |"]
    out += [f"| {k} | {v} |" for k, v in machine]
    out += ["", f"Bulk data: {gen.N_NS} Namespaces, {n_node} Nodes, {n_svc} Services, "
                f"{n_pod} Pods (pods with a live status: podIP, nodeName, conditions; "
                "Deployment-style labels and ReplicaSet owner references; the nodes they "
                "name are in the data, so applying exercises endpoint computation but not "
                f"scheduling). YAML {files['yaml'].stat().st_size / 1e6:.1f} MB, JSON "
                f"{files['json'].stat().st_size / 1e6:.1f} MB.", "",
            "## Goals", "",
            "| goal | kubesvc | compared with | ratio | target | result | notes |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for key in ORDER:
        g = res.goals.get(key)
        if g is None:
            continue
        out.append(f"| {g.title} | {g.figure} | {g.anchor} | {g.ratio_text} | {g.target} | "
                   f"**{g.status()}** | {g.note} |")
    out += ["", "## Anchors (same run)", "", "| anchor | measured |", "| --- | --- |"]
    out += [f"| {k} | {v} |" for k, v in res.anchors]
    if res.details:
        out += ["", "## Details", ""] + [f"- {d}" for d in res.details]
    out += ["", "How each figure is taken: see bench/README.md.", ""]
    return "\n".join(out)


def print_table(res: Results) -> None:
    print("\n" + "=" * 100)
    for key in ORDER:
        g = res.goals.get(key)
        if g is None:
            continue
        print(f"{g.status():8s} {g.title}\n         kubesvc {g.figure} | vs {g.anchor}\n"
              f"         ratio {g.ratio_text} (target {g.target}) {g.note}")
    print("=" * 100)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", type=float, default=1.0,
                   help="bulk size factor: 1.0 = 10,000 Services + 50,000 Pods (default); "
                        "0.1 for a quick run")
    p.add_argument("--out", default=str(HERE / "RESULTS.md"), help="results file (markdown)")
    p.add_argument("--runs", type=int, help="start-up rounds (default 20; 10 below scale 0.5)")
    p.add_argument("--warmup", type=int, default=2, help="start-up warm-up rounds")
    p.add_argument("--bulk-runs", type=int,
                   help="runs of each bulk apply (default 3; 1 below scale 0.5)")
    p.add_argument("--get-runs", type=int, help="rounds of the get commands (default 5; 3 "
                                                "below scale 0.5)")
    p.add_argument("--ep-runs", type=int, default=3, help="endpoint-from-scratch repetitions")
    p.add_argument("--kv-sample", type=int, default=None,
                   help="objects validated with kubernetes-validate (default 200; 60 below "
                        "scale 0.5)")
    p.add_argument("--data", help="folder for the generated manifests (cached; default: "
                                  "$TMPDIR/kubesvc-bench-data)")
    p.add_argument("--work", help="folder for the state files (default: a new temp folder, "
                                  "removed at the end)")
    p.add_argument("--keep", action="store_true", help="keep the state files")
    p.add_argument("--kubesvc", help="kubesvc executable (default: next to this Python)")
    p.add_argument("--kubectl", help="kubectl executable (default: next to this Python)")
    p.add_argument("--completion-cmd", help="completion request arguments, e.g. "
                                            "\"__complete get service ''\"")
    p.add_argument("--resolve-cmd", help="resolve arguments with {name} {ns}, e.g. "
                                         "'resolve svc/{name} -n {ns}'")
    p.add_argument("--dns-cmd", help="DNS query arguments with {fqdn}, e.g. 'resolve dns {fqdn}'")
    args = p.parse_args(argv)
    quick = args.scale < 0.5
    args.runs = args.runs or (10 if quick else 20)
    args.bulk_runs = args.bulk_runs or (1 if quick else 3)
    args.get_runs = args.get_runs or (3 if quick else 5)
    args.kv_sample = args.kv_sample or (60 if quick else 200)
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    t0 = time.perf_counter()
    suite = Suite(args)
    machine = machine_info(suite.kubesvc, suite.kubectl)
    for k, v in machine:
        log(f"{k}: {v}")
    data_dir = Path(args.data or Path(tempfile.gettempdir()) / "kubesvc-bench-data")
    try:
        suite.setup_small(data_files(data_dir, args.scale, bulk=False))
        suite.startup()  # first, while nothing else has run yet
        files = data_files(data_dir, args.scale)
        suite.bulk(files, object_count(args.scale))
        suite.endpoints()
        suite.gets()
        suite.served_get()
        suite.resolve()
        suite.recheck()
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(suite.work, ignore_errors=True)
    elapsed = time.perf_counter() - t0
    text = render(suite, machine, elapsed, files)
    Path(args.out).write_text(text)
    print_table(suite.res)
    log(f"results written to {args.out} ({elapsed / 60:.1f} min)")


if __name__ == "__main__":
    main()
