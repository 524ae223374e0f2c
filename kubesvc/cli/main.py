"""The kubesvc command: one Typer app, one place that turns errors into kubectl's messages.

Start-up matters (every command, every TAB): this module and the verb modules import only
typer at the top; everything heavy is imported inside the function that needs it.
"""

from __future__ import annotations

import re
import sys

import typer
import typer.main

from kubesvc.cli import apply as apply_cmd
from kubesvc.cli import cluster as cluster_cmd
from kubesvc.cli import (
    common,
    completion_cmd,
    create_cmds,
    diff_edit,
    edit_cmds,
    flags,
    info_cmds,
    node_cmds,
)
from kubesvc.cli import delete as delete_cmd
from kubesvc.cli import describe as describe_cmd
from kubesvc.cli import get as get_cmd
from kubesvc.cli import import_cmd as import_verb
from kubesvc.cli import resolve as resolve_cmd
from kubesvc.cli import serve as serve_cmd
from kubesvc.kubectl.environment import Environment

HELP = """kubesvc applies real Kubernetes manifests to a local state file and does, offline, what a
real cluster does for Services: cluster IPs, node ports, load balancers, DNS, endpoints.

Find more information at the README.
"""

app = typer.Typer(help=HELP, add_completion=False, no_args_is_help=True,
                  pretty_exceptions_enable=False, rich_markup_mode=None,
                  context_settings={"help_option_names": ["-h", "--help"]})


@app.callback()
def root(
    ctx: typer.Context,
    state: str | None = typer.Option(None, "--state", metavar="PATH",
                                        help="State file (env KUBESVC_STATE; default "
                                             "$XDG_STATE_HOME/kubesvc/state.db)."),
    namespace: str | None = typer.Option(None, "--namespace", "-n",
                                         help="The namespace scope for this request (also "
                                              "after the verb, as kubectl's global flag)."),
    verbosity: int = typer.Option(0, "-v", "--v", metavar="LEVEL",
                                  help="Log level; 6 or more prints tracebacks of internal "
                                       "errors."),
) -> None:
    env = common.environment(ctx)  # the global flags are part of this invocation's environment
    env.state, env.verbosity = state, verbosity
    if namespace is not None:  # kubectl's -n is a persistent flag: it may come before the verb
        ctx.default_map = _defaults(ctx.command, "namespace", namespace)


def _defaults(command, param: str, value: str) -> dict:
    """A Click default_map giving `param` the value `value` in every command that has it."""
    found: dict = {}
    for name, sub in getattr(command, "commands", {}).items():
        if any(p.name == param for p in sub.params):
            found[name] = {param: value}
        if getattr(sub, "commands", None):
            found.setdefault(name, {}).update(_defaults(sub, param, value))
    return found


app.command("apply", epilog=common.examples(apply_cmd.EXAMPLES))(apply_cmd.apply)
app.command("import", epilog=common.examples(import_verb.EXAMPLES))(import_verb.import_)
app.command("get", epilog=common.examples(get_cmd.EXAMPLES))(get_cmd.get)
app.command("describe", epilog=common.examples(describe_cmd.EXAMPLES))(describe_cmd.describe)
app.command("delete", epilog=common.examples(delete_cmd.EXAMPLES))(delete_cmd.delete)
app.command("scale", epilog=common.examples(node_cmds.SCALE_EXAMPLES))(node_cmds.scale)
MORE_EXAMPLES = {
    "cordon": "Examples:\n  # New pods avoid the node; the ones it runs stay\n"
              "  kubesvc cordon kind-worker",
    "uncordon": "Examples:\n  # Let the scheduler use the node again\n"
                "  kubesvc uncordon kind-worker",
    "annotate": "Examples:\n  # Add a note to a Service\n  kubesvc annotate svc web owner=team-a",
    "expose": "Examples:\n  # A NodePort Service in front of a Deployment's pods\n"
              "  kubesvc expose deployment web --port 80 --target-port 8080 --type NodePort",
    "diff": "Examples:\n  # What would apply change?\n  kubesvc diff -f manifests/",
    "edit": "Examples:\n  # Edit a Service in $EDITOR; the result is validated like apply\n"
            "  kubesvc edit svc web",
    "version": "Examples:\n  kubesvc version -o json",
    "api-resources": "Examples:\n  # Cluster-wide kinds only\n"
                     "  kubesvc api-resources --namespaced=false",
}
app.command("cordon", epilog=common.examples(MORE_EXAMPLES["cordon"]))(node_cmds.cordon)
app.command("uncordon", epilog=common.examples(MORE_EXAMPLES["uncordon"]))(node_cmds.uncordon)
app.command("drain", epilog=common.examples(node_cmds.DRAIN_EXAMPLES))(node_cmds.drain)
app.command("label", epilog=common.examples(edit_cmds.LABEL_EXAMPLES))(edit_cmds.label)
app.command("annotate", epilog=common.examples(MORE_EXAMPLES["annotate"]))(edit_cmds.annotate)
app.command("patch", epilog=common.examples(edit_cmds.PATCH_EXAMPLES))(edit_cmds.patch)
app.command("resolve", epilog=common.examples(resolve_cmd.RESOLVE_EXAMPLES))(resolve_cmd.resolve)
app.command("check", epilog=common.examples(resolve_cmd.CHECK_EXAMPLES))(resolve_cmd.check)
app.add_typer(create_cmds.create_app, name="create")
app.command("expose", epilog=common.examples(MORE_EXAMPLES["expose"]))(create_cmds.expose)
app.command("diff", epilog=common.examples(MORE_EXAMPLES["diff"]))(diff_edit.diff)
app.command("edit", epilog=common.examples(MORE_EXAMPLES["edit"]))(diff_edit.edit)
app.command("explain")(info_cmds.explain)
app.command("completion")(completion_cmd.completion)
app.command("version", epilog=common.examples(MORE_EXAMPLES["version"]))(info_cmds.version)
app.command("api-resources", epilog=common.examples(MORE_EXAMPLES["api-resources"]))(
    info_cmds.api_resources)
app.add_typer(cluster_cmd.cluster_app, name="cluster")
app.command("kustomize")(apply_cmd.kustomize_cmd)
app.command("serve", epilog=common.examples(serve_cmd.EXAMPLES))(serve_cmd.serve)


def run(argv: list[str] | None = None, env: Environment | None = None) -> None:
    """Console-script entry point: exit codes 0 ok, 1 any error (kubectl's usage errors too).
    `env` defaults to the process's own streams and environment variables."""
    sys.exit(invoke(argv, env or Environment()))


def invoke(argv: list[str] | None, env: Environment) -> int:
    """Run one command line in `env`; the exit code (errors are already reported)."""
    from typer.exceptions import Abort, TyperException

    from kubesvc.api.errors import ExitCode, KubesvcError

    try:
        command = typer.main.get_command(app)
        args = _pflag_forms(command, sys.argv[1:] if argv is None else argv)
        code = command.main(args=args, standalone_mode=False, prog_name="kubesvc", obj=env)
    except KubesvcError as exc:
        env.err(str(exc))
        code = exc.exit_code
    except TyperException as exc:  # the parser's usage errors
        ctx = getattr(exc, "ctx", None)
        env.err(f"error: {_usage_message(exc)}")
        env.err(f"See '{ctx.command_path if ctx else 'kubesvc'} --help' for usage.")
        code = ExitCode.USAGE if exc.exit_code == 2 else exc.exit_code
    except (Abort, KeyboardInterrupt):
        env.err("error: interrupted")
        code = 130
    except BrokenPipeError:
        code = ExitCode.OK
    except Exception as exc:
        code = common.unexpected(env, exc)
    return code if isinstance(code, int) else 0


def _pflag_forms(command, argv: list[str]) -> list[str]:
    """argv with pflag's spellings (`-n=NS`, `--all-namespaces=true`) made Click's, using the
    flags of the root and of the verb (and sub-verb) the words name."""
    values, bools = flags.command_flags(command.params)
    i = 0
    while i < len(argv) and getattr(command, "commands", None):
        word = argv[i]
        if word.startswith("-"):
            i += 2 if word in values else 1
            continue
        command = command.commands.get(word)
        if command is None:
            break
        more_values, more_bools = flags.command_flags(command.params)
        values |= more_values
        bools.update(more_bools)
        i += 1
    return flags.normalize(argv, values, bools)


def _usage_message(exc) -> str:
    """Click's usage message in pflag's words where kubectl users know them, lower case."""
    from typer._click.exceptions import NoSuchOption

    if isinstance(exc, NoSuchOption):
        name = exc.option_name
        if name.startswith("--"):
            return f"unknown flag: {name}"
        return f"unknown shorthand flag: '{name[1:2]}' in {name}"
    message = exc.format_message()
    unknown = re.fullmatch(r"No such command '(.*)'\.", message)
    if unknown and getattr(exc, "ctx", None) is not None:  # cobra's words
        return f'unknown command "{unknown[1]}" for "{exc.ctx.command_path}"'
    return message[:1].lower() + message[1:]
