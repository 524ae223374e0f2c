"""Completion in real shells: bash, zsh and fish load the scripts `kubesvc completion SHELL`
prints (the checked-in copies in completions/, which test_completion.py proves identical) and
run them as a user's shell does, against a real state file.

- bash, interactive under a pseudo-terminal: keys are typed, readline calls the script's
  completion function, and the command line it leaves is read back (C-a `echo @@` C-e `@@`
  RET prints it). This covers what only a real readline does: splitting `pod:x` and `a=b` at
  COMP_WORDBREAKS, replacing just the part after the colon, `nospace`, `-o default` file names.
  A few more cases call the function directly with COMP_WORDS set, in a non-interactive bash.
- zsh, interactive under a pseudo-terminal after compinit, the same way.
- fish: `complete -C LINE` (fish's own completion machinery calling the script), plus typed
  keys under a pseudo-terminal.

Each shell's tests are skipped, with the reason, when the shell is not installed (CI installs
what it can: see .ci/run). PowerShell is not available on this machine's distribution: its
script is checked for the protocol only.
"""

from __future__ import annotations

import os
import re
import select
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.demo_state import make_demo_state
from tests.conftest import REPO

SCRIPTS = REPO / "completions"
TIMEOUT = 30.0  # seconds for one TAB to show: generous, CI machines can be busy
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x07")


def need(shell: str) -> str:
    path = shutil.which(shell)
    if path is None:
        how = ("PowerShell 7 has no Debian package: `dotnet tool install -g PowerShell`"
               if shell == "pwsh" else f"apt-get install {shell}")
        pytest.skip(f"{shell} is not installed ({how} to run these tests)")
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A state, a `kubesvc` on PATH running this checkout, a private HOME, and a folder with
    files for file-name completion: manifests/web.yaml, manifests/web.txt, manifests/sub/."""
    folder = tmp_path_factory.mktemp("shells")
    state = make_demo_state(folder)
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "kubesvc"
    shim.write_text(f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(REPO))} exec "
                    f"{shlex.quote(sys.executable)} -m kubesvc \"$@\"\n")
    shim.chmod(0o755)
    home = folder / "home"
    home.mkdir()
    files = folder / "manifests"
    (files / "sub").mkdir(parents=True)
    (files / "web.yaml").write_text("{}\n")
    (files / "web.txt").write_text("\n")
    (folder / "nosuch-file").write_text("\n")
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
           "HOME": str(home), "TERM": "dumb", "LANG": "C.UTF-8", "KUBESVC_STATE": str(state),
           "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local"),
           "INPUTRC": "/dev/null"}
    return {"folder": folder, "state": state, "env": env, "files": files}


# -- a shell under a pseudo-terminal -------------------------------------------------------------

def _controlling_tty():
    import fcntl
    import termios

    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """A shell on a pseudo-terminal: type keys, read the screen's bytes."""

    def __init__(self, argv: list[str], env: dict, cwd: Path):
        import fcntl
        import pty
        import struct
        import termios

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     cwd=cwd, preexec_fn=_controlling_tty, close_fds=True)
        os.close(slave)
        self.buf = b""

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def read_until(self, pattern: str, timeout: float = TIMEOUT) -> str:
        rx = re.compile(pattern.encode())
        end = time.monotonic() + timeout
        while True:
            clean = ANSI.sub(b"", self.buf)
            m = rx.search(clean)
            if m:
                self.buf = b""
                return clean[: m.end()].decode(errors="replace")
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{pattern!r} not seen on the terminal; it shows "
                                     f"{clean[-1500:].decode(errors='replace')!r}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    data = b""
                if not data:
                    raise AssertionError(f"the shell ended: {clean.decode(errors='replace')!r}")
                self.buf += data

    def line_after_tab(self, typed: str) -> str:
        """The command line after typing `typed`, TAB and a `Z` (which shows whether the
        completion ended with a space)."""
        self.type(typed + "\tZ\x01echo @@\x05@@\n")
        out = self.read_until(r"\n@@(.*)@@\r?\n(.*)@PROMPT@ ")
        return re.findall(r"\n@@(.*)@@\r?\n", out)[-1]

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        os.close(self.master)


@pytest.fixture(scope="module")
def bash(world):
    path = need("bash")
    term = Terminal([path, "--norc", "--noprofile", "-i"], world["env"], world["folder"])
    term.type("PS1='@PR''OMPT@ '; bind 'set bell-style none'; "
              "bind 'set show-all-if-ambiguous on'; bind 'set completion-query-items 0'; "
              "bind 'set page-completions off'; bind 'set enable-bracketed-paste off'; "
              f"source {shlex.quote(str(SCRIPTS / 'kubesvc.bash'))}; echo @@READY@@\n")
    term.read_until(r"\n@@READY@@\r?\n(.*)@PROMPT@ ")
    yield term
    term.close()


@pytest.fixture(scope="module")
def zsh(world):
    path = need("zsh")
    term = Terminal([path, "-f", "-i"], world["env"], world["folder"])
    term.type("PS1='@PR''OMPT@ '; unsetopt beep prompt_cr prompt_sp; "
              "autoload -U compinit; compinit -u -D; "
              f"source {shlex.quote(str(SCRIPTS / '_kubesvc'))}; echo @@READY@@\n")
    term.read_until(r"\n@@READY@@\r?\n(.*)@PROMPT@ ")
    yield term
    term.close()


@pytest.fixture(scope="module")
def fish_term(world):
    path = need("fish")
    term = Terminal([path, "--no-config", "-i"], world["env"], world["folder"])
    term.type("function fish_prompt; echo -n '@PR''OMPT@ '; end; "
              f"source {shlex.quote(str(SCRIPTS / 'kubesvc.fish'))}; echo @@READY@@\n")
    term.read_until(r"\n@@READY@@\r?\n(.*)@PROMPT@ ")
    yield term
    term.close()


# -- bash ---------------------------------------------------------------------------------------

# (typed, the line after TAB and Z): Z right after the completion means no space was added

def typed_ids(value) -> str | None:
    """A row is named by what was typed (without the program name) and the word it completes
    to (what precedes the cursor mark Z)."""
    if isinstance(value, str) and value.endswith("Z"):
        words = value[:-1].split()
        return f"to {words[-1]}" if len(words) > 1 else "nothing"
    if isinstance(value, str) and value.startswith("kubesvc"):
        return value.removeprefix("kubesvc").strip() or "nothing"
    return None

TYPED = [
    ("kubesvc descr", "kubesvc describe Z"),
    ("kubesvc get deploym", "kubesvc get deployments Z"),
    ("kubesvc get svc web-a", "kubesvc get svc web-admin Z"),
    ("kubesvc describe service web-a", "kubesvc describe service web-admin Z"),
    ("kubesvc get svc/web-a", "kubesvc get svc/web-admin Z"),
    ("kubesvc get svc -n sh", "kubesvc get svc -n shop Z"),
    ("kubesvc get svc -n shop ca", "kubesvc get svc -n shop cart Z"),
    ("kubesvc get --namespace=sh", "kubesvc get --namespace=shop Z"),
    ("kubesvc get svc -o ya", "kubesvc get svc -o yaml Z"),
    ("kubesvc get svc -o custom-columns-", "kubesvc get svc -o custom-columns-file=Z"),
    ("kubesvc get svc --output=ya", "kubesvc get svc --output=yaml Z"),
    ("kubesvc get svc -l app=w", "kubesvc get svc -l app=web Z"),
    ("kubesvc get svc --all-n", "kubesvc get svc --all-namespaces Z"),
    ("kubesvc resolve svc/web-a", "kubesvc resolve svc/web-admin Z"),
    ("kubesvc resolve web --from po", "kubesvc resolve web --from pod:Z"),
    ("kubesvc resolve web --from pod:sh", "kubesvc resolve web --from pod:shop/Z"),
    ("kubesvc resolve web --from pod:shop/c", "kubesvc resolve web --from pod:shop/client Z"),
    ("kubesvc resolve web --from=node:kind-w", "kubesvc resolve web --from=node:kind-worker Z"),
    ("kubesvc resolve web-admin:", "kubesvc resolve web-admin:8080 Z"),
    ("kubesvc cluster ini", "kubesvc cluster init Z"),
    ("kubesvc completion fi", "kubesvc completion fish Z"),
    ("kubesvc cordon kind-w", "kubesvc cordon kind-worker Z"),
    ("kubesvc apply -f manifests/w", "kubesvc apply -f manifests/web.yaml Z"),
    ("kubesvc apply -f manifests/s", "kubesvc apply -f manifests/sub/Z"),
    ("kubesvc --state state.d", "kubesvc --state state.db Z"),
    ("kubesvc cordon nosuch", "kubesvc cordon nosuchZ"),  # no file names where none fit
    # in quotes (echo shows the words unquoted)
    ("kubesvc get svc 'web-a", "kubesvc get svc web-admin Z"),
    ("kubesvc resolve web --from 'pod:shop/c", "kubesvc resolve web --from pod:shop/client Z"),
]


@pytest.mark.parametrize(("typed", "expected"), TYPED, ids=typed_ids)
def test_bash_tab(bash, typed, expected):
    assert bash.line_after_tab(typed) == expected


def listing(term: Terminal, typed: str) -> str:
    """What the shell lists for an ambiguous TAB (the screen between the line and the next
    prompt), then the line is cleared."""
    term.type(typed + "\t")
    time.sleep(0.2)
    term.type("\x15echo @@END@@\n")
    out = term.read_until(r"\n@@END@@\r?\n[^\n]*@PROMPT@ ")
    m = re.search(re.escape(typed) + r"\r*\n(.*?)@PROMPT@", out, re.DOTALL)
    assert m, f"no listing after {typed!r}: {out!r}"
    return m.group(1)


def test_bash_lists_names_and_namespaces(bash):
    shown = listing(bash, "kubesvc get svc ")
    assert shown.split() == ["kubernetes", "web", "web-admin"], repr(shown)
    assert {"default", "kube-system", "shop"} <= set(listing(bash, "kubesvc get pods -n ").split())
    assert listing(bash, "kubesvc apply -o ").split() == ["json", "name", "yaml"]
    pods = listing(bash, "kubesvc resolve svc/web --from pod:").split()
    assert "shop/" in pods and any(p.startswith("web-") for p in pods)  # after the colon


def run_bash_function(world, words: list[str], line: str) -> list[str]:
    """_kubesvc called by a non-interactive bash with COMP_WORDS as readline would set them."""
    script = (f"source {shlex.quote(str(SCRIPTS / 'kubesvc.bash'))}\n"
              f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
              f"COMP_CWORD={len(words) - 1}\nCOMP_LINE={shlex.quote(line)}\n"
              f"COMP_POINT={len(line)}\n_kubesvc\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
    proc = subprocess.run([need("bash"), "--norc", "--noprofile", "-c", script],
                          capture_output=True, text=True, env=world["env"],
                          cwd=world["folder"], timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    return [x for x in proc.stdout.splitlines() if x]


def test_bash_function_with_comp_words(world):
    assert run_bash_function(world, ["kubesvc", "get", "svc", ""], "kubesvc get svc ") == [
        "kubernetes", "web", "web-admin"]
    # `pod:` is two words for bash; the reply is what follows the colon
    assert "shop/" in run_bash_function(world, ["kubesvc", "resolve", "x", "--from", "pod", ":"],
                                        "kubesvc resolve x --from pod:")
    assert run_bash_function(
        world, ["kubesvc", "resolve", "x", "--from", "=", "pod", ":", "shop/"],
        "kubesvc resolve x --from=pod:shop/") == ["shop/client"]
    # the cursor in the middle of a word: what is before it counts
    assert run_bash_function(world, ["kubesvc", "get", "svc", "web-ad"],
                             "kubesvc get svc web-a") == ["web-admin"]
    # `app=` too: the reply is what follows the equals sign
    assert run_bash_function(world, ["kubesvc", "get", "svc", "-l", "app", "=", ""],
                             "kubesvc get svc -l app=") == ["web"]
    # pieces with a space between them are not joined: `=` is then a NAME, and not offered
    assert run_bash_function(world, ["kubesvc", "get", "svc", "-l", "app", "=", ""],
                             "kubesvc get svc -l app = ") == ["kubernetes", "web", "web-admin"]


def test_bash_loads_the_script_as_the_help_says(world):
    """`source <(kubesvc completion bash)` registers the completion for kubesvc."""
    proc = subprocess.run([need("bash"), "--norc", "--noprofile", "-c",
                           "source <(kubesvc completion bash) && complete -p kubesvc"],
                          capture_output=True, text=True, env=world["env"], timeout=TIMEOUT)
    assert proc.stdout.strip() == "complete -o default -F _kubesvc kubesvc", proc.stderr


# -- zsh ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "expected"), [
    ("kubesvc descr", "kubesvc describe Z"),
    ("kubesvc get svc web-a", "kubesvc get svc web-admin Z"),
    ("kubesvc get svc/web-a", "kubesvc get svc/web-admin Z"),
    ("kubesvc get svc -n sh", "kubesvc get svc -n shop Z"),
    ("kubesvc get --output=ya", "kubesvc get --output=yaml Z"),
    ("kubesvc get svc -l app=w", "kubesvc get svc -l app=web Z"),
    ("kubesvc resolve web --from po", "kubesvc resolve web --from pod:Z"),
    ("kubesvc resolve web --from pod:sh", "kubesvc resolve web --from pod:shop/Z"),
    ("kubesvc resolve web --from pod:shop/c", "kubesvc resolve web --from pod:shop/client Z"),
    ("kubesvc resolve web-admin:", "kubesvc resolve web-admin:8080 Z"),
    ("kubesvc apply -f manifests/w", "kubesvc apply -f manifests/web.yaml Z"),
    ("kubesvc --state state.d", "kubesvc --state state.db Z"),
    ("kubesvc cordon nosuch", "kubesvc cordon nosuchZ"),
    ("kubesvc get svc 'web-a", "kubesvc get svc web-admin Z"),
    ("kubesvc resolve web --from 'pod:shop/c", "kubesvc resolve web --from pod:shop/client Z"),
], ids=typed_ids)
def test_zsh_tab(zsh, typed, expected):
    assert zsh.line_after_tab(typed) == expected


def test_zsh_lists_with_descriptions(zsh):
    assert listing(zsh, "kubesvc get svc ").split() == ["kubernetes", "web", "web-admin"]
    verbs = listing(zsh, "kubesvc ")
    assert re.search(r"get\s+--\s+Display one or many resources", verbs), verbs


def test_zsh_autoloads_from_fpath(world):
    """Installed as _kubesvc in a folder of $fpath, as the help says, compinit finds it."""
    zsh_path = need("zsh")
    fpath = world["folder"] / "zfunc"
    fpath.mkdir(exist_ok=True)
    shutil.copy(SCRIPTS / "_kubesvc", fpath / "_kubesvc")
    code = (f"fpath=({shlex.quote(str(fpath))} $fpath); autoload -U compinit; compinit -u -D; "
            "print -r -- ${_comps[kubesvc]}")
    proc = subprocess.run([zsh_path, "-f", "-c", code], capture_output=True, text=True,
                          env=world["env"], timeout=TIMEOUT)
    assert proc.stdout.strip() == "_kubesvc", proc.stderr


# -- fish ---------------------------------------------------------------------------------------

def fish_complete(world, line: str) -> list[str]:
    """fish's `complete -C`: the candidates fish itself gets from the script for `line`."""
    code = (f"source {shlex.quote(str(SCRIPTS / 'kubesvc.fish'))}; "
            f"complete -C {shlex.quote(line)}")
    proc = subprocess.run([need("fish"), "--no-config", "-c", code], capture_output=True,
                          text=True, env=world["env"], cwd=world["folder"], timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


@pytest.mark.parametrize(("line", "expected"), [
    ("kubesvc get svc ", ["kubernetes", "web", "web-admin"]),
    ("kubesvc get svc -n shop ", ["cart"]),
    ("kubesvc describe service web-", ["web-admin"]),
    ("kubesvc get svc/w", ["svc/web", "svc/web-admin"]),
    ("kubesvc apply -o ", ["json", "name", "yaml"]),
    ("kubesvc get -o jsonpath-a", ["jsonpath-as-json="]),
    ("kubesvc get --output=y", ["--output=yaml"]),
    ("kubesvc resolve svc/", ["svc/kubernetes", "svc/web", "svc/web-admin"]),
    ("kubesvc resolve web --from pod:shop/", ["pod:shop/client"]),
    ("kubesvc resolve web:", ["web:443\thttps/TCP", "web:80\thttp/TCP"]),
    ("kubesvc get svc,deploy", ["svc,deploy\tdeployments: Deployment (apps)",
                                "svc,deployments\tDeployment (apps)"]),
    ("kubesvc apply -f manifests/", ["manifests/sub/", "manifests/web.yaml"]),
    ("kubesvc cordon nosuch", []),
], ids=typed_ids)
def test_fish_complete(world, line, expected):
    assert sorted(fish_complete(world, line)) == sorted(expected)


def test_fish_verbs_have_descriptions(world):
    assert "get\tDisplay one or many resources" in fish_complete(world, "kubesvc ")


@pytest.mark.parametrize(("typed", "expected"), [
    ("kubesvc get svc web-a", "kubesvc get svc web-admin Z"),
    ("kubesvc get svc -n sh", "kubesvc get svc -n shop Z"),
    ("kubesvc resolve web --from pod:sh", "kubesvc resolve web --from pod:shop/Z"),
    ("kubesvc get --output=ya", "kubesvc get --output=yaml Z"),
], ids=typed_ids)
def test_fish_tab(fish_term, typed, expected):
    assert fish_term.line_after_tab(typed) == expected


# -- PowerShell: not installable here ---------------------------------------------------------

def test_powershell_script_speaks_the_protocol():
    """PowerShell (pwsh) has no Debian package; where it is installed, load the script with
    `kubesvc completion powershell | Out-String | Invoke-Expression` and try
    `kubesvc get svc <TAB>`. Here: the script registers a native completer that calls
    __complete and reads the directive."""
    text = (SCRIPTS / "kubesvc.ps1").read_text(encoding="utf-8")
    assert "Register-ArgumentCompleter -Native -CommandName 'kubesvc'" in text
    assert "__complete @Words $Last" in text
    assert "$Directive -band 1" in text and "$Directive -band 4" in text
    pwsh = shutil.which("pwsh")
    if pwsh is None:
        pytest.skip("pwsh is not installed: the PowerShell script was only read, not run")


def test_powershell_tab(world):
    """TabExpansion2 is what PowerShell's TAB calls: it runs the registered completer."""
    pwsh = need("pwsh")
    line = "kubesvc get svc web-"
    code = (f". '{SCRIPTS / 'kubesvc.ps1'}'; "
            f"(TabExpansion2 -inputScript '{line}' -cursorColumn {len(line)}).CompletionMatches"
            " | ForEach-Object { $_.CompletionText }")
    proc = subprocess.run([pwsh, "-NoProfile", "-NonInteractive", "-Command", code],
                          capture_output=True, text=True, env=world["env"],
                          cwd=world["folder"], timeout=TIMEOUT)
    assert proc.stdout.split() == ["web-admin"], proc.stderr
