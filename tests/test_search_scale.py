"""Large match sets: capped counting, RUM candidate retrieval and its GIN fallback."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from django.urls import reverse

from search.query import SearchParams, facets, rank, search

pytestmark = pytest.mark.django_db

API = "/api/v1/search"
rum_migration = importlib.import_module("search.migrations.0002_words_rum_index")


def rum_available() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        return cursor.fetchone() is not None


def index_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = %s)", [name])
        return cursor.fetchone()[0]


def ranked(q: str) -> list[tuple[str, str]]:
    return [(h.policy_slug, h.eid) for h in search(SearchParams(q=q)).items]


def test_small_match_sets_are_counted_exactly() -> None:
    results = search(SearchParams(q="区块链"))
    assert results.total == 7
    assert results.total_is_estimate is False


def test_large_match_sets_are_counted_up_to_the_cap(client, monkeypatch) -> None:
    monkeypatch.setattr(facets, "COUNT_CAP", 10)
    body = client.get(API, {"q": "数据"}).json()
    assert body["total"] == 10
    assert body["total_is_estimate"] is True
    # facets describe the counted matches only
    assert sum(f["count"] for f in body["facets"]["type"]) == 10 + body["document_total"]
    assert len(body["items"]) == 10
    page = client.get(reverse("search:page"), {"q": "数据"}).content.decode()
    assert "10+ 条条款" in page
    assert "以下计数仅统计前 10 条" in page


def test_uncapped_answer_says_so(client) -> None:
    body = client.get(API, {"q": "区块链"}).json()
    assert body["total_is_estimate"] is False
    page = client.get(reverse("search:page"), {"q": "区块链"}).content.decode()
    assert "7 条条款" in page and "仅统计" not in page


def test_rum_index_exists_where_the_extension_does() -> None:
    rank._rum_ready.clear()
    assert rank.rum_index_ready() == rum_available()
    assert index_exists(rank.RUM_INDEX) == rum_available()


@pytest.mark.parametrize("q", ["数据要素", "数据 安全"])
def test_candidate_retrieval_keeps_the_top_hits(q: str, monkeypatch) -> None:
    if not rank.rum_index_ready():
        pytest.skip("no RUM index on this server")
    full = ranked(q)
    taken: list[bool] = []
    hits = rank.ranked_hits

    def spy(plan, limit, offset, intent, candidates, weights, **kwargs):
        taken.append(candidates is not None)
        return hits(plan, limit, offset, intent, candidates, weights, **kwargs)

    monkeypatch.setattr(rank, "ranked_hits", spy)
    monkeypatch.setattr(rank, "CANDIDATES", 30)  # of 54 and 136 matches
    assert ranked(q)[:3] == full[:3]
    assert taken == [True]


def test_without_rum_every_match_is_ranked(monkeypatch) -> None:
    full = ranked("数据要素")
    monkeypatch.setattr(rank, "rum_index_ready", lambda: False)
    monkeypatch.setattr(rank, "CANDIDATES", 5)
    assert ranked("数据要素") == full


def test_migration_does_nothing_without_the_extension() -> None:
    """A server without postgresql-15-rum: no extension, no index, no error."""

    def hide_rum(execute, sql, params, many, context):
        return execute(
            sql.replace("name = 'rum'", "name = 'rum-not-installed'"), params, many, context
        )

    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {rank.RUM_INDEX}")
    with connection.execute_wrapper(hide_rum):
        rum_migration.create_rum_index(None, SimpleNamespace(connection=connection))
    assert not index_exists(rank.RUM_INDEX)
    if rum_available():
        rum_migration.create_rum_index(None, SimpleNamespace(connection=connection))
        assert index_exists(rank.RUM_INDEX)


def test_planner_settings_do_not_outlive_the_search() -> None:
    search(SearchParams(q="数据要素"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), current_setting('enable_bitmapscan')"
        )
        assert cursor.fetchone() == ("on", "on")
