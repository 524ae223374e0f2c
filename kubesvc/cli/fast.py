"""Start-up fast path for `kubesvc get`, the verb run most often (and by scripts in loops):
the arguments are parsed here without importing Typer (~35 ms of the ~45 ms a command would
otherwise spend importing), then the very same GetView runs as under Typer.

Anything this parser does not handle (help, watch, an unknown or malformed flag, a global flag
it does not know) returns None, and the Typer app takes over, so behaviour never differs:
only the time to get there. The flag table is checked against the Typer command by a test.
"""

from __future__ import annotations

from kubesvc.cli.flags import FALSE_WORDS, TRUE_WORDS

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up)

if TYPE_CHECKING:  # imported when run, after the parse (help and --watch never need it)
    from kubesvc.kubectl.environment import Environment

# long flag -> (short flag, GetView field, takes a value)
GET_FLAGS = {
    "--namespace": ("-n", "namespace", True),
    "--all-namespaces": ("-A", "all_namespaces", False),
    "--selector": ("-l", "selector", True),
    "--field-selector": (None, "field_selector", True),
    "--output": ("-o", "output", True),
    "--sort-by": (None, "sort_by", True),
    "--label-columns": ("-L", "label_columns", True),
    "--show-kind": (None, "show_kind", False),
    "--no-headers": (None, "no_headers", False),
    "--show-labels": (None, "show_labels", False),
    "--state": (None, "state", True),
}
SLOW_FLAGS = {"--watch", "-w", "--request-timeout", "--help", "-h"}  # left to Typer
_SHORT = {short: long for long, (short, _, _) in GET_FLAGS.items() if short}


def parse_get(words: list[str]) -> dict | None:
    """The GetView fields for `get WORDS...`, or None to let Typer parse them."""
    opts: dict = {"args": [], "label_columns": []}
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            opts["args"].extend(words[i + 1:])
            break
        if not word.startswith("-") or word == "-":
            opts["args"].append(word)
            i += 1
            continue
        flag, value, i = _flag(words, i)
        if flag is None:
            return None
        _, field, _ = GET_FLAGS[flag]
        if field == "label_columns":
            opts[field].extend(value.split(","))
        else:
            opts[field] = value
    return opts


def _flag(words: list[str], i: int):
    """(long flag, value, next index), or (None, None, i) for what Typer must handle. pflag's
    forms too: `-n=NS` (the `=` is not part of the value) and `-A=true` / `--show-kind=false`
    (cli/flags.py does the same for Typer)."""
    word = words[i]
    if word in SLOW_FLAGS:
        return None, None, i
    name, eq, attached = word.partition("=") if word.startswith("--") else (word[:2], "", word[2:])
    if not eq and attached.startswith("="):
        eq, attached = "=", attached[1:]
    flag = name if name.startswith("--") else _SHORT.get(name)
    if flag not in GET_FLAGS:
        return None, None, i
    if not GET_FLAGS[flag][2]:
        if not eq and not attached:
            return flag, True, i + 1
        if eq and attached in TRUE_WORDS | FALSE_WORDS:
            return flag, attached in TRUE_WORDS, i + 1
        return None, None, i
    if eq or attached:
        return flag, attached, i + 1
    if i + 1 >= len(words):
        return None, None, i
    return flag, words[i + 1], i + 2


def run_get(argv: list[str], env: Environment | None = None) -> int | None:
    """Run `get` without Typer; None when the words need the full parser. `env` defaults to
    the process's streams and environment variables."""
    opts = parse_get(argv)
    if opts is None:
        return None
    from kubesvc.api.errors import KubesvcError
    from kubesvc.cli import runtime
    from kubesvc.kubectl.environment import Environment

    env = env or Environment()

    try:
        from kubesvc.cli.get_view import FORMATS, GetView, _output, format_key
        from kubesvc.kubectl.session import read_session

        runtime.check_output(format_key(opts.get("output")), FORMATS)
        fmt, arg = _output(opts.get("output"))
        view = GetView(opts["args"], opts.get("namespace"), bool(opts.get("all_namespaces")),
                       opts.get("selector"), opts.get("field_selector"), fmt, arg,
                       opts.get("sort_by"), opts["label_columns"], bool(opts.get("show_kind")),
                       bool(opts.get("no_headers")), bool(opts.get("show_labels")))
        store = None
        try:
            with read_session(env, opts.get("state")) as store:
                return view.run(env, store)
        finally:  # closed now, not when the interpreter ends (entry.main may never let it)
            if store is not None:
                store.close()
    except KubesvcError as exc:
        env.err(str(exc))
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except Exception as exc:
        return runtime.unexpected(env, exc)
