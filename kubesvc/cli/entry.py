"""The console-script entry point, kept tiny: shell completion requests (`kubesvc __complete
...`, sent on every TAB) and plain `get` commands are answered without importing Typer; every
other command goes to the Typer app."""

from __future__ import annotations

import sys


def run() -> None:
    argv = sys.argv[1:]
    if len(argv) > 2 and argv[0] == "--state" and argv[2] == "get":  # the global flag first
        argv = [argv[2], "--state", argv[1], *argv[3:]]
    elif argv and argv[0].startswith("--state=") and argv[1:2] == ["get"]:
        argv = ["get", argv[0], *argv[2:]]
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
            sys.exit(code)
    from kubesvc.cli.main import run as run_app

    run_app(env=env)
