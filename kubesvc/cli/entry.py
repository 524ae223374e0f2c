"""The console-script entry point, kept tiny: shell completion requests (`kubesvc __complete
...`, sent on every TAB) and plain `get` commands are answered without importing Typer; every
other command goes to the Typer app."""

from __future__ import annotations

import sys

# kubectl's global (persistent) flags that `get` also takes: before the verb they mean the same
GLOBAL_VALUE_FLAGS = ("--state", "--namespace", "-n")


def globals_after_get(argv: list[str]) -> list[str]:
    """`--state S -n NS get ...` as `get --state S -n NS ...`, for the fast path; any other
    command line unchanged."""
    i = 0
    while i < len(argv) and argv[i] != "get":
        word = argv[i]
        if word in GLOBAL_VALUE_FLAGS:
            i += 2
        elif word.startswith(("--state=", "--namespace=", "-n")):
            i += 1
        else:
            return argv
    if 0 < i < len(argv):
        return ["get", *argv[:i], *argv[i + 1:]]
    return argv


def main() -> None:
    """The console script (and `python -m kubesvc`): run(), a `get` answered by the fast path
    ending the process at once (see _exit)."""
    run(fast_exit=True)


def _exit(code: int) -> None:
    """End the process with `code` without the interpreter's teardown (every module and object
    freed and a last collection, for nothing: ~14M instructions, about what a 10-Service `get`
    spends beyond `python -c pass`). stdout and stderr are flushed first; when either fails
    (a closed pipe), the ordinary exit runs instead, which flushes again and reports it as
    always. Only for the fast `get`: it has closed its state, started no thread and
    registered no atexit function."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # the ordinary exit reports it
        sys.exit(code)
    import os

    os._exit(int(code))


def run(fast_exit: bool = False) -> None:
    """The whole command line; with `fast_exit` (the console script) a `get` the fast path
    answers ends the process with os._exit (_exit)."""
    argv = globals_after_get(sys.argv[1:])
    if argv and argv[0] == "__complete":
        from kubesvc.cli.complete import main as complete

        sys.exit(complete(argv[1:]))
    import gc

    # A short-lived process decoding many objects: cycles are not worth collecting. Only here,
    # for the whole process: library code (and in-process tests) keep the collector on.
    gc.disable()
    from kubesvc.kubectl.environment import Environment

    env = Environment()
    if argv and argv[0] == "get":
        from kubesvc.cli.fast import run_get

        code = run_get(argv[1:], env)
        if code is not None:
            if fast_exit:
                _exit(code)
            sys.exit(code)
    from kubesvc.cli.main import run as run_app

    run_app(env=env)
