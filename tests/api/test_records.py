"""kubesvc.api.records.NamedTuple builds at run time what typing.NamedTuple builds (the get
start-up path uses it so as not to import typing)."""

import pickle
import typing

import pytest

from kubesvc.api import records
from kubesvc.api.errors import FieldError
from kubesvc.api.resources import Resource
from kubesvc.api.selectors import Requirement, Selector
from kubesvc.store.changes import Change


def make(base):
    class Point(base):
        """A point."""

        x: int
        y: int = 0
        tags: tuple[str, ...] = ()

        @property
        def norm(self) -> int:
            return abs(self.x) + abs(self.y)

        def __str__(self) -> str:
            return f"<{self.x},{self.y}>"

    return Point


@pytest.mark.parametrize("args", [(1,), (1, 2), (1, 2, ("a",))])
def test_same_class_as_typing_builds(args):
    mine, theirs = make(records.NamedTuple), make(typing.NamedTuple)
    a, b = mine(*args), theirs(*args)
    assert tuple(a) == tuple(b) and repr(a) == repr(b) and str(a) == str(b)
    assert a.norm == b.norm and a._asdict() == b._asdict()
    assert mine._fields == theirs._fields and mine._field_defaults == theirs._field_defaults
    assert mine.__doc__ == theirs.__doc__ == "A point."
    assert mine.__qualname__ == theirs.__qualname__ and mine.__module__ == theirs.__module__
    assert mine.__mro__[1:] == theirs.__mro__[1:] == (tuple, object)
    assert a._replace(x=5) == mine(5, *args[1:])


@pytest.mark.parametrize("body", ["x: int = 1\n    y: int", "_fields = ()", "_make = None"])
def test_refuses_what_typing_refuses(body):
    code = f"class Bad(NamedTuple):\n    {body}\n"
    for base in (records.NamedTuple, typing.NamedTuple):
        with pytest.raises((TypeError, AttributeError)):
            exec(code, {"NamedTuple": base, "__name__": "t"})


@pytest.mark.parametrize("value", [
    Resource("Service", "", "v1", "services", ("svc",)),
    Selector((Requirement("app", "=", ("web",)),)),
    FieldError("FieldValueInvalid", "spec.x", 3, "bad"),
    Change(7, "ADDED", "default", "web", {"kind": "Service"}),
])
def test_the_records_on_the_get_path_are_namedtuples(value):
    assert isinstance(value, tuple) and type(value).__bases__ == (tuple,)
    assert pickle.loads(pickle.dumps(value)) == value
