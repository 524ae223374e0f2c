"""`NamedTuple` for the modules on `get`'s start-up path, without importing `typing`.

`typing` costs ~4% of a `kubesvc get` that prints 10,000 rows, and the only thing those
modules need from it at run time is the NamedTuple class syntax. Type checkers see
`typing.NamedTuple` itself (the `if TYPE_CHECKING` branch); at run time a class written
`class Point(NamedTuple): x: int; y: int = 0` becomes `collections.namedtuple("Point",
["x", "y"], defaults=[0])` with the class body's methods, properties and docstring on it —
what `typing.NamedTuple` builds, minus the ForwardRef-wrapped `__annotations__` (these
modules use `from __future__ import annotations`; theirs stay the strings written)."""

from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    # what the class body may not redefine, and what it does not hand on (as typing's)
    _PROHIBITED = frozenset({"__new__", "__init__", "__slots__", "__getnewargs__", "_fields",
                             "_field_defaults", "_make", "_replace", "_asdict", "_source"})
    _SPECIAL = frozenset({"__module__", "__name__", "__annotations__"})

    class _NamedTupleMeta(type):
        def __new__(cls, typename, bases, ns):
            if ns.get("_root", False):  # the NamedTuple base itself
                return super().__new__(cls, typename, bases, ns)
            if bases != (NamedTuple,):
                raise TypeError("a NamedTuple class derives from NamedTuple alone")
            types = ns.get("__annotations__", {})
            defaults = [name for name in types if name in ns]
            if defaults and list(types)[-len(defaults):] != defaults:
                raise TypeError(f"{typename}: a field without a default follows one with")
            tpl = namedtuple(typename, list(types), defaults=[ns[n] for n in defaults],
                             module=ns["__module__"])
            tpl.__annotations__ = dict(types)
            for key, value in ns.items():
                if key in _PROHIBITED:
                    raise AttributeError(f"Cannot overwrite NamedTuple attribute {key}")
                if key not in _SPECIAL and key not in tpl._fields and key != "_root":
                    setattr(tpl, key, value)
            return tpl

    class NamedTuple(metaclass=_NamedTupleMeta):
        _root = True
