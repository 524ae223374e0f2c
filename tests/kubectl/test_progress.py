"""The progress line of long applies and imports (kubectl/progress.py)."""

from __future__ import annotations

import io

import pytest

from kubesvc.kubectl.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("stream, shown", [
    (_Terminal(), True),
    (io.StringIO(), False),  # a pipe or a file: never
], ids=["terminal", "not-a-terminal"])
def test_only_on_a_terminal(stream, shown):
    assert (Progress.on_terminal(stream, 10, "importing") is not None) == shown


@pytest.mark.parametrize("seconds, expected", [
    (0.5, ""),  # under a second: nothing at all
    (2.0, "\rimporting: 128/1000 objects, 64 objects/s\x1b[K"),
], ids=["short", "long"])
def test_shown_after_a_second_with_objects_per_second(seconds, expected):
    stream, clock = _Terminal(), _Clock()
    progress = Progress(stream, 1000, "importing", clock=clock)
    for _ in range(64):
        progress.step()
    clock.now += seconds
    for _ in range(64):
        progress.step()
    assert stream.getvalue() == expected
    progress.close()
    assert stream.getvalue() == expected + ("\r\x1b[K" if expected else "")  # erased
