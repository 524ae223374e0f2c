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
import signal
import socket
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
from replay import Replay, kubeconfig_for  # noqa: E402

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
             " '\"editable\": true' in du, v('yaml-rs'), v('rapidyaml'), v('matplotlib'),"
             " sep='|')\n")
    _, out, _ = capture([PY, "-c", probe], cwd=tempfile.gettempdir())  # not a source tree
    parts = out.strip().split("|") + ["?"] * 13
    (pyver, impl, sqlite_v, yaml_v, libyaml, ksvc_v, typer_v, rs_v, orjson_v, editable,
     yrs_v, ryml_v, mpl_v) = parts[:13]
    install = ("EDITABLE install: its import finder adds ~11 ms to every start"
               if editable == "True" else "regular install")
    kubectl_v = "not found"
    if kubectl:
        _, kout, _ = capture([kubectl, "version", "--client"])
        kubectl_v = kout.strip().splitlines()[0] if kout.strip() else "?"
    tree = git_tree_info(HERE.parent)
    return [
        ("Date (UTC)", time.strftime("%Y-%m-%d %H:%M", time.gmtime())),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("CPU", f"{cpu}, {os.cpu_count()} logical CPUs"),
        ("Memory", mem),
        ("Python", f"{pyver} ({impl}) at {PY}"),
        ("SQLite", sqlite_v),
        ("PyYAML", f"{yaml_v} (libyaml: {libyaml})"),
        ("kubectl", f"{kubectl_v} at {kubectl}"),
        ("kubesvc", f"{ksvc_v} at {kubesvc} ({install})"),
        ("git", tree),
        ("Packages", f"typer {typer_v}, jsonschema-rs {rs_v}, orjson {orjson_v}, "
                     f"yaml-rs {yrs_v}, rapidyaml {ryml_v}, matplotlib {mpl_v}"),
    ]


def git_tree_info(repo: Path) -> str:
    """HEAD, the last commit that changed kubesvc/, and whether kubesvc/ has uncommitted
    changes: what the figures measured (RESULTS.md must come from a run after the last change
    to kubesvc/, on a clean tree)."""
    def git(*argv: str) -> str:
        rc, out, _ = capture(["git", "-C", str(repo), *argv])
        return out.strip() if rc == 0 else "?"

    head = git("rev-parse", "HEAD")
    if head == "?":
        return "not a git checkout"
    last = git("log", "-1", "--format=%H", "--", "kubesvc/")
    dirty = git("status", "--porcelain", "--", "kubesvc/")
    any_dirty = git("status", "--porcelain", "--untracked-files=no")
    return (f"HEAD {head}; last change to kubesvc/ {last}"
            f"{' (= HEAD)' if last == head else ''}; kubesvc/ "
            f"{'clean' if not dirty else f'has {len(dirty.splitlines())} uncommitted changes'}"
            f", tree {'clean' if not any_dirty else 'with uncommitted changes outside kubesvc/'}")


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

BULK_FORMS = {"yaml": "yaml", "json": "json", "dump": "dump.yaml", "manifest": "manifest.json"}


def data_files(data_dir: Path, scale: float, forms: tuple[str, ...] = ()) -> dict[str, Path]:
    """The generated manifests, cached by scale and generator hash. Generated in a child
    process, so this process stays small (a large parent makes every timed child slower to
    start and inflates its peak RSS, which counts the parent's pages until exec).
    Forms: yaml (multi-document), json (a JSON List), dump (a YAML `kind: List` as
    `kubectl get -o yaml` prints), manifest (JSON without status, for apply), netpol."""
    digest = hashlib.sha256((HERE / "gen.py").read_bytes()).hexdigest()[:10]
    tag = f"s{scale:g}-{digest}"
    files = {"small": data_dir / f"small-{digest}.yaml",
             "netpol": data_dir / f"netpol-{tag}.yaml"}
    files.update({form: data_dir / f"bulk-{tag}.{ext}" for form, ext in BULK_FORMS.items()})
    data_dir.mkdir(parents=True, exist_ok=True)
    if not files["small"].exists():
        tmp = files["small"].with_suffix(".tmp")
        subprocess.run([PY, str(HERE / "gen.py"), "small", str(tmp)], check=True)
        tmp.replace(files["small"])
    if "netpol" in forms and not files["netpol"].exists():
        tmp = files["netpol"].with_suffix(".tmp")
        subprocess.run([PY, str(HERE / "gen.py"), "netpol", f"{scale:g}", str(tmp)], check=True)
        tmp.replace(files["netpol"])
    missing = [f for f in forms if f in BULK_FORMS and not files[f].exists()]
    if not missing:
        if forms:
            log(f"data: cached in {data_dir} ({tag})")
        return files
    n_svc, n_pod, n_node = gen.sizes(scale)
    log(f"data: generating {gen.N_NS} namespaces, {n_node} nodes, {n_svc} services, "
        f"{n_pod} pods as {', '.join(missing)} ...")
    tmps = {f: files[f].with_suffix(".tmp-" + f) for f in missing}
    subprocess.run([PY, str(HERE / "gen.py"), "bulk", f"{scale:g}",
                    *(f"{f}={t}" for f, t in tmps.items())], check=True)
    for f, t in tmps.items():
        t.replace(files[f])
        log(f"data: {f} {files[f].stat().st_size / 1e6:.1f} MB")
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
        self.scale = args.goal_scale
        self.growth: dict[float, dict] = {}  # scale -> seconds of apply, import, ...

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
        log("bulk: libyaml parse anchor (once: the slowest anchor; also the parsed objects' "
            "own memory)")
        self.libyaml = floor("yaml-parse", ys)
        for rep in range(a.bulk_runs):
            log(f"bulk {rep + 1}/{a.bulk_runs}: kubesvc's own YAML loader anchor")
            yaml_anchor.append(floor("kubesvc-parse", ys))
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
        lib = self.libyaml
        parser = ", ".join(ya[0]["parsers"]) + (" in a process pool" if ya[0]["process_pool"]
                                                 else "")
        self.yaml_parser = parser
        self.res.anchors.append((f"kubesvc's YAML loader (kubesvc.input.load.load_paths: read "
                                 f"+ parse with {parser} + its checks, GC off) of the YAML, "
                                 f"{ya[0]['bytes'] / 1e6:.1f} MB, {ya[0]['objects']} objects",
                                 ypar.fmt("s")))
        self.res.anchors.append((f"libyaml parse (read + CSafeLoader, GC off) of the YAML, "
                                 f"{lib['bytes'] / 1e6:.1f} MB, {lib['objects']} objects",
                                 Stats([lib["seconds"]]).fmt("s")))
        if ya[0]["declared"] or ya[0]["versions"]:
            self.res.details.append(
                f"YAML parser kubesvc loaded: {parser}; packages "
                + ", ".join(f"{k} {v}" for k, v in ya[0]["versions"].items())
                + (f"; kubesvc.input.yamlsafe says {ya[0]['declared']}" if ya[0]["declared"]
                   else ""))
        self.res.anchors.append((
            f"fastest JSON parse ({ja[0]['parser']}, GC off) of the JSON List, "
            f"{ja[0]['bytes'] / 1e6:.1f} MB", Stats([x['parse_seconds'] for x in ja]).fmt("s")))
        self.res.anchors.append((
            f"one SQLite transaction (WAL, kubesvc's schema, objects + label rows, "
            f"{ja[0]['serializer']})", Stats([x['txn_seconds'] for x in ja]).fmt("s")))
        parsers = ", ".join(f"{k} {v:.3f} s" for k, v in ja[0]["parsers"].items())
        self.res.details.append(f"JSON parsers tried (GC off, best of 2): {parsers}")
        self.json_floor = jfl
        for fmt_, app, anchor, anchor_name, target, limit in (
                ("yaml", yapp, ypar, f"kubesvc's YAML parse ({parser})",
                 "≤ 1.3× the YAML parse kubesvc uses", 1.3),
                ("json", japp, jfl, "JSON parse + 1 txn", "≤ 3× fastest JSON parse + one "
                                                         "SQLite txn", 3.0)):
            g = self.res.goal(f"bulk_{fmt_}", f"bulk apply of {n_objects} objects from "
                              f"{fmt_.upper()} (fresh state, `kubesvc import`)", target)
            g.figure = walls(app).fmt("s")
            g.anchor = f"{anchor_name} {anchor.fmt('s')}"
            if fmt_ == "yaml":
                g.anchor += (f"; libyaml parse {lib['seconds']:.3f} s (n=1): apply "
                             f"{walls(app).median / lib['seconds']:.2f}× it")
            ratio = Stats([x.wall / y for x, y in zip(app, anchor.values, strict=True)])
            g.ratio, g.ratio_text = ratio.median, ratio.fmt("x")
            g.met = ratio.median <= limit
            o = outcomes[fmt_]
            g.note = fmt_counts(o["counts"])
            if o["code"] or o["errors"]:
                g.note += f"; exit {o['code']}, {o['errors']} error lines: {o['first_error'][:200]}"
        self.json_apply = japp
        # memory
        for fmt_, app, anc in (("yaml", yapp, ya), ("json", japp, ja)):
            own = statistics.median(x["objects_mib"] for x in anc)
            peak = statistics.median(r.rss_mib for r in app)
            g = self.res.goal(f"mem_{fmt_}", f"peak memory of the {fmt_.upper()} apply",
                              "≤ 2× the parsed objects' own")
            g.figure = f"{peak:.0f} MiB peak RSS"
            g.anchor = (f"parsed objects' own {own:.0f} MiB (RSS growth while "
                        f"{'kubesvc loader' if fmt_ == 'yaml' else 'json.loads'}'s result is "
                        "held)")
            if fmt_ == "yaml":
                g.anchor += (f"; with libyaml's (CSafeLoader) {lib['objects_mib']:.0f} MiB: "
                             f"{peak / lib['objects_mib']:.2f}×")
            g.ratio = peak / own
            g.ratio_text = f"{g.ratio:.2f}×"
            g.met = g.ratio <= 2.0
            anchor_peak = statistics.median(x["process_rss_mib"] for x in anc)
            self.res.anchors.append((f"parsed objects' own memory ({fmt_.upper()}"
                                     f"{', kubesvc loader' if fmt_ == 'yaml' else ''})",
                                     f"{own:.0f} MiB; anchor process peak RSS "
                                     f"{anchor_peak:.0f} MiB"))
            if fmt_ == "yaml":
                self.res.anchors.append(("parsed objects' own memory (YAML, libyaml)",
                                         f"{lib['objects_mib']:.0f} MiB; anchor process peak "
                                         f"RSS {lib['process_rss_mib']:.0f} MiB"))

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

    # ---- restore a cluster dump
    def restore(self, files, n_objects: int) -> None:
        """`kubesvc import` of the `kind: List` YAML dump against the real kubectl reading and
        decoding the same file offline, in rotation; the JSON form reuses the bulk JSON runs."""
        a, dump = self.args, str(files["dump"])
        g = self.res.goal("restore_yaml", f"restore a cluster dump of {n_objects} objects from "
                          "YAML (`kubesvc import -f dump.yaml`: one `kind: List` as `kubectl "
                          "get -o yaml` prints it, with status; fresh state)",
                          "≤ 1.0× kubectl label --local -f on the same file")
        target = self.work / "restore.db"
        runs_k, runs_i, outcome = [], [], {}
        for rep in range(a.bulk_runs):
            if self.kubectl:
                log(f"restore {rep + 1}/{a.bulk_runs}: kubectl label --local -f dump.yaml x=y "
                    "-o name")
                runs_k.append(run_captured([self.kubectl, "label", "--local", "-f", dump,
                                            "x=y", "-o", "name"]))
            log(f"restore {rep + 1}/{a.bulk_runs}: kubesvc import -f dump.yaml (fresh state)")
            remove_state(target)
            r = run_captured(*self.ks(target, "import", "-f", dump))
            runs_i.append(r)
            outcome = apply_outcome(r)
            log(f"  {r.wall:.2f} s, peak RSS {r.rss_mib:.0f} MiB, {fmt_counts(outcome['counts'])}")
        remove_state(target)
        self.restore_runs = runs_i
        g.figure = walls(runs_i).fmt("s")
        g.note = fmt_counts(outcome["counts"])
        if outcome["code"] or outcome["errors"]:
            g.note += f"; exit {outcome['code']}: {outcome['first_error'][:200]}"
        if runs_k:
            names = len(runs_k[-1].stdout.splitlines())
            kw = walls(runs_k)
            g.anchor = (f"kubectl label --local -f dump.yaml x=y -o name {kw.fmt('s')} "
                        f"({names} names printed, exit {runs_k[-1].code})")
            ratio = paired_ratio(runs_i, runs_k)
            g.ratio, g.ratio_text = ratio.median, ratio.fmt("x")
            g.met = ratio.median <= 1.0
            self.res.anchors.append(("kubectl label --local -f dump.yaml x=y -o name "
                                     f"({files['dump'].stat().st_size / 1e6:.1f} MB)",
                                     kw.fmt("s")))
        else:
            g.anchor = "not measured: kubectl not found"
        gj = self.res.goal("restore_json", "restore the same dump from JSON (`kubesvc import "
                           "-f dump.json`, one JSON `List`: the bulk JSON apply's runs)",
                           "≤ 2× fastest JSON parse + one SQLite txn")
        japp, jfl = self.json_apply, self.json_floor
        gj.figure = walls(japp).fmt("s")
        gj.anchor = f"JSON parse + 1 txn {jfl.fmt('s')}"
        ratio = Stats([x.wall / y for x, y in zip(japp, jfl.values, strict=True)])
        gj.ratio, gj.ratio_text = ratio.median, ratio.fmt("x")
        gj.met = ratio.median <= 2.0

    # ---- the controllers' part of a whole import
    def import_phases(self, files) -> None:
        g = self.res.goal("ep_import", "endpoints from scratch inside a whole import: the "
                          "controllers' part of `kubesvc import -f dump.json` (in process, "
                          "fresh state)", "< 1 s")
        log("import in process with its phases timed (JSON dump, fresh state)")
        try:
            ph = floor("import-phases", str(files["json"]), str(self.work / "phases.db"))
        except RuntimeError as exc:
            g.figure = "not measured: the in-process import failed"
            self.res.details.append(f"import-phases: {str(exc)[-600:]}")
            return
        finally:
            remove_state(self.work / "phases.db")
        if ph["controllers"] is None:
            g.figure = ("not measured: the import did not call "
                        "kubesvc.controllers.run_controllers")
            return
        endpoints = sum(v for k, v in ph["phases"].items() if "endpoint" in k)
        g.figure = f"{ph['controllers']:.3f} s (n=1)"
        g.anchor = (f"of which endpoint controllers {endpoints:.3f} s; phases: " + ", ".join(
            f"{k} {v:.3f} s" for k, v in sorted(ph["phases"].items(), key=lambda kv: -kv[1])
            if v >= 0.001) + f". Whole import in process {ph['seconds']:.2f} s (loading "
            f"{ph['load'] or 0:.2f} s)")
        g.ratio = ph["controllers"] / 1.0
        g.ratio_text = f"{g.ratio:.2f}× the 1 s limit"
        g.met = ph["controllers"] < 1.0
        if ph["code"]:
            g.note = f"exit {ph['code']}"

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
        self.ep_seconds = fs["seconds"]
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
        self.get_pods_seconds = walls(runs["get pods -A"]).median
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

    # ---- check
    def check(self) -> None:
        n_svc = gen.sizes(self.scale)[0]
        g = self.res.goal("check", f"`kubesvc check` over the {n_svc}-Service state "
                          "(stdout to /dev/null)", "< 2 s")
        if "check" not in self.commands:
            g.figure = "not measured: `kubesvc check` not present"
            return
        cmd = self.ks(self.large, "check")
        first = run_captured(*cmd)  # the warm-up; a slow check counts it and runs once more
        lines = [x for x in first.stdout.decode(errors="replace").splitlines() if x.strip()]
        more = self.args.get_runs if first.wall < 5 else 1
        log(f"check: first run {first.wall:.1f} s, {more} more")
        runs = rotate({"check": cmd}, more, 0)["check"]
        w = walls(runs if more > 1 else [first, *runs])
        g.figure = w.fmt("s")
        g.anchor = "the 2 s limit"
        g.ratio = w.median / 2.0
        g.ratio_text = f"{g.ratio:.2f}× the 2 s limit"
        g.met = w.median < 2.0
        summary = lines[-1][:120] if lines else "(nothing)"
        g.note = f"exit {first.code} (1 = error-level findings); says: {summary}"

    # ---- resolve with NetworkPolicies (issue 13)
    def netpol_resolve(self, files) -> None:
        n_svc = gen.sizes(self.scale)[0]
        n_pol = sum(1 for line in files["netpol"].read_text().splitlines()
                    if line == "kind: NetworkPolicy")
        g = self.res.goal("resolve_netpol", f"resolve svc/NAME on the {n_svc}-Service state with "
                          f"{n_pol} NetworkPolicies (`kubesvc resolve svc/app-5 -n ns-05`)",
                          "< 100 ms beyond start-up")
        if "resolve" not in self.commands:
            g.figure = "not measured: `kubesvc resolve` not present"
            return
        state = self.work / "netpol.db"
        copy_state(self.large, state)
        log(f"resolve with policies: applying {n_pol} NetworkPolicies to a copy of the state")
        r = run_captured(*self.ks(state, "apply", "-f", str(files["netpol"])))
        outcome = apply_outcome(r)
        if r.code != 0 or outcome["errors"]:
            g.figure = (f"not measured: applying the NetworkPolicies failed (exit {r.code}): "
                        f"{outcome['first_error'][:160]}")
            remove_state(state)
            return
        cmd = ["resolve", "svc/app-5", "-n", "ns-05"]
        probe, probe_env = self.ks(state, *cmd, "-o", "json")
        _, out, _ = capture(probe, env=probe_env)
        if not re.search(r"NetworkPolic|network-policy|network policy", out, re.I):
            g.figure = ("not measured: resolve's answer names no NetworkPolicy (issue 13's "
                        "policy verdicts are not built yet)")
            remove_state(state)
            return
        cmds = {"get service (small)": self.ks(self.small, "get", "service"),
                "small": self.ks(self.small, "resolve", "svc/app-5", "-n", "default"),
                "large": self.ks(self.large, *cmd),
                "policies": self.ks(state, *cmd)}
        rounds = max(5, self.args.runs // 2)
        log(f"resolve with policies: {len(cmds)} commands in rotation, {rounds} rounds")
        runs = rotate(cmds, rounds, 1)
        remove_state(state)
        extra = Stats([x.wall - y.wall for x, y in
                       zip(runs["policies"], runs["small"], strict=True)])
        g.figure = walls(runs["policies"]).fmt("ms")
        g.anchor = (f"same command on the 10-Service state {walls(runs['small']).fmt('ms')}; "
                    f"on the state without policies {walls(runs['large']).fmt('ms')}; get "
                    f"service on the small state {walls(runs['get service (small)']).fmt('ms')}")
        g.ratio = extra.median
        g.ratio_text = f"{round(extra.median * 1e3):+d} ms over the small state"
        g.met = extra.median < 0.100
        codes = {r.code for r in runs["policies"]}
        g.note = (f"policies: {fmt_counts(outcome['counts'])}; exit codes {sorted(codes)} (1: "
                  "not delivered, e.g. a policy drops it)")

    # ---- kubectl through `kubesvc serve` (issue 12)
    def serve_get(self) -> None:
        n_pod = gen.sizes(self.scale)[1]
        g = self.res.goal("serve_get", f"`kubectl get pods -A` ({n_pod} pods) through `kubesvc "
                          "serve` (KUBECONFIG from `serve --kubeconfig`)",
                          "≤ 2× kubesvc get pods -A")
        if "serve" not in self.commands:
            g.figure = "not measured: `kubesvc serve` not present (issue 12)"
            return
        if not self.kubectl:
            g.figure = "not measured: kubectl not found"
            return
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        kubeconfig = self.work / "serve.kubeconfig"
        kubeconfig.unlink(missing_ok=True)
        log_path = self.work / "serve.log"
        cmd, env = self.ks(self.large, "serve", "--port", str(port), "--kubeconfig",
                           str(kubeconfig))
        with open(log_path, "wb") as log_fh:
            server = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=log_fh,
                                      stderr=subprocess.STDOUT)
        try:
            kenv = dict(ENV, KUBECONFIG=str(kubeconfig))
            kubectl = [self.kubectl, f"--cache-dir={self.work / 'kube-cache'}"]
            deadline, ready = time.monotonic() + 60, False
            while time.monotonic() < deadline and server.poll() is None:
                if kubeconfig.exists():
                    rc, _, _ = capture([*kubectl, "get", "--raw", "/version"], env=kenv)
                    if rc == 0:
                        ready = True
                        break
                time.sleep(0.5)
            if not ready:
                tail = log_path.read_bytes().decode(errors="replace").strip()[-200:]
                g.figure = (f"not measured: `kubesvc serve` did not answer within 60 s "
                            f"(exit {server.poll()}): {tail}")
                return
            check_k = run_captured([*kubectl, "get", "pods", "-A"], env=kenv)
            check_s = run_captured(*self.ks(self.large, "get", "pods", "-A"))
            # kubectl's own floor: the same answers from memory, a server that costs nothing
            replay = Replay(port).__enter__()
            replay_config = self.work / "replay.kubeconfig"
            replay_config.write_text(kubeconfig_for(replay.port))
            renv = dict(ENV, KUBECONFIG=str(replay_config))
            for _ in range(2):  # the second pass records what kubectl asks with a warm cache
                run_captured([*kubectl, "get", "pods", "-A"], env=renv)
            replay.frozen = True
            cmds = {"kubectl get pods -A (serve)": ([*kubectl, "get", "pods", "-A"], kenv),
                    "kubesvc get pods -A": self.ks(self.large, "get", "pods", "-A"),
                    "kubectl get pods -A (replay)": ([*kubectl, "get", "pods", "-A"], renv)}
            log(f"serve: kubectl get pods -A through serve on port {port}, "
                f"{self.args.get_runs} rounds")
            runs = rotate(cmds, self.args.get_runs, 1)
            replay.__exit__()
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        kw, sw = walls(runs["kubectl get pods -A (serve)"]), walls(runs["kubesvc get pods -A"])
        ratio = paired_ratio(runs["kubectl get pods -A (serve)"], runs["kubesvc get pods -A"])
        g.figure = kw.fmt("s")
        g.anchor = f"kubesvc get pods -A {sw.fmt('s')}"
        g.ratio, g.ratio_text = ratio.median, ratio.fmt("x")
        g.met = ratio.median <= 2.0
        floor_runs = runs["kubectl get pods -A (replay)"]
        fw = walls(floor_runs)
        floor_ratio = paired_ratio(floor_runs, runs["kubesvc get pods -A"])
        g.anchor += (f"; kubectl against a zero-cost server (the same answers replayed from "
                     f"memory) {fw.fmt('s')} = {floor_ratio.median:.2f}× kubesvc get pods -A, "
                     f"the floor no server can go below ({replay.misses} unrecorded requests); "
                     f"the server's share {max(kw.median - fw.median, 0):.3f} s")
        same = check_k.stdout == check_s.stdout
        g.note = (f"exit {check_k.code}; kubectl printed {len(check_k.stdout.splitlines())} "
                  f"lines, kubesvc {len(check_s.stdout.splitlines())}"
                  f"{' (identical)' if same else ' (they differ)'}")

    # ---- how cost grows with size
    def apply_manifest(self, files) -> Run:
        target = self.work / "apply.db"
        remove_state(target)
        log("apply -f manifest.json (no status, fresh state)")
        r = run_captured(*self.ks(target, "apply", "-f", str(files["manifest"])))
        remove_state(target)
        log(f"  {r.wall:.2f} s, {fmt_counts(apply_outcome(r)['counts'])}")
        return r

    def growth_point(self, scale: float, files) -> None:
        """At a smaller scale: one import of the dump, endpoints from scratch, get pods -A and
        one apply of the status-less manifest (the plot's points)."""
        self.scale = scale
        log(f"growth at scale {scale:g}: import -f dump.yaml (fresh state)")
        remove_state(self.large)
        r = run_captured(*self.ks(self.large, "import", "-f", str(files["dump"])))
        imp = apply_outcome(r)
        log(f"  {r.wall:.2f} s, {fmt_counts(imp['counts'])}")
        copy_state(self.large, self.work / "ep.db")
        try:
            ep = floor("endpoints", str(self.work / "ep.db"), str(self.args.ep_runs))
            ep_s = ep["from_scratch"]["seconds"]
        except RuntimeError as exc:
            ep_s = None
            self.res.details.append(f"growth {scale:g}: endpoints: {str(exc)[-300:]}")
        finally:
            remove_state(self.work / "ep.db")
        runs = rotate({"get": self.ks(self.large, "get", "pods", "-A")}, 2, 1)["get"]
        app = self.apply_manifest(files)
        self.record_growth(scale, app, r.wall, ep_s, walls(runs).median,
                           apply_outcome(app)["counts"], imp["counts"])

    def record_growth(self, scale, app: Run, imp: float, ep: float | None, get: float,
                      app_counts: dict, imp_counts: dict) -> None:
        self.growth[scale] = {"objects": object_count(scale), "apply": app.wall,
                              "import": imp, "endpoints": ep, "get pods -A": get,
                              "notes": f"apply: {fmt_counts(app_counts)}; import: "
                                       f"{fmt_counts(imp_counts)}"}

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
         "mem_json", "reapply_yaml", "reapply_json", "restore_yaml", "restore_json", "ep_all",
         "ep_import", "ep_one", "get_pods", "get_svc", "check", "resolve_svc", "resolve_dns",
         "resolve_netpol", "serve_get"]
GROWTH_SERIES = ("apply", "import", "endpoints", "get pods -A")


def growth_table(growth: dict[float, dict]) -> list[str]:
    out = ["| scale | objects | " + " | ".join(f"{k} s (s per 10k)" for k in GROWTH_SERIES)
           + " | notes |", "| --- | --- | " + "--- | " * len(GROWTH_SERIES) + "--- |"]
    for scale in sorted(growth):
        p = growth[scale]
        cells = []
        for k in GROWTH_SERIES:
            v = p.get(k)
            cells.append("n/a" if v is None else f"{v:.2f} ({v / (p['objects'] / 1e4):.2f})")
        out.append(f"| {scale:g} | {p['objects']} | " + " | ".join(cells) + f" | {p['notes']} |")
    return out


def draw_plot(growth: dict[float, dict], path: Path) -> str:
    """The plot, drawn by bench/plot.py in a child process (matplotlib stays out of this one).
    Returns a line for RESULTS.md."""
    data = path.with_suffix(".json")
    data.write_text(json.dumps({f"{k:g}": v for k, v in sorted(growth.items())}, indent=1))
    rc, out, err = capture([PY, str(HERE / "plot.py"), str(data), str(path)])
    if rc != 0:
        return f"Plot not drawn: {(err or out).strip().splitlines()[-1][:200]}"
    return f"![seconds per 10k objects against size]({path.name})"


def cell(text: str) -> str:
    """One markdown table cell: no line breaks, no bare pipes."""
    return " ".join(str(text).split()).replace("|", "\\|")


def render(suite: Suite, machine, elapsed: float, files, plot_line: str) -> str:
    a, res = suite.args, suite.res
    n_svc, n_pod, n_node = gen.sizes(suite.scale)
    n_pol = sum(1 for line in files["netpol"].read_text().splitlines()
                if line == "kind: NetworkPolicy") if files["netpol"].exists() else 0
    scales = ",".join(f"{x:g}" for x in a.scales)
    out = ["# kubesvc benchmark results", "",
           f"`python bench/run.py --scales {scales}` — suite wall time "
           f"{elapsed / 60:.1f} min. Goals at scale {suite.scale:g}; every scale gives the "
           f"growth table and plot. Start-up figures: {a.runs} rounds after {a.warmup} "
           f"warm-up (commands in rotation); bulk figures: {a.bulk_runs} run(s) each; "
           f"medians with [min..max]. Ratios are per-run pairs (kubesvc run ÷ the anchor run "
           "next to it) where both are whole runs; no test asserts any of these times.", "",
           "## Machine", "", "| | |", "| --- | --- |"]
    out += [f"| {k} | {v} |" for k, v in machine]
    out += ["", f"Bulk data: {gen.N_NS} Namespaces, {n_node} Nodes, {n_svc} Services, "
                f"{n_pod} Pods (pods with a live status: podIP, nodeName, conditions; "
                "Deployment-style labels and ReplicaSet owner references; the nodes they "
                "name are in the data, so importing exercises endpoint computation but not "
                f"scheduling); {n_pol} NetworkPolicies for the policy row. YAML "
                f"{files['yaml'].stat().st_size / 1e6:.1f} MB (multi-document), YAML dump "
                f"{files['dump'].stat().st_size / 1e6:.1f} MB (`kind: List`), JSON "
                f"{files['json'].stat().st_size / 1e6:.1f} MB (`List`), manifest without status "
                f"{files['manifest'].stat().st_size / 1e6:.1f} MB.", ""]
    met = [g for g in res.goals.values() if g.met]
    judged = [g for g in res.goals.values() if g.met is not None]
    unmeasured = len(res.goals) - len(judged)
    out += ["## Goals", "", f"{len(met)} of {len(judged)} measured goals met"
            f"{f'; {unmeasured} not measured' if unmeasured else ''}.",
            "", "| goal | kubesvc | compared with | ratio | target | result | notes |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for key in ORDER:
        g = res.goals.get(key)
        if g is None:
            continue
        out.append("| " + " | ".join(cell(x) for x in (
            g.title, g.figure, g.anchor, g.ratio_text, g.target, f"**{g.status()}**", g.note))
            + " |")
    out += ["", "## How cost grows", "",
            "Seconds per 10k objects against the data's size (objects in the dump): flat lines "
            "are linear. apply = `kubesvc apply -f` of the status-less manifest (JSON) into a "
            "fresh state; import = `kubesvc import -f dump.yaml`; endpoints = every Service's "
            "endpoints from scratch (in process); get pods -A = the whole command. One run "
            "each below the goal scale; at the goal scale, the goal rows' medians.", ""]
    out += growth_table(suite.growth)
    out += ["", plot_line]
    out += ["", "## Anchors (same run)", "", "| anchor | measured |", "| --- | --- |"]
    out += [f"| {k} | {v} |" for k, v in res.anchors]
    if res.details:
        out += ["", "## Details", ""] + [f"- {d}" for d in res.details]
    out += ["", "How each figure is taken: see bench/README.md.", ""]
    return "\n".join(out)


def print_table(res: Results, growth: dict) -> None:
    print("\n" + "=" * 100)
    for key in ORDER:
        g = res.goals.get(key)
        if g is None:
            continue
        print(f"{g.status():8s} {g.title}\n         kubesvc {g.figure} | vs {g.anchor}\n"
              f"         ratio {g.ratio_text} (target {g.target}) {g.note}")
    print("\n".join(growth_table(growth)))
    print("=" * 100)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scales", default="0.1,0.3,1",
                   help="comma-separated bulk size factors (1.0 = 10,000 Services + 50,000 "
                        "Pods): every goal at 1 (or the largest when 1 is not among them), "
                        "the growth points at each (default 0.1,0.3,1; add 3 for the large "
                        "point)")
    p.add_argument("--scale", type=float,
                   help="one scale only (e.g. 0.1 for a quick run): same as --scales S")
    p.add_argument("--out", default=str(HERE / "RESULTS.md"), help="results file (markdown)")
    p.add_argument("--plot", help="growth plot (SVG or PNG; default growth.svg next to --out)")
    p.add_argument("--runs", type=int, help="start-up rounds (default 20; 10 below scale 0.5)")
    p.add_argument("--warmup", type=int, default=2, help="start-up warm-up rounds")
    p.add_argument("--bulk-runs", type=int,
                   help="runs of each bulk import at the goal scale (default 2; 1 below "
                        "scale 0.5)")
    p.add_argument("--get-runs", type=int, help="rounds of the get/check commands (default "
                                                "5; 3 below scale 0.5)")
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
    args.scales = sorted({float(x) for x in args.scales.split(",") if x.strip()}
                         if args.scale is None else {args.scale})
    # the goals are defined at 60,220 objects: measured at scale 1 when it is in the run
    args.goal_scale = 1.0 if 1.0 in args.scales else max(args.scales)
    quick = args.goal_scale < 0.5
    args.runs = args.runs or (10 if quick else 20)
    args.bulk_runs = args.bulk_runs or (1 if quick else 2)
    args.get_runs = args.get_runs or (3 if quick else 5)
    args.kv_sample = args.kv_sample or (60 if quick else 200)
    args.plot = Path(args.plot) if args.plot else Path(args.out).with_name("growth.svg")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    t0 = time.perf_counter()
    suite = Suite(args)
    machine = machine_info(suite.kubesvc, suite.kubectl)
    for k, v in machine:
        log(f"{k}: {v}")
    data_dir = Path(args.data or Path(tempfile.gettempdir()) / "kubesvc-bench-data")
    top = args.goal_scale
    try:
        suite.setup_small(data_files(data_dir, top))
        suite.startup()  # first, while nothing else has run yet
        for scale in args.scales:
            if scale != top:
                suite.growth_point(scale, data_files(data_dir, scale, ("dump", "manifest")))
                continue
            suite.scale = top
            files = data_files(data_dir, top, ("yaml", "json", "dump", "manifest", "netpol"))
            suite.bulk(files, object_count(top))
            suite.restore(files, object_count(top))
            suite.import_phases(files)
            suite.endpoints()
            suite.gets()
            suite.check()
            suite.resolve()
            suite.netpol_resolve(files)
            suite.serve_get()
            suite.recheck()
            app = suite.apply_manifest(files)
            suite.record_growth(top, app, walls(suite.restore_runs).median,
                                getattr(suite, "ep_seconds", None), suite.get_pods_seconds,
                                apply_outcome(app)["counts"],
                                apply_outcome(suite.restore_runs[-1])["counts"])
        suite.scale = top
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(suite.work, ignore_errors=True)
    plot_line = draw_plot(suite.growth, args.plot)
    elapsed = time.perf_counter() - t0
    text = render(suite, machine, elapsed, files, plot_line)
    Path(args.out).write_text(text)
    print_table(suite.res, suite.growth)
    log(f"results written to {args.out} ({elapsed / 60:.1f} min); plot: {plot_line}")


if __name__ == "__main__":
    main()
