"""One command's unit of work, as the API server and the controller-manager do it together:
open the store (creating it on first use), take the write lock, hand out one ApiContext, and
on a clean exit run the controllers, then commit. A dry run is computed whole and rolled back;
an exception rolls everything back. Every write verb goes through here, and so does the seed
of a new store (inside the transaction that creates it).

    with Session.open(env, state=state) as api:
        registry.create(api, res, obj)
    # committed, with the ReplicaSets, pods and endpoints the controllers derived from it
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from kubesvc.api.errors import ClientError
from kubesvc.kubectl.environment import Environment
from kubesvc.store.db import Store
from kubesvc.store.files import default_state_file

# Start-up: read-only verbs (`get`, on its fast path) open the store through here and never
# need the API server, the controllers or the seed; write sessions import them when they start.
TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from typing import Any

    from kubesvc.apiserver.context import ApiContext


class Session:
    """A write session. `with session as api:` takes the write lock and yields the ApiContext;
    `session.store` is usable before that (to read what the command is about)."""

    def __init__(self, env: Environment, store: Store, *, dry_run: bool = False,
                 controllers: bool = True, own_transaction: bool = True):
        self.env = env
        self.store = store
        self.dry_run = dry_run
        self.controllers = controllers  # False: kubectl's client-side dry run
        self.own_transaction = own_transaction  # False: inside Store.create's transaction
        self.api: ApiContext | None = None
        self._settled = -1  # len(api.changes) when the controllers last ran

    @classmethod
    def open(cls, env: Environment, state: str | None = None, *, dry_run: bool = False,
             controllers: bool = True, create: bool = True) -> Session:
        """A session on the state file the environment (or the verb's --state) names;
        `create=False` for verbs that only read (a missing state is an error, not a cluster)."""
        return cls(env, open_state(env, state, create=create), dry_run=dry_run,
                   controllers=controllers)

    def __enter__(self) -> ApiContext:
        from kubesvc.apiserver.context import ApiContext  # noqa: PLC0415 - lazy: see the module's imports (start-up)

        if self.own_transaction:
            self.store.begin()
        self.api = ApiContext(self.store, self.env.now(), dry_run=self.dry_run)
        return self.api

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is not None:
            if self.own_transaction:
                self.store.rollback()
            return
        try:
            if self.controllers and self.api is not None and (
                    self._settled != len(self.api.changes)):
                self.settle()
        except BaseException:
            if self.own_transaction:
                self.store.rollback()
            raise
        if not self.own_transaction:
            return
        if self.dry_run:
            self.store.rollback()
        else:
            self.store.commit()

    def settle(self) -> None:
        """Run the controllers now (`diff` reads what they derived before the rollback);
        on exit they run again only if something changed since."""
        from kubesvc.controllers import run_controllers  # noqa: PLC0415 - lazy: see the module's imports (start-up)

        assert self.api is not None, "settle() inside `with session`"
        run_controllers(self.api)
        self._settled = len(self.api.changes)


@contextmanager
def read_session(env: Environment, state: str | None = None) -> Iterator[Store]:
    """What read-only verbs use: no write lock, one consistent snapshot of the state while
    the command reads it (a writer committing meanwhile is not half seen)."""
    store = open_state(env, state, create=False)
    with store.read():
        yield store


def open_store(path: str | os.PathLike[str], *, env: Environment | None = None, create: bool = True,
               busy_timeout: float | None = None, settings: dict | None = None,
               dns_addon: bool = False, make_folders: bool = True) -> Store:
    """Open the store at `path`, creating it (with `settings`, default ones otherwise) on first
    use: the fresh cluster is seeded through a Session inside the transaction that creates it."""
    env = env or Environment()
    try:
        if busy_timeout is None:
            return Store.open(path)
        return Store.open(path, busy_timeout=busy_timeout)
    except FileNotFoundError:
        if not create:
            raise ClientError(f"no kubesvc state at {path}: {MISSING_HINT}") from None
        folder = os.path.dirname(path) or "."  # str(Path(path).parent)
        if not make_folders and not os.path.isdir(folder):
            raise ClientError(f"cannot create the state file {path}: the folder {folder} "
                              "does not exist") from None
    from kubesvc.bootstrap import seed as bootstrap  # noqa: PLC0415 - lazy: see the module's imports (start-up)

    settings = settings or bootstrap.make_settings()

    def fill(store: Store) -> None:
        with Session(env, store, own_transaction=False) as api:
            bootstrap.seed(api, dns_addon=dns_addon)

    return Store.create(path, settings, fill)


MISSING_HINT = ("no such file (run `kubesvc cluster init`, or `kubesvc apply -f FILE`, to "
                "create one; --state or KUBESVC_STATE names another)")


def open_state(env: Environment, state: str | None = None, **options: Any) -> Store:
    """The store the verb's --state, the global --state or the environment names."""
    path = env.state_file(state)  # a str, as str(Path(...)): no pathlib on `get`'s start-up
    # only the default XDG folder is made for the user: a path someone typed whose folder is
    # missing is much more likely a typo than a wish for new folders
    default = default_state_file({k: v for k, v in env.environ.items() if k != "KUBESVC_STATE"})
    return open_store(path, env=env, busy_timeout=env.lock_timeout(),
                      make_folders=path == default, **options)
