"""Turning `get svc,po web`, `svc/web`, `all` into (resource, names) requests, as kubectl does."""

from __future__ import annotations

from kubesvc.api.errors import ClientError, UsageError
from kubesvc.api.resources import Resource, all_category
from kubesvc.api.resources import lookup as lookup_builtin


class Request:
    """One resource kind asked for and the names given for it (none: every object).
    Not a dataclass: `dataclasses` (with inspect) costs ~15 ms of every `get`'s start-up."""

    __slots__ = ("names", "resource")

    def __init__(self, resource: Resource, names: list[str] | None = None) -> None:
        self.resource = resource
        self.names = names if names is not None else []

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Request)
                and (self.resource, self.names) == (other.resource, other.names))

    def __repr__(self) -> str:
        return f"Request(resource={self.resource!r}, names={self.names!r})"


def parse_targets(args: list[str], store_kinds: list[str] = ()) -> list[Request]:
    if not args:
        raise UsageError("You must specify the type of resource to get. Use \"kubesvc "
                         "api-resources\" for a complete list of supported resources.")
    if any("/" in a for a in args):
        return _slash_form(args, store_kinds)
    kinds, names = args[0], args[1:]
    requests = []
    for word in kinds.split(","):
        if word == "all":
            requests.extend(Request(r) for r in all_category())
        else:
            requests.append(Request(lookup(word, store_kinds)))
    if names and len(requests) > 1:
        raise UsageError("you may only specify a single resource type when naming objects "
                         "(use TYPE/NAME for several types)")
    if names:
        requests[0].names = names
    return requests


def lookup(name: str, store_kinds) -> Resource:
    """A built-in resource, a kind stored in the state, or one a CRD defines (MetalLB's)."""
    try:
        return lookup_builtin(name, store_kinds)
    except ClientError:
        # lazy: `get` of a built-in kind (its start-up path) never reads the bundled CRDs
        from kubesvc.apiserver.crds import builtin_crds, resource_named  # noqa: PLC0415

        found = resource_named(list(builtin_crds()), name)
        if found is None:
            raise
        return found


def _slash_form(args: list[str], store_kinds) -> list[Request]:
    requests: list[Request] = []
    for arg in args:
        kind, sep, name = arg.partition("/")
        if not sep or not name:
            raise UsageError("there is no need to specify a resource type as a separate "
                             "argument when passing arguments in resource/name form (e.g. "
                             "'kubesvc get resource/<resource_name>' instead of 'kubesvc get "
                             "resource resource/<resource_name>'")
        res = lookup(kind, store_kinds)
        for req in requests:
            if req.resource == res:
                req.names.append(name)
                break
        else:
            requests.append(Request(res, [name]))
    return requests
