"""`get -w`: after the listing, a new row whenever another kubesvc command changes one of the
listed objects, as kubectl's watch prints them (no header again; a deleted object's last row)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kubesvc.cli.get_view import GetView
    from kubesvc.kubectl.environment import Environment
    from kubesvc.store.db import Store

POLL_SECONDS = 0.2


def _versions(found) -> dict[tuple, tuple]:
    return {(res.gk, o["metadata"].get("namespace", ""), o["metadata"]["name"]):
            (o["metadata"].get("resourceVersion", ""), o, res) for res, objs in found
            for o in objs}


def watch(env: Environment, store: Store, view: GetView, timeout: float | None) -> None:
    from kubesvc.printers.table.columns import table_for

    seen = _versions(view.collect(store)[0])
    shown = {res.gk: [o for _, o, r in seen.values() if r.gk == res.gk]
             for _, _, res in seen.values()}  # rows printed so far: their widths are kept
    last_rv = store.get_meta("rv")
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        while deadline is None or time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            rv = store.get_meta("rv")
            if rv == last_rv:
                continue
            last_rv = rv
            current = _versions(view.collect(store)[0])
            changed = [v for k, v in current.items() if seen.get(k, ("",))[0] != v[0]]
            changed += [v for k, v in seen.items() if k not in current]  # deleted
            for _, obj, res in changed:
                rows = shown.setdefault(res.gk, [])
                rows.append(obj)
                # the tabwriter remembers widths: render with every row shown so far and keep
                # the new one, so columns line up with the listing above
                table = table_for(res.kind, rows, env.now(), wide=view.fmt == "wide",
                                  all_namespaces=view.all_namespaces,
                                  no_headers=view.no_headers,
                                  show_kind_prefix=res.name_prefix if view.prefix else None)
                env.out(table.splitlines(keepends=True)[-1])
            seen = current
            env.stdout.flush()
    except KeyboardInterrupt:
        pass
