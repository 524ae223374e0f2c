"""Helpers for Kubernetes objects as JSON data (dicts, lists, strings, numbers, booleans)."""

from __future__ import annotations


def clone(value):
    """A deep copy of JSON data, several times faster than copy.deepcopy (no memo, no
    dispatch on arbitrary types): the hot path of every apply."""
    if type(value) is dict:
        return {k: clone(v) for k, v in value.items()}
    if type(value) is list:
        return [clone(v) for v in value]
    return value
