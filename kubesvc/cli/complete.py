"""`kubesvc __complete WORDS...`: the answer to one TAB, without importing Typer.

The scripts `kubesvc completion SHELL` prints call this on every TAB with the words after the
program name, the last one being the word under the cursor (empty after a space). The answer is
one candidate a line, `candidate<TAB>description` where a description helps, and a last line
`:DIRECTIVE`, a sum of the bits below (the protocol cobra programs such as kubectl speak, so the
scripts read like kubectl's). Candidates come from kubesvc/data/cli-spec.json (verbs, flags,
kinds: generated from the Typer app by kubesvc.cli.complete_spec) and, for names, straight from
the state file (kubesvc.store.tab_reader).

Start-up is the whole cost of a TAB, so this module and store/tab_reader import `os` and `sys`
(already loaded by Python itself), `json` and, only when names are asked for, sqlite3's C
extension. Nothing else.
"""

from __future__ import annotations

import os
import sys

from kubesvc.store.tab_reader import StateReader

# directives (cobra's ShellCompDirective values)
DEFAULT = 0  # no candidates: let the shell complete file names
ERROR = 1  # something went wrong: complete nothing
NO_SPACE = 2  # do not add a space after the (single) candidate
NO_FILE = 4  # no candidates: complete nothing (not file names)
FILTER_EXT = 8  # the candidates are file extensions: complete files with them, and folders
FILTER_DIRS = 16  # complete folder names only

SPEC_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "cli-spec.json")
_OPEN_ENDED = ("/", ":", "=", ",")  # a single candidate ending so is continued, not finished
_SERVICE_PREFIXES = ("svc/", "service/", "services/")


def main(words: list[str]) -> int:
    """Print the candidates for `words` (the last one is the word being completed)."""
    try:
        items, directive = Completer(words).run()
    except Exception:  # a TAB must never print a traceback into the user's command line
        if os.environ.get("KUBESVC_COMPLETE_DEBUG"):
            import traceback

            traceback.print_exc()
        items, directive = [], ERROR
    out = []
    for value, desc in items:
        desc = " ".join(desc.split()) if desc else ""
        out.append(f"{value}\t{desc}\n" if desc else f"{value}\n")
    out.append(f":{directive}\n")
    try:
        sys.stdout.write("".join(out))
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    return 0


def load_spec() -> dict:
    import json

    with open(SPEC_PATH, encoding="utf-8") as fh:
        return json.load(fh)


class Completer:
    def __init__(self, words: list[str], spec: dict | None = None):
        self.words = list(words) or [""]
        self.cur = self.words[-1]
        self.spec = spec if spec is not None else load_spec()
        self.root = self.spec["root"]
        self.state: str | None = None
        self.namespace: str | None = None
        self.all_namespaces = False
        self.positionals: list[str] = []
        self._state: StateReader | None = None
        self._resources: list[dict] | None = None

    # -- reading the command line ----------------------------------------------------------

    def run(self) -> tuple[list[tuple[str, str]], int]:
        node = self.root
        seen: set[str] = set()
        pending = None
        dashdash = False
        for word in self.words[:-1]:
            if pending is not None:
                self._record(pending, word)
                pending = None
            elif not dashdash and word == "--":
                dashdash = True
            elif not dashdash and word.startswith("-") and word != "-":
                for opt, value in self._parse_flag(node, word):
                    seen.add(opt["names"][0])
                    if opt.get("value") is None:  # a boolean: `--flag=false` too (pflag)
                        self._record(opt, value)
                    elif value is None:
                        pending = opt
                    else:
                        self._record(opt, value)
            elif node.get("commands") and not self.positionals and word in node["commands"]:
                node = node["commands"][word]
            else:
                self.positionals.append(word)
        self.node = node
        cur = self.cur
        if pending is not None:
            return self._value(pending, cur, "")
        if not dashdash and cur.startswith("-"):
            return self._flag_word(node, cur, seen)
        return self._positional(node, cur)

    def _options(self, node: dict) -> list[dict]:
        return node["options"] if node is self.root else node["options"] + self.root["options"]

    def _option(self, node: dict, name: str) -> dict | None:
        for opt in self._options(node):
            if name in opt["names"]:
                return opt
        return None

    def _parse_flag(self, node: dict, word: str) -> list[tuple[dict, str | None]]:
        """The options one word sets: `--opt`, `--opt=v`, `-o`, `-ov`, `-o=v`, `-Ao v`."""
        if word.startswith("--"):
            name, eq, value = word.partition("=")
            opt = self._option(node, name)
            return [(opt, value if eq else None)] if opt else []
        found = []
        for i in range(1, len(word)):
            opt = self._option(node, "-" + word[i])
            if opt is None:
                break
            if opt.get("value") is not None:
                rest = word[i + 1:]
                found.append((opt, (rest[1:] if rest.startswith("=") else rest) or None))
                break
            found.append((opt, None))
        return found

    def _record(self, opt: dict, value: str | None) -> None:
        names = opt["names"]
        if "--all-namespaces" in names:  # pflag's `--all-namespaces=false` too
            self.all_namespaces = value not in {"0", "f", "F", "FALSE", "false", "False"}
        elif "--namespace" in names:
            self.namespace = value
        elif "--state" in names:
            self.state = value

    # -- what the word under the cursor can be ---------------------------------------------

    def _flag_word(self, node: dict, cur: str, seen: set[str]):
        if cur.startswith("--") and "=" in cur:
            name, _, value = cur.partition("=")
            opt = self._option(node, name)
            if opt is not None and opt.get("value") is not None:
                return self._value(opt, value, name + "=")
            return [], NO_FILE
        if not cur.startswith("--") and len(cur) > 2:
            parsed = self._parse_flag(node, cur)
            if parsed and parsed[-1][0].get("value") is not None and parsed[-1][1] is not None:
                opt, value = parsed[-1]
                return self._value(opt, value, cur[: len(cur) - len(value)])
        items = []
        for opt in node["options"]:
            if opt["names"][0] in seen and not opt.get("repeat"):
                continue
            for name in opt["names"]:
                if name.startswith(cur) and (name.startswith("--") or not cur.startswith("--")):
                    items.append((name, opt.get("help", "")))
        return items, NO_FILE

    def _value(self, opt: dict, value: str, prefix: str):
        kind = opt.get("value")
        if kind == "file":
            if opt.get("extensions") and not prefix:
                return [(e, "") for e in opt["extensions"]], FILTER_EXT
            return [], DEFAULT
        if kind == "choice":
            items = [(c, "") for c in opt.get("choices", [])]
        elif kind == "namespace":
            items = [(n, "") for n in self.namespaces()]
        elif kind == "selector":
            items = self.label_pairs(value)
        elif kind == "client":
            items = self.clients(value)
        else:
            return [], NO_FILE
        return self._finish([(prefix + v, d) for v, d in items], prefix + value)

    def _positional(self, node: dict, cur: str):
        commands = node.get("commands")
        if commands:
            if self.positionals:
                return [], NO_FILE
            return self._finish([(name, sub.get("help", "")) for name, sub in commands.items()
                                 if not sub.get("hidden")], cur)
        index, arg, before = 0, None, []
        for candidate in node.get("args", []):
            if candidate["nargs"] < 0 or len(self.positionals) < index + candidate["nargs"]:
                arg, before = candidate, self.positionals[index:]
                break
            index += candidate["nargs"]
        if arg is None:
            return [], NO_FILE
        kind = arg["kind"]
        if kind == "resource":
            items = self.resource_words(arg, before, cur)
        elif kind == "node":
            items = [(n, "") for n in self.names("Node", False, cur)]
        elif kind == "target":
            items = self.targets(cur)
        elif kind == "choice":  # one of them, once (`completion SHELL`)
            items = [] if before else [(c, "") for c in arg.get("choices", [])]
        elif kind == "file":
            return [], DEFAULT
        else:
            return [], NO_FILE
        return self._finish(items, cur)

    @staticmethod
    def _finish(items: list[tuple[str, str]], cur: str):
        seen: set[str] = set()
        found = []
        for value, desc in items:
            if value.startswith(cur) and value not in seen:
                seen.add(value)
                found.append((value, desc))
        directive = NO_FILE
        if len(found) == 1 and found[0][0].endswith(_OPEN_ENDED):
            directive |= NO_SPACE
        return found, directive

    # -- resource kinds and names ----------------------------------------------------------

    def resources(self) -> list[dict]:
        """The spec's kinds, and those of the CustomResourceDefinitions in the state."""
        if self._resources is None:
            found = list(self.spec["resources"])
            known = {r["gk"] for r in found}
            for entry in self.store().crd_resources():
                if entry["gk"] not in known:
                    known.add(entry["gk"])
                    found.append(entry)
            self._resources = found
        return self._resources

    def lookup(self, word: str) -> dict | None:
        """The kind a user means by `svc`, `services`, `Service`, `deployments.apps`,
        `deployments.v1.apps`."""
        low = word.lower()
        parts = low.split(".")
        tries = [low] if len(parts) < 3 else [low, ".".join([parts[0], *parts[2:]])]
        for want in tries:
            for r in self.resources():
                names = {r["plural"], r["singular"], r["kind"].lower(), *r.get("short", ())}
                if want in names:
                    return r
                group = r.get("group")
                if group and want.endswith("." + group) and want[: -len(group) - 1] in names:
                    return r
        return None

    def kind_words(self, allow_all: bool, cur: str, suffix: str = "") -> list[tuple[str, str]]:
        items = [("all", "every kind of the all category")] if allow_all else []
        qualified = "." in cur
        for r in sorted(self.resources(), key=lambda r: r["plural"]):
            group = r.get("group")
            kind = f"{r['kind']} ({group})" if group else r["kind"]
            items.append((r["plural"] + suffix, kind))
            for short in r.get("short", ()):
                items.append((short + suffix, f"{r['plural']}: {kind}"))
            if qualified and group:
                items.append((f"{r['plural']}.{group}{suffix}", kind))
        return items

    def resource_words(self, arg: dict, before: list[str], cur: str) -> list[tuple[str, str]]:
        """TYPE, then NAMEs (arg names: many|one|none), or TYPE/NAME words."""
        wants_names = arg.get("names", "none") != "none"
        many = arg.get("names") == "many"
        if wants_names and "/" in cur:
            kind, _, partial = cur.partition("/")
            res = self.lookup(kind)
            if res is None:
                return []
            taken = {b.partition("/")[2] for b in before if b.partition("/")[0] == kind}
            return [(f"{kind}/{n}", "") for n in self.names(res["gk"], res["namespaced"], partial)
                    if n not in taken]
        if any("/" in b for b in before):  # TYPE/NAME form: every word is one
            return self.kind_words(False, cur, "/") if many else []
        if not before:
            if "," in cur:
                head, _, _ = cur.rpartition(",")
                listed = set(head.split(","))
                return [(f"{head},{w}", d) for w, d in self.kind_words(many, cur.rpartition(",")[2])
                        if w not in listed]
            return self.kind_words(many, cur)
        if not wants_names or "," in before[0] or (len(before) > 1 and not many):
            return []
        kind = before[0]
        if kind == "all":
            return []
        res = self.lookup(kind)
        if res is None:
            return []
        taken = set(before[1:])
        return [(n, "") for n in self.names(res["gk"], res["namespaced"], cur) if n not in taken]

    def store(self) -> StateReader:
        """The state file, opened on first use: `--state` is known once the words are read."""
        if self._state is None:
            self._state = StateReader(self.state)
        return self._state

    def current_namespace(self) -> str:
        return self.namespace or "default"

    def names(self, gk: str, namespaced: bool, prefix: str = "") -> list[str]:
        """Names of one kind in the namespace (-n, default `default`; -A: every namespace)."""
        if namespaced and self.all_namespaces:
            return self.store().names(gk, None, prefix)
        return self.store().names(gk, self.current_namespace() if namespaced else "", prefix)

    def namespaces(self) -> list[str]:
        return self.store().namespaces()

    def label_pairs(self, value: str) -> list[tuple[str, str]]:
        """`-l KEY=VALUE[,KEY=VALUE]`: the labels of the objects in the namespace (of the kind
        named on the command line, when there is one)."""
        head, comma, _ = value.rpartition(",")
        used = {p.split("=")[0].split("!")[0] for p in head.split(",")} if comma else set()
        gk = None
        node_args = getattr(self, "node", {}).get("args", [])
        if self.positionals and node_args and node_args[0]["kind"] == "resource":
            res = self.lookup(self.positionals[0].partition("/")[0].split(",")[0])
            gk = None if res is None else res["gk"]
        namespace = None if self.all_namespaces else self.current_namespace()
        prefix = head + comma
        return [(f"{prefix}{k}={v}", "") for k, v in self.store().labels(gk, namespace)
                if k not in used]

    def clients(self, value: str) -> list[tuple[str, str]]:
        """`--from pod:[NS/]NAME | node:NAME | external[:SRC_IP]`."""
        kind, colon, rest = value.partition(":")
        if not colon:
            return [("pod:", "a pod: pod:NAME or pod:NAMESPACE/NAME"),
                    ("node:", "a node's host network"),
                    ("external", "a client outside the cluster")]
        if kind == "node":
            return [(f"node:{n}", "") for n in self.names("Node", False, rest)]
        if kind != "pod":
            return []
        if "/" in rest:
            ns, _, partial = rest.partition("/")
            saved, self.namespace, self.all_namespaces = self.namespace, ns, False
            try:
                return [(f"pod:{ns}/{n}", "") for n in self.names("Pod", True, partial)]
            finally:
                self.namespace = saved
        items = [(f"pod:{n}", "") for n in self.names("Pod", True, rest)]
        items += [(f"pod:{ns}/", f"pods in {ns}") for ns in self.namespaces()]
        return items

    def targets(self, cur: str) -> list[tuple[str, str]]:
        """resolve's TARGET: svc/NAME, and NAME:PORT with the Service's ports."""
        low = cur.lower()
        for prefix in _SERVICE_PREFIXES:
            if low.startswith(prefix):
                return [(cur[: len(prefix)] + n, "") for n in
                        self.names("Service", True, cur[len(prefix):])]
        name, colon, _ = cur.partition(":")
        if colon:
            return self.service_ports(name)
        services = self.names("Service", True)
        return ([(f"svc/{n}", "every way in to the Service") for n in services]
                + [(f"{n}:", "the Service's name and a port") for n in services])

    def service_ports(self, name: str) -> list[tuple[str, str]]:
        items = []
        for port in self.store().service_ports(self.current_namespace(), name):
            if "port" not in port:
                continue
            desc = "/".join(str(p) for p in (port.get("name"), port.get("protocol")) if p)
            items.append((f"{name}:{port['port']}", desc))
        return items


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
