"""The sample of the entries: matches enough among 1/32 of them prove a set beyond the count cap."""

from __future__ import annotations

import math

import pytest
from django.db import connection

from search.indexing import bump_catalog_version
from search.models import SearchEntry
from search.query import SearchParams, facets, rank, run, search
from search.query.plan import MATCH, fetchall

pytestmark = pytest.mark.django_db

TABLE = SearchEntry._meta.db_table
BOTH = f"e.words {MATCH} '数据 & 发展'::tsquery"  # as plan.where matches words


def in_sample(where: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE} e WHERE {where} AND {facets.SAMPLE_WHERE}")
        return cursor.fetchone()[0]


def test_the_sample_is_a_thirty_second_of_the_entries() -> None:
    everything, sampled = SearchEntry.objects.count(), in_sample("TRUE")
    assert everything == 363
    # Binomial(363, 1/32): 11.3 on average, 3.3 standard deviation.
    assert 3 <= sampled <= 21


def test_the_sample_indexes_serve_the_probe() -> None:
    """The migration's predicate is SAMPLE_WHERE's: the planner takes the sample's own index."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT FROM {TABLE} e WHERE e.grams @@ '数据'::tsquery AND "
            f"{facets.SAMPLE_WHERE}"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "search_entry_sample_grams" in plan
    rows = fetchall(f"EXPLAIN SELECT FROM {TABLE} e WHERE {BOTH} AND {facets.SAMPLE_WHERE}", [])
    assert "search_entry_sample_words" in "\n".join(row[0] for row in rows)


def test_the_threshold_is_where_a_capped_set_is_a_millionth_likely() -> None:
    mean = facets.COUNT_CAP / facets.SAMPLE_EVERY

    def at_least(k: int) -> float:
        return 1.0 - sum(math.exp(-mean) * mean**i / math.factorial(i) for i in range(k))

    assert facets.SAMPLE_HITS == 62
    assert at_least(facets.SAMPLE_HITS) < facets.SAMPLE_DOUBT <= at_least(facets.SAMPLE_HITS - 1)


def analyze() -> None:
    """Statistics, which may rule a capped set out (searches reload them)."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TABLE}")
    bump_catalog_version()


def counted_searches(monkeypatch) -> list[str]:
    """The queries whose matches the searches that follow count."""
    counted: list[str] = []
    count = run.facets_and_total

    def spy(plan, *args, **kwargs):
        counted.append(plan.where)
        return count(plan, *args, **kwargs)

    monkeypatch.setattr(run, "facets_and_total", spy)
    return counted


def test_enough_matches_in_the_sample_spare_the_count(monkeypatch) -> None:
    """数据 发展 (108 matches) with the count cap at 50 and the threshold at its matches in the
    sample: not counted, its facets from the ranked candidates; one match short of it:
    counted."""
    if not rank.rum_index_ready():
        pytest.skip("no RUM index on this server")
    analyze()
    sampled = in_sample(BOTH)
    assert sampled >= 1
    monkeypatch.setattr(facets, "COUNT_CAP", 50)
    counted = counted_searches(monkeypatch)
    monkeypatch.setattr(facets, "SAMPLE_HITS", sampled + 1)
    capped = search(SearchParams(q="数据 发展"))
    assert (capped.total, capped.total_is_estimate, capped.facet_basis) == (50, True, 50)
    assert len(counted) == 1
    counted.clear()
    monkeypatch.setattr(facets, "SAMPLE_HITS", sampled)
    estimated = search(SearchParams(q="数据 发展"))
    assert (estimated.total, estimated.total_is_estimate) == (50, True)
    assert counted == []
    assert [h.eid for h in estimated.items] == [h.eid for h in capped.items]
    # The facets describe the candidates ranked in full (the 108 matches, fewer than a pool).
    assert estimated.facet_basis == 108 and estimated.facets["type"]


def test_no_sample_is_asked_where_the_statistics_rule_a_capped_set_out(monkeypatch) -> None:
    """区块链 (7 entries at most, by its statistics): counted without asking the sample."""
    analyze()
    asked: list[str] = []
    probe = facets.fetchall
    monkeypatch.setattr(
        facets, "fetchall", lambda sql, *a, **k: asked.append(sql) or probe(sql, *a, **k)
    )
    results = search(SearchParams(q="区块链"))
    assert not results.total_is_estimate
    assert not any(facets.SAMPLE_WHERE in sql for sql in asked)


def test_the_words_of_a_query_nothing_matches_are_sampled_too(monkeypatch) -> None:
    """数据 量子鸽子: no entry holds both, so entries holding either fill the page; the sample
    puts those beyond the cap (threshold 1, cap 50), and only the full query is counted."""
    if not rank.rum_index_ready():
        pytest.skip("no RUM index on this server")
    analyze()
    monkeypatch.setattr(facets, "COUNT_CAP", 50)
    monkeypatch.setattr(facets, "SAMPLE_HITS", 1)
    counted = counted_searches(monkeypatch)
    results = search(SearchParams(q="数据 量子鸽子"))
    assert results.relaxed and results.total_full == 0
    assert (results.total, results.total_is_estimate) == (50, True)
    assert len(counted) == 1 and len(results.items) == 10
    # Fewer than a pool of candidates: every match is ranked, and the facets describe them.
    assert results.facet_basis > 50 and results.facets["type"]
