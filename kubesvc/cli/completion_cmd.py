"""kubesvc completion SHELL: the shell script that makes TAB complete kubesvc commands.

The scripts live in kubesvc/data/completion/ and are printed as they are; each asks
`kubesvc __complete ...` (kubesvc/cli/complete.py) for the candidates on every TAB. The copies
in completions/ at the top of the repository are checked to be the same.
"""

from __future__ import annotations

import os

import typer

from kubesvc.api.errors import ClientError
from kubesvc.cli.common import environment, examples

SHELLS = ("bash", "zsh", "fish", "powershell")
# shell -> the script's file name, in kubesvc/data/completion/ and in completions/
FILE_NAMES = {"bash": "kubesvc.bash", "zsh": "_kubesvc", "fish": "kubesvc.fish",
              "powershell": "kubesvc.ps1"}
TEMPLATES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "completion")

HELP = """Output shell completion code for the specified shell (bash, zsh, fish, or powershell).
The shell code must be evaluated to provide interactive completion of kubesvc commands. This
can be done by sourcing it from ~/.bashrc (bash), putting it in $fpath (zsh), in
~/.config/fish/completions (fish) or loading it from $PROFILE (PowerShell).

Completion knows the verbs, their flags, the resource types and short names, the -o formats,
and reads the namespaces and the names of the objects straight from the state file (--state,
$KUBESVC_STATE or the default), never changing it.

Note for zsh users: zsh completions are only supported in versions of zsh >= 5.2.
"""

EXAMPLES = """\b
Examples:
  # Installing bash completion on Linux
  ## If bash-completion is not installed on Linux, install the 'bash-completion' package
  ## via your distribution's package manager (kubesvc's script also works without it).
  ## Load the kubesvc completion code for bash into the current shell
  source <(kubesvc completion bash)
  ## Write bash completion code to a file and source it from .bashrc
  kubesvc completion bash > ~/.kubesvc-completion.bash
  echo "source ~/.kubesvc-completion.bash" >> ~/.bashrc

  # Installing bash completion on macOS using homebrew
  ## If kubesvc is installed via other means, add the completion to your completion directory
  kubesvc completion bash > $(brew --prefix)/etc/bash_completion.d/kubesvc

  # Load the kubesvc completion code for zsh into the current shell
  autoload -U compinit && compinit
  source <(kubesvc completion zsh)
  # Set the kubesvc completion code for zsh to autoload on startup
  kubesvc completion zsh > "${fpath[1]}/_kubesvc"

  # Load the kubesvc completion code for fish into the current shell
  kubesvc completion fish | source
  # To load completions for each session, execute once:
  kubesvc completion fish > ~/.config/fish/completions/kubesvc.fish

  # Load the kubesvc completion code for powershell into the current shell
  kubesvc completion powershell | Out-String | Invoke-Expression
  # Set kubesvc completion code for powershell to run on startup
  ## Save completion code to a script and execute in the profile
  kubesvc completion powershell > "$HOME\\.kubesvc-completion.ps1"
  Add-Content $PROFILE ". '$HOME\\.kubesvc-completion.ps1'"
"""

_SEE_HELP = "See 'kubesvc completion -h' for help and examples"


def script(shell: str) -> str:
    """The completion script for `shell` (one of SHELLS), as `kubesvc completion` prints it."""
    with open(os.path.join(TEMPLATES, FILE_NAMES[shell]), encoding="utf-8") as fh:
        return fh.read()


def completion(
    ctx: typer.Context,
    shell: list[str] = typer.Argument(None, metavar="SHELL",
                                      help="The shell: bash|zsh|fish|powershell."),
) -> None:
    if not shell:
        raise ClientError(f"Shell not specified.\n{_SEE_HELP}")
    if len(shell) > 1:
        raise ClientError(f"Too many arguments. Expected only the shell type.\n{_SEE_HELP}")
    if shell[0] not in SHELLS:
        raise ClientError(f'Unsupported shell type "{shell[0]}".\n{_SEE_HELP}')
    environment(ctx).out(script(shell[0]))


# the verb's help, examples included (kubectl's layout), whatever epilog it is registered with
completion.__doc__ = HELP + "\n" + examples(EXAMPLES)
