"""The state path as a string, without pathlib (get's start-up): str(Path(...)) exactly."""

import os
from pathlib import Path

import pytest

from kubesvc.store.files import default_state_file, default_state_path, path_text


@pytest.mark.parametrize("text", [
    "", ".", "..", "/", "//", "///", "a", "a/", "a//b", "./a", "a/./b", "a/../b", "/a/b/",
    "//a/b", "///a//b/.", "~/x.db", "a b/c.db", ".hidden/.x", "../s.db",
])
def test_path_text_is_str_of_path(text):
    assert path_text(text) == str(Path(text))


@pytest.mark.parametrize("environ", [
    {"KUBESVC_STATE": "./s.db"}, {"KUBESVC_STATE": "/t//s.db", "XDG_STATE_HOME": "/x"},
    {"XDG_STATE_HOME": "/x/"}, {"XDG_STATE_HOME": "rel//x"}, {"XDG_STATE_HOME": ""},
    {"HOME": "/home/u/"}, {"HOME": "//h"},
])
def test_default_state_file_is_str_of_default_state_path(environ, monkeypatch):
    monkeypatch.setenv("HOME", environ.get("HOME", "/home/someone"))
    # the pathlib reckoning the store used before (and kubesvc's documented default)
    chosen = environ.get("KUBESVC_STATE")
    base = environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    expected = Path(chosen) if chosen else Path(base) / "kubesvc" / "state.db"
    assert default_state_file(environ) == str(expected)
    assert default_state_path(environ) == expected
