"""Read scaling: with a replica configured, pages and search are served from a streaming replica
of the project's cluster (started here with scripts/replica.sh, as `make replica` does), while
writes go to the primary."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.db.utils import InternalError, OperationalError, ProgrammingError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from policies.models import IssuingBody, Policy, Provision
from portal.routers import primary_only, replica_databases
from search.models import SearchEntry
from search.query import SearchParams, search

ROOT = Path(settings.BASE_DIR)
SCRIPT = ROOT / "scripts" / "replica.sh"
ALIAS = "replica1"

pytestmark = [
    pytest.mark.skipif(
        bool(os.environ.get("DATABASE_URL")), reason="the local replica needs the local cluster"
    ),
    pytest.mark.django_db(databases=["default", ALIAS]),
]


def _replica_running() -> bool:
    return subprocess.run(["bash", str(SCRIPT), "status"], capture_output=True).returncode == 0


@pytest.fixture(scope="module", autouse=True)
def replica(django_db_setup, django_db_blocker):
    """The local replica as ``replica1``, reading the primary's test database."""
    was_running = _replica_running()
    subprocess.run(["bash", str(SCRIPT), "start"], check=True, timeout=600)
    primary = connections["default"].settings_dict
    entry = {**primary, **replica_databases(["local"], primary, ROOT)[ALIAS]}
    entry["TEST"] = {**primary.get("TEST", {}), "MIRROR": "default"}
    entry["NAME"] = primary["NAME"]  # the test database: streamed like every other
    settings.DATABASES[ALIAS] = entry
    connections.settings[ALIAS] = entry
    try:
        with django_db_blocker.unblock():
            # The seed documents were committed on the primary at session start: wait for the
            # replica to replay them.
            deadline = time.monotonic() + 60
            expected = Provision.objects.using("default").count()
            while Provision.objects.using(ALIAS).count() != expected:
                assert time.monotonic() < deadline, "replica did not catch up within 60 s"
                time.sleep(0.2)
        yield ALIAS
    finally:
        connections[ALIAS].close()
        del connections.settings[ALIAS]
        settings.DATABASES.pop(ALIAS, None)
        if not was_running:
            subprocess.run(["bash", str(SCRIPT), "stop"], check=False, timeout=120)


def _tables(queries: CaptureQueriesContext) -> str:
    return "\n".join(q["sql"] for q in queries.captured_queries)


def test_replica_is_a_hot_standby_of_the_primary() -> None:
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_setting('port')")
        assert cursor.fetchone() == (True, "5433")
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (False,)
    with pytest.raises((InternalError, OperationalError, ProgrammingError)):
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("CREATE TABLE replica_write_probe (a int)")


def test_pages_are_served_from_the_replica(client) -> None:
    policy = Policy.objects.using("default").get(doc_number="发改数据〔2024〕1836号")
    replica = CaptureQueriesContext(connections[ALIAS])
    primary = CaptureQueriesContext(connections["default"])
    with replica, primary:
        listing = client.get(reverse("policies:list"))
        detail = client.get(policy.get_absolute_url())
        page = client.get(reverse("search:page"), {"q": "可信数据空间"})
    assert listing.status_code == detail.status_code == page.status_code == 200
    assert policy.title in detail.content.decode()
    assert "可信数据空间" in page.content.decode()
    sql = _tables(replica)
    assert "policies_policy" in sql and "policies_provision" in sql
    assert "search_searchentry" in sql
    assert primary.captured_queries == []


def test_search_is_served_from_the_replica_with_the_primarys_answer() -> None:
    replica = CaptureQueriesContext(connections[ALIAS])
    primary = CaptureQueriesContext(connections["default"])
    with replica, primary:
        results = search(SearchParams(q="可信数据空间"))
    assert "search_searchentry" in _tables(replica)
    assert primary.captured_queries == []
    with primary_only():
        expected = search(SearchParams(q="可信数据空间"))
    assert results.total == expected.total > 0
    assert [(h.policy_slug, h.eid) for h in results.items] == [
        (h.policy_slug, h.eid) for h in expected.items
    ]


def test_writes_go_to_the_primary(client) -> None:
    replica = CaptureQueriesContext(connections[ALIAS])
    primary = CaptureQueriesContext(connections["default"])
    with replica, primary:
        body = IssuingBody.objects.create(name="量子鸽子管理局", slug="quantum-pigeon-bureau")
    assert body._state.db == "default"
    assert "INSERT" in _tables(primary)
    assert replica.captured_queries == []
    # Reads of an object follow it to the database it came from.
    assert IssuingBody.objects.db_manager(body._state.db).filter(pk=body.pk).exists()
    # The test transaction is not committed, so the replica cannot have it.
    assert not IssuingBody.objects.using(ALIAS).filter(pk=body.pk).exists()
    assert SearchEntry.objects.using(ALIAS).count() == SearchEntry.objects.using("default").count()
