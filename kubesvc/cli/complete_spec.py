"""Generate kubesvc/data/cli-spec.json, the static half of shell completion.

`kubesvc __complete` (kubesvc/cli/complete.py) answers every TAB without importing Typer: what
it knows about verbs, flags and resource kinds it reads from this JSON file, written here by
walking the Typer app through its click objects. A test regenerates it and compares, so it
cannot drift from the CLI; after changing a verb or a flag, run

    python -m kubesvc.cli.complete_spec          # rewrites the spec and completions/*
    python -m kubesvc.cli.complete_spec --check  # exit 1 when either is stale

What the walk cannot see in the click objects (which values a flag takes) comes from, in order:
the option's name (`--namespace`: namespaces in the state; `--filename`: manifest files), the
verb's own `check_output(output, FORMATS)` call for `-o`, a `choices` attribute on the click
type, and finally the help text ("json|yaml", 'Must be "none", "server", or "client"').
Positional arguments are read from their metavar: TYPE (resource kinds, then names), NODE,
TARGET (resolve's), FILE/PATH.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import re
import sys
import textwrap

SPEC_VERSION = 1
DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data")
SPEC_PATH = os.path.join(DATA_DIR, "cli-spec.json")
REPO_COMPLETIONS = os.path.join(os.path.dirname(os.path.dirname(DATA_DIR)), "completions")
MANIFEST_EXTENSIONS = ["yaml", "yml", "json"]

# value kinds that the option's name decides, whatever its help says
_BY_OPTION_NAME: dict[str, dict[str, object]] = {
    "--namespace": {"value": "namespace"},
    "--selector": {"value": "selector"},
    "--from": {"value": "client"},
    "--filename": {"value": "file", "extensions": MANIFEST_EXTENSIONS},
    "--state": {"value": "file"},
    "--config": {"value": "file"},
}
_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_PIPE_LIST = re.compile(r"(?<![\w$/.-])([A-Za-z0-9][\w.-]*(?:\|[A-Za-z0-9][\w.-]*)+)")
_PARENTHESES = re.compile(r"\((?!or )[^)]*\)")  # "(default ...)", but not "(or true)"


def short_help(text: str | None, limit: int = 70) -> str:
    """The first sentence of a help text, on one line, for zsh/fish/PowerShell descriptions."""
    text = " ".join((text or "").replace("\b", "").split())
    m = re.match(r"(.+?\.)(\s|$)", text)
    first = m.group(1) if m else text
    if first.endswith(".") and not first.endswith(".."):
        first = first[:-1]
    return first if len(first) <= limit else first[: limit - 3].rstrip() + "..."


def choices_from_help(text: str | None) -> list[str]:
    """The values a help text lists: `a|b|c`, `Must be "a", "b", or "c"`, `one of: a (or x), b`,
    `The type of patch: a, b or c`. Nothing when the text lists no plain words."""
    text = " ".join((text or "").split())
    if not text:
        return []
    m = _PIPE_LIST.search(text)
    if m:
        return _unique(w.rstrip(".") for w in m.group(1).split("|"))
    if "must be" in text.lower() or "one of" in text.lower():
        quoted = re.findall(r'"([^"]+)"', text)
        if len(quoted) >= 2 and all(_WORD.match(q) for q in quoted):
            return _unique(quoted)
    plain = _PARENTHESES.sub("", text)
    for marker in ("one of:", "must be", ":"):
        idx = plain.lower().find(marker)
        if idx < 0:
            continue
        tail = plain[idx + len(marker):].split(". ")[0].strip().rstrip(".")
        words: list[str] = []
        for part in re.split(r",\s*(?:or\s+)?|\s+or\s+", tail):
            part = part.strip().strip("'\"")
            alias = re.fullmatch(r"(\S+)\s+\(or\s+(\S+)\)", part)
            words.extend(alias.groups() if alias else [part])
        if len(words) >= 2 and all(_WORD.match(w) for w in words):
            return _unique(words)
        break
    return []


def _unique(items) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def formats_of(callback, depth: int = 2) -> list[str] | None:
    """The -o values a verb accepts, read from its `check_output(output, ...)` call, in the
    verb's function or in a function of its module that it calls."""
    func = inspect.unwrap(callback)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return None
    helpers = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
            node.func, "id", None)
        if name != "check_output" or len(node.args) < 2:
            helper = func.__globals__.get(name) if isinstance(node.func, ast.Name) else None
            if inspect.isfunction(helper) and helper.__module__ == func.__module__:
                helpers.append(helper)
            continue
        allowed = node.args[1]
        if isinstance(allowed, ast.Tuple | ast.List):
            return [e.value for e in allowed.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        value = _constant(allowed, func.__globals__)
        if value is None:  # an expression: `tuple(f.rstrip("=") for f in FORMATS)` -> FORMATS
            value = next((v for v in (_constant(n, func.__globals__) for n in ast.walk(allowed)
                                      if isinstance(n, ast.Name)) if _strings(v)), None)
        return list(value) if _strings(value) else None
    for helper in helpers if depth > 0 else ():
        found = formats_of(helper, depth - 1)
        if found is not None:
            return found
    return None


def _strings(value) -> bool:
    return isinstance(value, tuple | list) and bool(value) and all(
        isinstance(v, str) for v in value)


def _constant(node, scope: dict):
    """The value a name (`FORMATS`) or dotted name (`resolve.FORMATS`) has in `scope`."""
    if isinstance(node, ast.Name):
        return scope.get(node.id)
    if isinstance(node, ast.Attribute):
        return getattr(_constant(node.value, scope), node.attr, None)
    return None


def _option(param, formats: list[str] | None, versions: list[str]) -> dict:
    names = [*param.opts, *param.secondary_opts]
    entry: dict = {"names": names}
    if param.is_flag or param.count:
        entry["value"] = None
    else:
        kind = next((_BY_OPTION_NAME[n] for n in names if n in _BY_OPTION_NAME), None)
        choices = None
        if kind is None and "--output" in names:
            choices = formats or choices_from_help(param.help)
        elif kind is None and "--kubernetes-version" in names:
            choices = versions
        if kind is None and choices is None:
            type_choices = getattr(param.type, "choices", None)
            if type_choices:
                choices = [str(c) for c in type_choices]
            elif type(param.type).__name__ == "BoolParamType":
                choices = ["true", "false"]
            elif type(param.type).__name__ in ("File", "Path") or (
                    param.metavar or "").upper() in ("PATH", "FILE", "DIR"):
                kind = {"value": "file"}
            elif "|" in (param.metavar or ""):
                choices = choices_from_help(param.metavar) or None
            else:
                choices = choices_from_help(param.help) or None
        if kind is not None:
            entry.update(kind)
        elif choices:
            entry.update(value="choice", choices=list(choices))
        else:
            entry["value"] = "any"
    if param.multiple:
        entry["repeat"] = True
    entry["help"] = short_help(param.help)
    return entry


def _argument(param) -> dict:
    metavar = param.metavar or param.name.upper()
    upper = metavar.upper()
    entry: dict = {"metavar": metavar, "nargs": param.nargs}
    type_choices = getattr(param.type, "choices", None)
    help_choices = choices_from_help(getattr(param, "help", None))
    if "TYPE" in upper:
        entry["kind"] = "resource"
        entry["names"] = ("many" if "NAME..." in upper else
                          "one" if "NAME" in upper else "none")
    elif "NODE" in upper:
        entry["kind"] = "node"
    elif "TARGET" in upper:
        entry["kind"] = "target"
    elif type_choices or help_choices:
        entry["kind"] = "choice"
        entry["choices"] = [str(c) for c in type_choices] if type_choices else help_choices
    elif type(param.type).__name__ in ("File", "Path") or upper in ("FILE", "PATH", "DIR"):
        entry["kind"] = "file"
    else:
        entry["kind"] = "any"
    return entry


def _command(cmd, ctx, formats_for, versions) -> dict:
    node: dict = {"help": short_help(cmd.get_short_help_str(limit=200))}
    options = []
    for param in cmd.params:
        if getattr(param, "hidden", False):
            continue
        if param.param_type_name == "option":
            options.append(_option(param, formats_for(cmd), versions))
    help_option = cmd.get_help_option(ctx)
    if help_option is not None:  # its names come from a set: put them in the declared order
        names = sorted(help_option.opts, key=lambda n: (
            ctx.help_option_names.index(n) if n in ctx.help_option_names else 99, n))
        options.append({"names": names, "value": None,
                        "help": short_help(help_option.help)})
    node["options"] = options
    args = [_argument(p) for p in cmd.params if p.param_type_name == "argument"]
    if args:
        node["args"] = args
    subcommands = getattr(cmd, "commands", None)
    if subcommands:
        from typer._click import core

        node["commands"] = {}
        for name in cmd.list_commands(ctx):
            sub = subcommands[name]
            sub_ctx = core.Context(sub, info_name=name, parent=ctx, **sub.context_settings)
            node["commands"][name] = _command(sub, sub_ctx, formats_for, versions)
            if sub.hidden:  # parsed (an alias such as `create svc`), never offered
                node["commands"][name]["hidden"] = True
    return node


def _resources() -> list[dict]:
    """Every kind kubesvc knows, as the completion engine matches them: plural first."""
    from kubesvc.api.resources import KNOWN
    from kubesvc.apiserver.crds import builtin_crds, crd_kinds, to_resource

    found = list(KNOWN)
    for crd in builtin_crds():
        kinds = crd_kinds(crd)
        if kinds:
            found.append(to_resource(crd, kinds[0]))
    out = []
    for r in found:
        entry = {"plural": r.plural, "kind": r.kind, "gk": r.gk, "singular": r.singular,
                 "short": list(r.short), "namespaced": r.namespaced}
        if r.group:
            entry["group"] = r.group
        if r.in_all:
            entry["all"] = True
        out.append(entry)
    return out


def build_spec(app=None) -> dict:
    """The completion spec of `app` (default: kubesvc's Typer app)."""
    import typer.main
    from typer._click import core

    if app is None:
        from kubesvc.cli.main import app
    from kubesvc.apiserver.schema import supported_versions

    root = typer.main.get_command(app)
    ctx = core.Context(root, info_name="kubesvc", **root.context_settings)

    def formats_for(cmd):
        return formats_of(cmd.callback) if cmd.callback else None

    return {
        "_generated_by": "python -m kubesvc.cli.complete_spec (do not edit)",
        "version": SPEC_VERSION,
        "root": _command(root, ctx, formats_for, supported_versions()),
        "resources": _resources(),
    }


def render_spec(spec: dict) -> str:
    return json.dumps(spec, indent=1, ensure_ascii=False) + "\n"


def completion_files() -> dict[str, str]:
    """completions/ file name -> the script `kubesvc completion SHELL` prints."""
    from kubesvc.cli.completion_cmd import FILE_NAMES, script

    return {name: script(shell) for shell, name in FILE_NAMES.items()}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    check = "--check" in argv
    wanted = {SPEC_PATH: render_spec(build_spec())}
    wanted.update({os.path.join(REPO_COMPLETIONS, n): text
                   for n, text in completion_files().items()})
    stale = []
    for path, text in wanted.items():
        try:
            with open(path, encoding="utf-8") as fh:
                current = fh.read()
        except FileNotFoundError:
            current = None
        if current == text:
            continue
        stale.append(os.path.relpath(path))
        if not check:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
    for path in stale:
        print(f"{'stale' if check else 'wrote'}: {path}")
    if check and stale:
        print("run: python -m kubesvc.cli.complete_spec", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
