"""Read-replica configuration and routing rules (the replica itself: tests/test_replica.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from policies.models import Policy
from portal import routers
from portal.routers import (
    PrimaryForWritesMiddleware,
    ReadReplicaRouter,
    read_alias,
    replica_databases,
)

PRIMARY = {"ENGINE": "django.db.backends.postgresql", "NAME": "policykb", "USER": "policykb"}


@pytest.fixture
def two_replicas(monkeypatch) -> None:
    monkeypatch.setattr(routers, "replica_aliases", lambda: ["replica1", "replica2"])


def test_local_and_url_replicas_are_parsed() -> None:
    base = Path("/srv/policykb")
    got = replica_databases(
        [
            "local",
            "postgresql://reader:s%40cret@db2.internal:6432/kb",
            "postgres:///policykb?host=/var/run/pg&port=5434",
        ],
        PRIMARY,
        base,
    )
    assert list(got) == ["replica1", "replica2", "replica3"]
    assert got["replica1"]["HOST"] == "/srv/policykb/.pgdata/replica/run"
    assert got["replica1"]["PORT"] == "5433"
    assert got["replica1"]["NAME"] == "policykb"
    assert (got["replica2"]["HOST"], got["replica2"]["PORT"]) == ("db2.internal", "6432")
    assert (got["replica2"]["USER"], got["replica2"]["PASSWORD"]) == ("reader", "s@cret")
    assert got["replica2"]["NAME"] == "kb"
    assert (got["replica3"]["HOST"], got["replica3"]["PORT"]) == ("/var/run/pg", "5434")
    assert all(entry["TEST"] == {"MIRROR": "default"} for entry in got.values())


def test_a_bad_replica_url_is_refused_with_its_position() -> None:
    with pytest.raises(ImproperlyConfigured, match="entry 2"):
        replica_databases(["local", "mysql://x/y"], PRIMARY, Path("/p"))


def test_without_replicas_everything_uses_the_primary() -> None:
    router = ReadReplicaRouter()
    assert read_alias() == "default"
    assert router.db_for_read(Policy) == "default"
    assert router.db_for_write(Policy) == "default"


def test_reads_go_to_a_replica_writes_and_migrations_to_the_primary(two_replicas) -> None:
    router = ReadReplicaRouter()
    alias = router.db_for_read(Policy)
    assert alias in {"replica1", "replica2"}
    assert router.db_for_read(Policy) == alias  # one thread stays on one replica
    assert router.db_for_write(Policy) == "default"
    assert router.allow_migrate("default", "policies") is True
    assert router.allow_migrate("replica1", "policies") is False


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("get", "/policies/", "replica"),
        ("post", "/api/v1/policies", "default"),
        ("get", "/admin/policies/policy/", "default"),
    ],
)
def test_requests_that_write_and_the_admin_read_from_the_primary(
    two_replicas, method, path, expected
) -> None:
    seen: list[str] = []

    def view(request):
        seen.append(read_alias())
        return None

    request = getattr(RequestFactory(), method)(path)
    PrimaryForWritesMiddleware(view)(request)
    assert seen[0].startswith(expected)
    assert read_alias() != "default"  # the primary-only block ended with the request
