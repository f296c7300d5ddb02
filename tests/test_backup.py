"""`make backup` / `make restore FILE=…` (scripts/pg.sh): a restore gives back the same records
and the same search results."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

from search.query import SearchParams, search

PG = ["bash", str(Path(settings.BASE_DIR) / "scripts" / "pg.sh")]
TABLES = [
    "policies_policy",
    "policies_provision",
    "policies_issuingbody",
    "policies_target",
    "policies_goal",
    "policies_task",
    "policies_reference",
    "policies_keyterm",
    "search_searchentry",
    "search_dictionaryterm",
]
QUERIES = ["数据要素", "算力", "发改委 数据产业", "人工智能+"]


def counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        result = {}
        for table in TABLES:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            result[table] = cursor.fetchone()[0]
        return result


def answers() -> dict[str, list[tuple[str, str]]]:
    return {
        q: [(hit.policy_slug, hit.eid) for hit in search(SearchParams(q=q, limit=20)).items]
        for q in QUERIES
    }


@pytest.mark.django_db
def test_restore_gives_back_the_same_counts_and_search_results(tmp_path):
    source = connection.settings_dict["NAME"]
    assert source.startswith("test_")  # the session's test database, never the dev one
    scratch = f"{source}_restore"
    before_counts, before_answers = counts(), answers()
    assert before_counts["policies_provision"] > 0
    assert all(before_answers.values())

    dump = tmp_path / "kb.dump"
    subprocess.run([*PG, "backup", str(dump), source], check=True, capture_output=True)
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    # CREATE DATABASE cannot run inside the test's transaction: a connection of its own.
    admin = connection.copy()
    admin.connect()
    admin.set_autocommit(True)
    restored_db = connection.copy()
    restored_db.settings_dict["NAME"] = scratch
    original = connections["default"]
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
            cursor.execute(
                f"CREATE DATABASE \"{scratch}\" TEMPLATE template0 ENCODING 'UTF8' "
                "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
            )
        restored = subprocess.run(
            [*PG, "restore", str(dump), scratch], capture_output=True, text=True
        )
        assert restored.returncode == 0, restored.stderr
        connections["default"] = restored_db  # search() and counts() read the restored copy
        try:
            assert connection.settings_dict["NAME"] == scratch
            assert counts() == before_counts
            assert answers() == before_answers
        finally:
            connections["default"] = original
            restored_db.close()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.close()


def test_restore_refuses_a_missing_file(tmp_path):
    result = subprocess.run(
        [*PG, "restore", str(tmp_path / "nope.dump")], capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "no such file" in result.stderr
