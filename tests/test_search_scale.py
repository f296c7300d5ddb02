"""Large match sets: capped counting, RUM candidate retrieval and its GIN fallback."""

from __future__ import annotations

import dataclasses
import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from django.urls import reverse

from search.query import SearchParams, facets, rank, run, search
from search.query import catalog as catalog_module
from search.query.catalog import Catalog
from search.query.facets import facets_and_total as count
from search.query.plan import MATCH, substring_sql
from tests.ranking_spy import spy_on_rankings

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
    assert "以下计数仅统计其中 10 条" in page
    assert body["facet_basis"] == 10


def test_match_sets_estimated_far_above_the_cap_are_not_counted(client, monkeypatch) -> None:
    if not rank.rum_index_ready():
        pytest.skip("no RUM index on this server")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchentry")  # the statistics the estimate comes from
    monkeypatch.setattr(catalog_module, "_catalog", Catalog())  # reloaded with them
    counted = []
    monkeypatch.setattr(run, "facets_and_total", lambda *a: counted.append(1) or count(*a))
    monkeypatch.setattr(facets, "ESTIMATE_FROM", 20)
    monkeypatch.setattr(rank, "CANDIDATES", 30)
    body = client.get(API, {"q": "数据"}).json()
    assert counted == []
    assert (body["total"], body["total_is_estimate"]) == (facets.COUNT_CAP, True)
    assert len(body["items"]) == 10
    # The facets describe the candidates ranked in full (30, plus the document results).
    assert body["facet_basis"] == 30
    assert sum(f["count"] for f in body["facets"]["type"]) == 30 + body["document_total"]


def test_words_the_statistics_do_not_list_are_counted(monkeypatch) -> None:
    """Their share is only an upper bound (rarer than the rarest listed): never estimated."""
    if not rank.rum_index_ready():
        pytest.skip("no RUM index on this server")
    monkeypatch.setattr(facets, "ESTIMATE_FROM", 1)
    monkeypatch.setattr(Catalog, "selectivity", lambda self, term: 1.0)  # an upper bound
    results = search(SearchParams(q="区块链"))  # in 7 clauses: not among the common elements
    assert (results.total, results.total_is_estimate) == (7, False)


def test_a_wrong_estimate_is_counted_after_all(monkeypatch) -> None:
    """区块链 is in 7 clauses; statistics that put it in every entry leave the page short."""
    if not rank.rum_index_ready():
        pytest.skip("no RUM index on this server")
    monkeypatch.setattr(facets, "ESTIMATE_FROM", 20)
    monkeypatch.setattr(Catalog, "known_share", lambda self, term: 1.0)
    counted = []
    monkeypatch.setattr(run, "facets_and_total", lambda *a: counted.append(1) or count(*a))
    results = search(SearchParams(q="区块链"))
    assert counted == [1]  # once: the second try, after the estimated one came back short
    assert (results.total, results.total_is_estimate, len(results.items)) == (7, False, 7)


def test_uncapped_answer_says_so(client) -> None:
    body = client.get(API, {"q": "区块链"}).json()
    assert body["total_is_estimate"] is False
    page = client.get(reverse("search:page"), {"q": "区块链"}).content.decode()
    assert "7 条条款" in page and "仅统计" not in page


def test_rum_index_exists_where_the_extension_does() -> None:
    rank._rum_ready.clear()
    assert rank.rum_index_ready() == rum_available()
    assert index_exists(rank.RUM_INDEX) == rum_available()


def candidate_stages_taken(monkeypatch) -> list[bool]:
    """Whether each ranking of the searches that follow was given candidates (in order)."""
    taken: list[bool] = []
    spy_on_rankings(monkeypatch, lambda candidates: taken.append(candidates is not None))
    return taken


@pytest.mark.parametrize("q", ["数据要素", "数据 安全"])
def test_candidate_retrieval_keeps_the_top_hits(q: str, monkeypatch) -> None:
    if not rank.rum_index_ready():
        pytest.skip("no RUM index on this server")
    full = ranked(q)
    taken = candidate_stages_taken(monkeypatch)
    assert ranked(q) == full and taken == [False]  # counted: every match scored
    taken.clear()
    # Beyond the count cap (40 of 54 and 136 matches), 30 candidates.
    monkeypatch.setattr(facets, "COUNT_CAP", 40)
    monkeypatch.setattr(rank, "CANDIDATES", 30)
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


def test_planner_settings_sent_with_a_statement_apply_to_it() -> None:
    """fetchall() sends changed settings in the statement's round trip; they are in effect
    when that statement is planned, and stay for the next one that wants the same."""
    from django.db import transaction

    from search.query.plan import fetchall, planner_settings_tracked

    settings = "SELECT 'statement', current_setting('enable_seqscan'), current_setting('enable_bitmapscan')"
    with transaction.atomic(), planner_settings_tracked():
        assert fetchall(settings, [], ordered_index_scan=True) == [("statement", "off", "off")]
        with connection.cursor() as cursor:  # nothing sent again: still in effect
            cursor.execute(settings)
            assert cursor.fetchall() == [("statement", "off", "off")]
        on = fetchall(settings + " WHERE %s > 0", [1], allow_seqscan=True)
        assert on == [("statement", "on", "on")]


def test_common_words_are_left_out_of_candidate_retrieval() -> None:
    from search.query.catalog import current_catalog
    from search.query.parse import parse_query
    from search.query.weights import active

    terms = parse_query("医疗 数据 共享", current_catalog(), active()).terms
    found = rank.candidate_queries(terms, False, common=frozenset({"数据"}))
    match, ranking = found.match, found.ranking
    assert "数据" not in match and "数据" not in ranking
    assert "医疗" in match and "共享" in match
    # A query of common words only keeps them: nothing else would constrain the candidates.
    (only,) = parse_query("数据", current_catalog(), active()).terms
    assert "数据" in rank.candidate_queries([only], False, common=frozenset({"数据"})).match


def test_candidates_without_common_words_keep_the_top_hits(monkeypatch) -> None:
    if not rank.rum_index_ready():
        pytest.skip("no RUM index on this server")
    q = "数据 安全"
    full = ranked(q)
    taken = []
    queries = rank.candidate_queries
    monkeypatch.setattr(rank, "candidate_queries", lambda *a: taken.append(a) or queries(*a))
    monkeypatch.setattr(facets, "COUNT_CAP", 40)  # of 136 matches: beyond the cap
    monkeypatch.setattr(rank, "CANDIDATES", 30)
    monkeypatch.setattr(Catalog, "common_lexemes", lambda self: frozenset({"数据"}))
    assert ranked(q)[:3] == full[:3]
    assert taken and taken[0][-1] == frozenset({"数据"})


def test_common_bigrams_are_left_to_the_like_check(monkeypatch) -> None:
    from search.query import plan

    before = search(SearchParams(q='"高质量数据集"'))
    monkeypatch.setattr(Catalog, "common_grams", lambda self: frozenset({"数据"}))
    _sql, params = plan.substring_sql("高质量数据集")
    assert "'数据'" not in params[0] and "'据集'" in params[0]
    assert params[1] == "%高质量数据集%"  # the substring itself is still required
    # Fewer than two other bigrams: kept.
    assert "'数据'" in plan.substring_sql("数据集")[1][0]
    after = search(SearchParams(q='"高质量数据集"'))
    assert after.total == before.total == 13  # clauses whose text, heading or path has it
    assert [h.eid for h in after.items] == [h.eid for h in before.items]


def _plan(q: str):
    from search.normalize import normalize_query
    from search.query.catalog import current_catalog
    from search.query.parse import parse_query
    from search.query.plan import build_plan
    from search.query.weights import active

    catalog = current_catalog()
    parsed = parse_query(normalize_query(q), catalog, active())
    meta_ids = [[] for _ in parsed.positive]
    return build_plan(parsed.terms, meta_ids, SearchParams(q=q), catalog, active())


def _count(where: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM search_searchentry e WHERE {where}", params)
        return cursor.fetchone()[0]


def test_the_statement_counting_a_set_ranks_it_only_within_the_cap(monkeypatch) -> None:
    """A counted set's page comes from the statement counting it (facets.Counting): the page of
    every match scored, with the same count and facets as counting alone; beyond the cap it
    ranks nothing, and its count and facets are still those of counting alone."""
    from search.query.catalog import current_catalog
    from search.query.weights import active

    plan, catalog = _plan("数据要素"), current_catalog()

    def ranking(counting):
        return rank.ranked_hits(plan, 10, 0, {}, None, active(), counting=counting)

    total, capped, alone, _ = count(plan, catalog)
    assert not capped and total == _count(plan.where, plan.params) == 102
    assert count(plan, catalog, 1.0, ranking)[:3] == (102, False, alone)
    hits, details = count(plan, catalog, 1.0, ranking)[3]
    page = search(SearchParams(q="数据要素"))
    assert [(details[pid][5], details[pid][0], round(score, 4)) for pid, score, _, _ in hits] == [
        (h.policy_slug, h.eid, round(h.score, 4)) for h in page.items
    ]
    monkeypatch.setattr(facets, "COUNT_CAP", 40)
    capped_alone = count(plan, catalog)
    assert capped_alone[:2] == (40, True)
    assert count(plan, catalog, 1.0, ranking) == (*capped_alone[:3], None)
    hits, value, _ = ranking(facets.Counting.of(plan))
    assert hits == [] and value["n"] == 41  # nothing scored: the count stops at the cap + 1


@pytest.mark.parametrize(
    "q", ["数据 安全", "人工智能 医疗", "算力 基础设施 建设", "数据要素 流通 -市场"]
)
def test_the_words_probe_finds_only_matches(q: str) -> None:
    """The probe's entries are a subset of the query's matches (it is a lower bound), and for
    words as the index holds them, most of them."""
    plan = _plan(q)
    assert plan.words_probe
    probe = f"e.words @@ %s::tsquery AND {plan.rest_where}"
    probe_params = [plan.words_probe, *plan.rest_params]
    found, total = _count(probe, probe_params), _count(plan.where, plan.params)
    assert 0 < found <= total
    assert _count(f"{probe} AND NOT ({plan.where})", [*probe_params, *plan.params]) == 0


def test_no_words_probe_for_a_phrase_or_one_term() -> None:
    assert _plan('"数据安全" 保障').words_probe == ""
    assert _plan("数据安全").words_probe == ""  # its full conditions cost about the same
    assert _plan("数据安全 保障").words_probe == "(('数据安全')) & (('保障'))"


def statements_run(module, monkeypatch) -> list[str]:
    """The SQL of every statement ``module``'s fetchall runs from now on (in order)."""
    statements: list[str] = []
    real = module.fetchall
    monkeypatch.setattr(
        module,
        "fetchall",
        lambda sql, params, **kw: statements.append(sql) or real(sql, params, **kw),
    )
    return statements


def test_a_conjunction_past_the_cap_is_counted_by_its_words_alone(client, monkeypatch) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchentry")  # the shares that say the cap is reachable
    monkeypatch.setattr(catalog_module, "_catalog", Catalog())  # reloaded with them
    monkeypatch.setattr(facets, "COUNT_CAP", 10)
    statements = statements_run(facets, monkeypatch)
    body = client.get(API, {"q": "数据 安全"}).json()
    # The sample is asked first, for the same subset of the matches: it holds too few of them
    # (SAMPLE_HITS, 62, needed).
    sampled = statements.pop(0)
    assert facets.SAMPLE_WHERE in sampled and "e.words @@@ %s::tsquery AND TRUE" in sampled
    assert len(statements) == 1 and "e.words @@@ %s::tsquery AND TRUE" in statements[0]
    assert (body["total"], body["total_is_estimate"], body["facet_basis"]) == (10, True, 10)
    assert sum(f["count"] for f in body["facets"]["type"]) == 10 + body["document_total"]
    # Below the cap the probe comes up short and the full conditions are counted (at 363
    # entries the statistics would not even try it: a share that makes the cap reachable).
    monkeypatch.setattr(facets, "COUNT_CAP", 90)
    plan = dataclasses.replace(_plan("数据 安全"), most_share=1.0)
    statements.clear()
    total, capped, _facets, _page = count(plan, catalog_module.current_catalog())
    assert len(statements) == 2 and "e.words @@@ %s::tsquery AND TRUE" in statements[0]
    assert (total, capped) == (_count(plan.where, plan.params), False)
    assert 10 < total < 90


def test_matching_never_goes_through_the_rum_index() -> None:
    """RUM serves only ``ORDER BY <=>``: a match that is not ranked in the index is a bitmap
    scan, which through RUM took three times as long as through GIN at 1M entries. The match
    conditions use ``@@@``, which only GIN supports: without the GIN index they scan the
    table rather than fall back to RUM (the control, ``@@``, does)."""
    if not index_exists(rank.RUM_INDEX):
        pytest.skip("no RUM index here")
    plan = _plan("数据安全 保障")
    shown = {}
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX search_entry_words_gin")  # rolled back with the test
        cursor.execute("SET LOCAL enable_seqscan = off")
        for name, where, params in [
            ("plan", plan.where, plan.params),
            ("probe", f"e.words {MATCH} %s::tsquery", [plan.words_probe]),
            ("control", "e.words @@ %s::tsquery", [plan.words_probe]),
        ]:
            cursor.execute(f"EXPLAIN SELECT 1 FROM search_searchentry e WHERE {where}", params)
            shown[name] = "\n".join(row[0] for row in cursor.fetchall())
    assert rank.RUM_INDEX in shown["control"]
    assert rank.RUM_INDEX not in shown["plan"] and rank.RUM_INDEX not in shown["probe"]


def test_filters_are_matched_in_the_words_index() -> None:
    """Type, status and bodies are further columns of the words GIN index (migration 0007): a
    filtered match is one index scan, not a visit of every row the words match."""
    from search.normalize import normalize_query
    from search.query.catalog import current_catalog
    from search.query.parse import parse_query
    from search.query.plan import build_plan
    from search.query.weights import active

    catalog = current_catalog()
    params = SearchParams(q="数据 安全", type="规划", status="现行有效", body="miit")
    parsed = parse_query(normalize_query(params.q), catalog, active())
    plan = build_plan(parsed.terms, [[] for _ in parsed.positive], params, catalog, active())
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT 1 FROM search_searchentry e WHERE e.words {MATCH} %s::tsquery "
            f"AND {plan.rest_where}",
            [plan.words_probe, *plan.rest_params],
        )
        shown = "\n".join(row[0] for row in cursor.fetchall())
    (condition,) = [line for line in shown.splitlines() if "Index Cond" in line]
    assert "search_entry_words_gin" in shown
    assert all(column in condition for column in ("words", "doc_type", "status", "body_ids"))
    # And in the grams index (migration 0008), for the substring path every term has.
    grams, grams_params = substring_sql("数据安全")
    with connection.cursor() as cursor:
        # Without the words index (the test's transaction puts it back), which the planner
        # would take for the filters alone at this size.
        cursor.execute("DROP INDEX search_entry_words_gin")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT 1 FROM search_searchentry e WHERE {grams} AND {plan.rest_where}",
            [*grams_params, *plan.rest_params],
        )
        shown = "\n".join(row[0] for row in cursor.fetchall())
    (condition,) = [line for line in shown.splitlines() if "Index Cond" in line]
    assert "search_entry_grams_gin" in shown
    assert all(column in condition for column in ("grams", "doc_type", "status", "body_ids"))
    # 工信部's plan has 25 provisions whose heading or text holds both 数据 and 安全.
    assert search(params).total == 25


def test_a_counted_filtered_match_set_is_scored_in_full(monkeypatch) -> None:
    """Under filters the counted matches are all scored (RUM's ordered scan would read past
    every entry the filters reject), so the top hits are exact whatever the candidate pool."""
    if not rank.rum_index_ready():
        pytest.skip("no RUM index on this server")
    params = SearchParams(q="数据", type="规划", limit=5)
    full = [(h.eid, h.score) for h in search(params).items]
    taken = candidate_stages_taken(monkeypatch)
    monkeypatch.setattr(rank, "CANDIDATES", 5)
    results = search(params)
    # 工信部's plan (the one 规划): 79 of its 95 provisions hold 数据 in heading or text.
    assert (results.total, results.total_is_estimate) == (79, False)
    assert [(h.eid, h.score) for h in results.items] == full
    assert taken == [False]


def test_the_score_reads_each_row_feature_computed_once(monkeypatch) -> None:
    """The occurrence count of a term is computed once per scored row and read by both the
    exact-match and the saturated-count parts of the score (written twice, PostgreSQL would
    count twice); without partial matches, matching every term is not checked again."""
    statements = statements_run(rank, monkeypatch)
    results = search(SearchParams(q="公共数据"))
    assert results.items and all(hit.matched_all for hit in results.items)
    (sql,) = statements
    assert sql.count("replace(e.compact") == 1
    assert "AS _n0" in sql and sql.count("e._n0") == 3 and "OFFSET 0) e" in sql
    assert "(TRUE) AS all_terms" in sql


@pytest.mark.parametrize("typed", ["号", "链", "数", "据。", "、数", "5%", "“数据要素×”", "a+"])
def test_the_grams_path_finds_what_a_scan_finds(typed: str) -> None:
    """Single characters through the bigrams they begin (a character before punctuation or
    at the end of a text has a lexeme of its own), punctuation through the LIKE check."""
    from search.normalize import compact, normalize_query

    substring = compact(normalize_query(typed))
    sql, params = substring_sql(substring)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"SELECT count(*) FROM search_searchentry e WHERE {sql}", params)
        found = cursor.fetchone()[0]
        cursor.execute("SET LOCAL enable_seqscan = on")
        cursor.execute(
            "SELECT count(*) FROM search_searchentry WHERE strpos(compact, %s) > 0", [substring]
        )
        assert found == cursor.fetchone()[0]
    if typed != "a+":  # no entry has it: the other cases must not pass by finding none
        assert found > 0


@pytest.mark.parametrize("q", ["数据", "数据 安全", "人工智能"])
def test_facets_counted_by_policy_are_those_of_the_entries(q: str) -> None:
    """Counting returns how many matches each policy has and the facets follow from the
    policies' values: the same counts as grouping the matching entries by their own columns."""
    from search.query.catalog import current_catalog

    plan = _plan(q)
    total, capped, found, _page = count(plan, current_catalog())
    assert not capped and total == _count(plan.where, plan.params)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'type', doc_type, count(*) FROM search_searchentry e "
            f"WHERE {plan.where} AND doc_type <> '' GROUP BY 2 "
            "UNION ALL SELECT 'status', status, count(*) FROM search_searchentry e "
            f"WHERE {plan.where} AND status <> '' GROUP BY 2 "
            "UNION ALL SELECT 'year', year::text, count(*) FROM search_searchentry e "
            f"WHERE {plan.where} AND year IS NOT NULL GROUP BY 2 "
            "UNION ALL SELECT 'body', b.slug, count(*) FROM search_searchentry e, "
            "unnest(e.body_ids) AS x(id) JOIN policies_issuingbody b ON b.id = x.id "
            f"WHERE {plan.where} GROUP BY 2",
            [*plan.params] * 4,
        )
        expected = sorted(cursor.fetchall())
    shown = sorted((kind, f.value, f.count) for kind, values in found.items() for f in values)
    assert shown == expected and len(expected) > 5


@pytest.mark.parametrize("q", ["什么是数据产业", "AI 医疗", "量子鸽子 数据 共享"])
def test_the_score_is_float_arithmetic_per_row(q: str) -> None:
    """Every constant of the score is float8 (plan.f8): a bare 0.5 is numeric in SQL, which
    made each scored row do numeric arithmetic and convert the sum to float8 through text.
    The queries take the score's every part: a definition, a synonym, partial matches."""
    from search.normalize import normalize_query
    from search.query.catalog import current_catalog
    from search.query.parse import parse_query, relaxed_terms
    from search.query.plan import build_plan, idf
    from search.query.weights import active

    catalog = current_catalog()
    parsed = parse_query(normalize_query(q), catalog, active())
    partial = relaxed_terms(parsed.terms)
    plan = build_plan(
        parsed.terms,
        [[] for _ in parsed.positive],
        SearchParams(q=q),
        catalog,
        active(),
        defines=parsed.defines,
        partial_terms=partial,
        idf=idf([t for t in partial if not t.negated], catalog),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN (VERBOSE) SELECT ({plan.score}) AS score, ({plan.coverage}) AS coverage "
            f"FROM (SELECT e.*, {plan.features or 'NULL AS _none'} FROM search_searchentry e "
            "OFFSET 0) e",
            [*plan.score_params, *plan.coverage_params, *plan.feature_params],
        )
        shown = "\n".join(row[0] for row in cursor.fetchall())
    output = next(line for line in shown.splitlines() if "Output:" in line)
    assert "ts_rank_cd" in output and "replace" in shown
    assert "numeric" not in output, output[output.find("numeric") - 300 :]
