"""The README as a user reads it: its command reference is generated from the CLI and current,
every verb documents itself with examples, and its two opening commands are what CI runs."""

import re

from kubesvc.cli import docgen
from tests.conftest import REPO


def test_command_reference_is_current():
    readme = (REPO / "README.md").read_text()
    assert docgen.updated(readme) == readme, "run python -m kubesvc.cli.docgen"


def test_every_command_has_help_and_examples():
    reference = docgen.reference()
    sections = re.split(r"\n### ", reference)[1:]
    assert len(sections) >= 25
    for section in sections:
        name = section.splitlines()[0]
        assert "Usage: kubesvc" in section, name
        assert "Examples:" in section or "kubesvc " in section.split("Usage:")[1].split(
            "Options:")[0], f"{name} has no example"


def test_readme_opens_with_the_install_and_test_commands_ci_runs():
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    assert "<!-- install-and-run -->" in readme and "<!-- test-command -->" in readme
    test_cmd = readme.split("<!-- test-command -->")[1].split("```sh\n")[1].split("\n")[0]
    assert "pytest" in test_cmd and "test-command" in ci
    run_cmd = readme.split("<!-- install-and-run -->")[1].split("```sh\n")[1].split("\n")[0]
    assert run_cmd.endswith("kubesvc get service")
