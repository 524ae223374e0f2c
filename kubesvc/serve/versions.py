"""resourceVersion and resourceVersionMatch on GET, LIST and WATCH, as kube-apiserver reads
them (api-concepts "Resource versions"):

- unset: the most recent state; "0": any state (kubesvc always has the most recent one);
- N with NotOlderThan (the default for a list or get with N): at least as new as N, so the
  most recent; N ahead of the state is waited for 3 seconds, then 504 Timeout "Too large
  resource version" (what a client that writes through one server and reads through
  another can see);
- N with Exact (lists only): the list as it was at N. The store keeps the latest bodies,
  not older ones: served when nothing of the kind (in the namespace) has changed since N,
  else 410 Expired "too old resource version", what a compacted etcd answers and what
  makes every client list afresh;
- the option combinations the API server refuses are a 422 Invalid ListOptions.
"""

from __future__ import annotations

import time

from kubesvc.serve import status as st
from kubesvc.serve.objects import Server
from kubesvc.serve.request import Request, Target
from kubesvc.serve.status import HttpError
from kubesvc.store import changes

TOO_LARGE_WAIT = 3.0  # seconds a read waits for a resourceVersion ahead of the state
EXACT, NOT_OLDER = "Exact", "NotOlderThan"


def parse(value: str) -> int | None:
    """A resourceVersion parameter: None for unset and "0" (any), else the number."""
    if value in ("", "0"):
        return None
    if not value.isdigit():
        raise HttpError(400, f"invalid resource version: {value!r}"[:200])
    return int(value)


def _invalid(problems: list[tuple[str, str]]) -> HttpError:
    text = "; ".join(f"{path}: {msg}" for path, msg in problems)
    if len(problems) > 1:
        text = f"[{text}]"
    return HttpError(422, f'ListOptions.meta.k8s.io "" is invalid: {text}', "Invalid",
                     {"group": "meta.k8s.io", "kind": "ListOptions",
                      "causes": [{"reason": "FieldValueForbidden" if "Forbidden" in m
                                  else "FieldValueNotSupported", "message": m, "field": p}
                                 for p, m in problems]})


def validate_list(req: Request) -> None:
    rv, match = req.query.get("resourceVersion", ""), req.query.get("resourceVersionMatch", "")
    problems: list[tuple[str, str]] = []
    if match:
        if not rv:
            problems.append(("resourceVersionMatch", "Forbidden: resourceVersionMatch is "
                                                     "forbidden unless resourceVersion is "
                                                     "provided"))
        if req.query.get("continue"):
            problems.append(("resourceVersionMatch", "Forbidden: resourceVersionMatch is "
                                                     "forbidden when continue is provided"))
        if match not in (EXACT, NOT_OLDER):
            problems.append(("resourceVersionMatch", f'Unsupported value: "{match}": supported '
                                                     'values: "Exact", "NotOlderThan", ""'))
        if match == EXACT and rv == "0":
            problems.append(("resourceVersionMatch", 'Forbidden: resourceVersionMatch "exact" '
                                                     'is forbidden for resourceVersion "0"'))
    if "sendInitialEvents" in req.query:
        problems.append(("sendInitialEvents", "Forbidden: sendInitialEvents is forbidden for "
                                              "list"))
    if problems:
        raise _invalid(problems)


def validate_watch(req: Request) -> None:
    match = req.query.get("resourceVersionMatch", "")
    problems: list[tuple[str, str]] = []
    if "sendInitialEvents" in req.query:
        if match != NOT_OLDER:
            problems.append(("resourceVersionMatch", "Forbidden: sendInitialEvents requires "
                                                     "setting resourceVersionMatch to "
                                                     "NotOlderThan"))
        if req.flag("sendInitialEvents") and not req.flag("allowWatchBookmarks"):
            problems.append(("allowWatchBookmarks", "Forbidden: sendInitialEvents requires "
                                                    "setting allowWatchBookmarks to true"))
    elif match:
        problems.append(("resourceVersionMatch", "Forbidden: resourceVersionMatch is forbidden "
                                                 "for watch unless sendInitialEvents is "
                                                 "provided"))
    if match and match != NOT_OLDER:
        problems.append(("resourceVersionMatch", f'Unsupported value: "{match}": supported '
                                                 'values: "NotOlderThan"'))
    if problems:
        raise _invalid(problems)


def too_large(wanted: int, current: int) -> dict:
    return st.status(504, "Timeout", f"Too large resource version: {wanted}, current: "
                                     f"{current}",
                     {"causes": [{"reason": "ResourceVersionTooLarge",
                                  "message": "Too large resource version"}],
                      "retryAfterSeconds": 1})


def check_read(server: Server, req: Request, gk: str, target: Target, namespaced: bool,
               listing: bool) -> str | None:
    """Refuse what a GET or LIST's resourceVersion asks that cannot be served; returns the
    resourceVersion an exact list must carry (None: the list's own)."""
    if listing:
        validate_list(req)
        if req.query.get("continue"):  # the token's snapshot decides
            return None
    wanted = parse(req.query.get("resourceVersion", ""))
    if wanted is None:
        return None
    exact = listing and req.query.get("resourceVersionMatch") == EXACT
    store = server.store()
    waited = 0.0
    while True:
        with store.read():
            current = int(store.get_meta("rv") or 0)
            if wanted <= current:
                if not exact or wanted == current:
                    return str(wanted) if exact else None
                floor = changes.floor(store.conn) if changes.present(store.conn) else current
                ns = target.namespace if namespaced else None
                if wanted >= floor and not changes.changed_since(store.conn, gk, ns, wanted):
                    return str(wanted)
                raise HttpError(410, f"too old resource version: {wanted} ({current})",
                                "Expired")
        if waited >= TOO_LARGE_WAIT:
            body = too_large(wanted, current)
            raise HttpError(504, body["message"], "Timeout", body["details"])
        time.sleep(0.1)
        waited += 0.1
