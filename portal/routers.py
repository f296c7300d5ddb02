"""Read scaling: reads go to streaming replicas, writes (and reads that must see them) to the
primary. Off unless ``DATABASE_REPLICAS`` is set (see :func:`replica_databases`).

* Pages and the API read through the ORM, so :class:`ReadReplicaRouter` sends them to a replica.
* Search runs raw SQL on one connection for the whole query: ``search.query`` takes it from
  :data:`read_connection` inside ``with reading(read_alias()):``.
* A request that writes (any method but GET/HEAD/OPTIONS) and the admin read from the primary
  (:class:`PrimaryForWritesMiddleware`): a replica replays the write a few milliseconds later,
  and a form must not be re-shown from before it.
"""

from __future__ import annotations

import contextvars
import os
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.connection import ConnectionProxy

# Port of the replica `make replica` starts (scripts/replica.sh).
LOCAL_REPLICA_PORT = "5433"

_primary_only = contextvars.ContextVar("primary_only", default=False)
_read_alias = contextvars.ContextVar("read_alias", default=DEFAULT_DB_ALIAS)


def replica_databases(specs: list[str], primary: dict, base_dir: Path) -> dict[str, dict]:
    """DATABASES entries ``replica1``… for ``specs``: ``local`` (the `make replica` standby) or
    ``postgresql://user:pw@host:port/db`` URLs (``?host=/socket/dir`` for a unix socket)."""
    replicas: dict[str, dict] = {}
    for n, spec in enumerate(specs, start=1):
        if spec == "local":
            entry = {
                **primary,
                "HOST": str(base_dir / ".pgdata" / "replica" / "run"),
                "PORT": LOCAL_REPLICA_PORT,
            }
        else:
            url = urlparse(spec)
            if url.scheme not in {"postgres", "postgresql"}:
                raise ImproperlyConfigured(
                    f"DATABASE_REPLICAS entry {n} must be 'local' or postgres://…"
                )
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            entry = {
                **primary,
                "NAME": url.path.lstrip("/") or primary.get("NAME", ""),
                "USER": unquote(url.username or "") or primary.get("USER", ""),
                "PASSWORD": unquote(url.password or ""),
                "HOST": query.get("host") or url.hostname or "",
                "PORT": query.get("port") or str(url.port or ""),
            }
        # Tests read the primary's test database through the replica: nothing to create.
        entry["TEST"] = {"MIRROR": DEFAULT_DB_ALIAS}
        replicas[f"replica{n}"] = entry
    return replicas


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def read_alias() -> str:
    """Where a read should go now: a replica (the same one for a thread), else the primary."""
    replicas = replica_aliases()
    if not replicas or _primary_only.get():
        return DEFAULT_DB_ALIAS
    # Spread threads/processes over the replicas, but keep each one on one replica: its reads
    # then see one consistent, monotonic history.
    key = f"{os.getpid()}:{threading.get_ident()}"
    return replicas[zlib.crc32(key.encode()) % len(replicas)]


@contextmanager
def reading(alias: str) -> Iterator[None]:
    """Make :data:`read_connection` the connection of ``alias`` inside the block."""
    token = _read_alias.set(alias)
    try:
        yield
    finally:
        _read_alias.reset(token)


@contextmanager
def primary_only() -> Iterator[None]:
    """Every read inside the block goes to the primary."""
    token = _primary_only.set(True)
    try:
        yield
    finally:
        _primary_only.reset(token)


class _ReadConnections:
    """Looks like ``django.db.connections`` to a ConnectionProxy, resolving the alias late."""

    def __getitem__(self, _alias: str):
        return connections[_read_alias.get()]

    def __setitem__(self, _alias: str, value) -> None:
        connections[_read_alias.get()] = value

    def __delitem__(self, _alias: str) -> None:
        del connections[_read_alias.get()]


# ``connection`` for code that runs raw SQL for reads: the connection of the innermost
# ``reading(alias)`` block, the primary outside any.
read_connection = ConnectionProxy(_ReadConnections(), DEFAULT_DB_ALIAS)


class ReadReplicaRouter:
    """Reads to a replica (when configured), writes and migrations to the primary."""

    def db_for_read(self, model, **hints) -> str | None:
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # every database holds the same data

    def allow_migrate(self, db: str, app_label: str, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


class PrimaryForWritesMiddleware:
    """Requests that write, and the admin, read from the primary (see the module docstring)."""

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        admin = request.path.startswith("/admin/")
        if request.method in self.SAFE_METHODS and not admin:
            return self.get_response(request)
        with primary_only():
            return self.get_response(request)
