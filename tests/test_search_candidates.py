"""Champion lists: frequent one-word queries take precomputed candidates, with the same top hits."""

from __future__ import annotations

import io
import itertools

import pytest
from django.core.management import call_command
from django.db import connection

from policies.models import Provision
from search import candidates, impacts
from search.candidates import ChampionCTE
from search.indexing import bump_catalog_version, index_policies
from search.models import SearchEntry, TermCandidates
from search.query import SearchParams, facets, rank, run, search, weights
from search.query.catalog import Catalog, current_catalog
from search.query.parse import parse_query
from search.query.plan import build_plan
from tests.ranking_spy import spy_on_rankings

pytestmark = pytest.mark.django_db

TABLE = SearchEntry._meta.db_table


@pytest.fixture
def champions(monkeypatch) -> dict[str, list[int]]:
    """Lists for lexemes in at least 40 of the seed entries (the real threshold is for 200k)."""
    if not rank.rum_index_ready():
        pytest.skip("no RUM index on this server")
    monkeypatch.setattr(candidates, "CHAMPION_MIN_MATCHES", 40)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TABLE}")
    lists = candidates.compute(TABLE)
    candidates.store(lists)
    bump_catalog_version()  # as a rebuild does: searches reload which lexemes have lists
    return {row.lexeme: row.provision_ids for row in lists}


def ranked(q: str, **filters) -> list[tuple[str, str]]:
    return [(h.policy_slug, h.eid) for h in search(SearchParams(q=q, **filters)).items]


def beyond_the_cap(monkeypatch, pool: int = 30) -> None:
    """Count matches up to 40 (the seed corpus's frequent words match more: their sets are
    beyond the cap, as at 200k entries) and rank ``pool`` candidates."""
    monkeypatch.setattr(facets, "COUNT_CAP", 40)
    monkeypatch.setattr(rank, "CANDIDATES", pool)


def ranked_by_the_rum_stage(q: str, monkeypatch) -> list[tuple[str, str]]:
    """The page with 30 candidates from the RUM stage (no champion lists); afterwards the lists
    (threshold 40) and 30 candidates are what searches use, beyond the cap of 40."""
    beyond_the_cap(monkeypatch)
    monkeypatch.setattr(run, "champion_candidates", lambda *args, **kwargs: None)
    page = ranked(q)
    monkeypatch.undo()
    monkeypatch.setattr(candidates, "CHAMPION_MIN_MATCHES", 40)
    beyond_the_cap(monkeypatch)
    return page


def candidates_taken(monkeypatch) -> list[object]:
    """The candidates each ranking of the searches that follow is given (recorded in order)."""
    taken: list[object] = []
    spy_on_rankings(monkeypatch, taken.append)
    return taken


def matches(lexeme: str) -> set[int]:
    return set(
        SearchEntry.objects.extra(
            where=["words @@ %s::tsquery"], params=[f"'{lexeme}'"]
        ).values_list("provision_id", flat=True)
    )


def test_lists_hold_the_best_matches_of_frequent_lexemes(champions) -> None:
    assert "数据" in champions and "区块链" not in champions  # 7 matches: RUM is quick there
    for lexeme, ids in champions.items():
        assert 0 < len(ids) <= candidates.CHAMPIONS
        assert len(set(ids)) == len(ids)
        assert set(ids) <= matches(lexeme)


@pytest.mark.parametrize("q", ["数据", "发展"])
def test_frequent_word_takes_the_same_candidates_from_its_list(champions, q, monkeypatch) -> None:
    """The list is the RUM stage's own order for the word: the same ranked page, one look-up."""
    rum_stage = ranked_by_the_rum_stage(q, monkeypatch)  # 30 of 200+ matches
    taken = candidates_taken(monkeypatch)
    assert ranked(q) == rum_stage
    assert len(rum_stage) == 10
    assert len(taken) == 1 and isinstance(taken[0], ChampionCTE)


def test_filters_walk_the_list_and_rare_words_keep_the_rum_stage(champions, monkeypatch) -> None:
    every_match = ranked("数据", type="规划")  # 5 candidates, by the RUM stage or a list
    monkeypatch.setattr(rank, "rum_index_ready", lambda: False)
    exhaustive = ranked("数据", type="规划")  # every match scored
    monkeypatch.undo()
    monkeypatch.setattr(candidates, "CHAMPION_MIN_MATCHES", 40)
    monkeypatch.setattr(rank, "CANDIDATES", 5)
    taken = candidates_taken(monkeypatch)
    # Counted (79 matches), a filtered match set is scored in full, without candidates.
    assert ranked("数据", type="规划")[:5] == exhaustive[:5] == every_match[:5]
    assert taken == [None]
    taken.clear()
    # Estimated (as at 200k entries): a filter drops most of a list's entries, so the list is
    # walked until a page (10) of type 规划 is found.
    monkeypatch.setattr(facets, "ESTIMATE_FROM", 10)
    page = ranked("数据", type="规划")
    assert isinstance(taken[0], ChampionCTE)
    plans = set(SearchEntry.objects.filter(doc_type="规划").values_list("provision_id", flat=True))
    walked = [pk for pk in champions["数据"] if pk in plans][:10]
    assert chosen_by(taken[0]) == walked and len(walked) == 10
    assert page[0] == exhaustive[0]
    taken.clear()
    ranked("区块链")
    assert taken and not any(isinstance(c, ChampionCTE) for c in taken)


def test_common_words_leave_the_list_of_the_other(champions, monkeypatch) -> None:
    """数据 发展: 数据 is in most entries, so 发展's list gives the candidates."""
    rum_stage = ranked_by_the_rum_stage("数据 发展", monkeypatch)
    monkeypatch.setattr(Catalog, "common_lexemes", lambda self: frozenset({"数据"}))
    taken = candidates_taken(monkeypatch)
    assert ranked("数据 发展")[:3] == rum_stage[:3]
    assert isinstance(taken[0], ChampionCTE) and taken[0].params[1] == ["发展"]


def test_incremental_indexing_adds_new_entries_to_the_lists(champions) -> None:
    provision = (
        Provision.objects.filter(children__isnull=True).exclude(text__contains="数据").first()
    )
    assert provision.pk not in champions["数据"]
    Provision.objects.filter(pk=provision.pk).update(text=provision.text + "加强数据治理。")
    assert index_policies([provision.policy_id]) == 1
    assert provision.pk in TermCandidates.objects.get(lexeme="数据").added


def best_scores(lexeme: str) -> dict[int, float]:
    """The score a one-word search for ``lexeme`` gives every entry holding it (its plan's
    score expression, before the per-document damping)."""
    catalog = current_catalog()
    parsed = parse_query(lexeme, catalog, weights.active())
    plan = build_plan(parsed.terms, [[]], SearchParams(q=lexeme), catalog, weights.active())
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.provision_id, ({plan.score}) FROM (SELECT e.*, {plan.features} "
            f"FROM {TABLE} e WHERE e.words @@ %s::tsquery) e",
            [*plan.score_params, *plan.feature_params, f"'{lexeme}'"],
        )
        return dict(cursor.fetchall())


def rebuilt_lists(monkeypatch) -> dict[str, tuple[list[int], bool]]:
    monkeypatch.setattr(candidates, "CHAMPION_MIN_MATCHES", 40)
    TermCandidates.objects.all().delete()
    call_command("reindex", stdout=io.StringIO())
    # Which lexemes have lists is cached by index version, and a rolled-back test's rebuild
    # may have cached other lists under the version this one has now.
    candidates._listed.clear()
    return {
        lexeme: (ids, scored)
        for lexeme, ids, scored in TermCandidates.objects.values_list(
            "lexeme", "provision_ids", "scored"
        )
    }


def test_rebuild_lists_entries_in_the_searchs_own_order(monkeypatch) -> None:
    """Computed while the entries are built (search.impacts): each list starts with the entries
    a one-word search scores highest, in that order, synonyms counted as the search counts them."""
    if not rank.rum_index_ready():
        pytest.skip("no RUM index on this server")
    lists = rebuilt_lists(monkeypatch)
    assert len(lists) > 50 and all(scored for _, scored in lists.values())
    longest = sorted(lists, key=lambda w: (-len(lists[w][0]), w))[:8]
    assert "数据" in longest
    # 人工智能 (49 entries): its search also counts its synonym AI, at half weight.
    for lexeme in [*longest, "人工智能"]:
        ids, _ = lists[lexeme]
        score = best_scores(lexeme)
        assert sorted(ids) == sorted(score)  # fewer than CHAMPIONS: every entry holding it
        # The whole list in score order (ts_rank_cd is a float4 in SQL: near-ties may swap).
        listed = [score[i] for i in ids]
        assert all(a >= b - 1e-6 for a, b in itertools.pairwise(listed))
        assert max(score.values()) - listed[0] < 1e-6


def test_rum_ranks_a_rare_wording_only_where_the_words_list_cannot(monkeypatch) -> None:
    """人工智能's list, in its search's own order, counts its synonym AI: the entries holding
    人工智能 are ranked there. RUM ranks only those holding AI without it — one here, given AI
    for the test — not the seed entry holding both."""
    if not rank.rum_index_ready():
        pytest.skip("no RUM index on this server")
    both = matches("ai") & matches("人工智能")
    assert len(both) == 1 and matches("ai") == both
    provision = Provision.objects.filter(children__isnull=True).exclude(pk__in=both).first()
    Provision.objects.filter(pk=provision.pk).update(text=provision.text + "推进AI应用。")
    lists = rebuilt_lists(monkeypatch)  # its entry rewritten too
    ids, scored = lists["人工智能"]
    assert scored and len(ids) == 49 and not both & set(ids[:10])
    beyond_the_cap(monkeypatch, pool=5)  # its 50 matches: beyond the cap, a page's candidates
    taken = candidates_taken(monkeypatch)
    ranked("人工智能")
    assert isinstance(taken[0], ChampionCTE)
    assert set(chosen_by(taken[0])) == {*ids[:10], provision.pk}


def test_words_the_sample_missed_get_rums_order(monkeypatch) -> None:
    if not rank.rum_index_ready():
        pytest.skip("no RUM index on this server")
    monkeypatch.setattr(impacts, "TRACK_SHARE", 1000.0)  # no word tracked
    lists = rebuilt_lists(monkeypatch)
    assert "数据" in lists and not any(scored for _, scored in lists.values())
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT provision_id FROM {TABLE} WHERE words @@ '数据'::tsquery "
            "ORDER BY words <=> '数据'::tsquery LIMIT 1"
        )
        assert lists["数据"][0][0] == cursor.fetchone()[0]


def test_a_scored_list_gives_the_best_hits_from_its_head(monkeypatch) -> None:
    """数据 (250 of the 363 seed entries), estimated as at 200k, 12 candidates: from its list in
    the search's own order the page's first two hits and 6 of its 10 are those of scoring every
    match; from RUM's list 1 of 10. (In five documents the per-document damping brings entries
    far down the list onto the page: 0.85 ** 9 of a score for a document's tenth.)"""
    if not rank.rum_index_ready():
        pytest.skip("no RUM index on this server")
    monkeypatch.setattr(rank, "rum_index_ready", lambda: False)
    exhaustive = ranked("数据")
    monkeypatch.undo()
    pages = {}
    for track in (impacts.TRACK_SHARE, 1000.0):
        monkeypatch.setattr(impacts, "TRACK_SHARE", track)
        rebuilt_lists(monkeypatch)
        monkeypatch.setattr(rank, "CANDIDATES", 12)
        monkeypatch.setattr(candidates, "SCORED_POOL", 12)
        monkeypatch.setattr(facets, "ESTIMATE_FROM", 10)
        taken = candidates_taken(monkeypatch)
        pages[track] = ranked("数据")
        assert isinstance(taken[0], ChampionCTE) and taken[0].params == [12, ["数据"]]
        monkeypatch.undo()
    scored, rum = (len(set(page) & set(exhaustive)) for page in pages.values())
    assert pages[impacts.TRACK_SHARE][:2] == exhaustive[:2] != pages[1000.0][:2]
    assert (scored, rum) == (6, 1)


def test_several_words_beyond_the_count_cap_walk_the_rarest_list(champions, monkeypatch) -> None:
    """数据 发展 with the cap at 40 (108 entries hold both): the walk down 发展's list gives the
    30 candidates, and the best two hits are those of scoring every match (the third of the
    108 is not among the 30)."""
    monkeypatch.setattr(rank, "rum_index_ready", lambda: False)
    exhaustive = ranked("数据 发展")
    monkeypatch.undo()
    monkeypatch.setattr(candidates, "CHAMPION_MIN_MATCHES", 40)
    monkeypatch.setattr(rank, "CANDIDATES", 30)
    monkeypatch.setattr(facets, "COUNT_CAP", 40)
    monkeypatch.setattr(Catalog, "common_lexemes", lambda self: frozenset())
    taken = candidates_taken(monkeypatch)
    capped = search(SearchParams(q="数据 发展"))
    assert capped.total == 40 and capped.total_is_estimate
    assert [(h.policy_slug, h.eid) for h in capped.items][:2] == exhaustive[:2]
    assert len(exhaustive) == 10 and len(taken) == 1
    both = matches("数据") & matches("发展")
    assert chosen_by(taken[0]) == [pk for pk in champions["发展"] if pk in both][:30]


def chosen_by(cte: ChampionCTE) -> list[int]:
    """The provision ids a champion-list CTE holds, in its order."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {cte.sql.rstrip().rstrip(',')} SELECT provision_id FROM c", cte.params
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_terms_alternatives_walk_a_list_each(champions) -> None:
    """(数据 and 发展) or 建设, and 产业: the term whose alternatives' rarest words are rarer
    walks the lists of all its words (数据, 发展, 建设), merged by list position, and keeps what
    matches all. (Every word: a phrase's rarest word's list may hold few entries with the phrase
    — at 1M, 8 of 规模's 3,000 held "数据产业规模", 154 of 数据产业's.)"""
    wanted = rank.CandidateQuery(
        ((("数据", "发展"), ("建设",)), (("产业",),)),
        False,
        "(('数据' & '发展') | '建设') & '产业'",
        "'数据' | '发展' | '建设' | '产业'",
    )
    shares = {"数据": 0.9, "发展": 0.3, "建设": 0.2, "产业": 0.8}
    cte = candidates.walked_candidates(wanted, "TRUE", [], 10_000, ("walk",), shares)
    holding = ((matches("数据") & matches("发展")) | matches("建设")) & matches("产业")
    merged = sorted(
        (position, pk)
        for word in ("数据", "发展", "建设")
        for position, pk in enumerate(champions[word], start=1)
    )
    expected = [pk for _, pk in merged if pk in holding]
    assert chosen_by(cte) == expected
    assert all(set(expected) - set(champions[w]) for w in ("数据", "发展", "建设"))


def test_counted_several_words_are_scored_in_full(champions, monkeypatch) -> None:
    """Under the count cap (108 entries hold 数据 and 发展) every match is scored: no stage."""
    monkeypatch.setattr(rank, "rum_index_ready", lambda: False)
    exhaustive = ranked("数据 发展")
    monkeypatch.undo()
    monkeypatch.setattr(rank, "CANDIDATES", 30)
    monkeypatch.setattr(Catalog, "common_lexemes", lambda self: frozenset())
    taken = candidates_taken(monkeypatch)
    assert ranked("数据 发展") == exhaustive
    assert taken == [None]


def walked(shares: dict[str, float], pool: int) -> list[int]:
    """The walk's candidates for 数据 发展 with these shares of the two words."""
    wanted = rank.CandidateQuery(
        ((("数据",),), (("发展",),)), False, "'数据' & '发展'", "'数据' | '发展'"
    )
    cte = candidates.walked_candidates(wanted, "TRUE", [], pool, ("walk", pool), shares)
    return chosen_by(cte)


def test_the_walk_takes_the_rarest_terms_list_entries_holding_every_term(champions) -> None:
    """The list of the word in fewest entries, from its head, keeping the entries that hold
    every term, until the pool is full."""
    both = matches("数据") & matches("发展")
    for rarest, shares in (
        ("发展", {"数据": 0.9, "发展": 0.3}),
        ("数据", {"数据": 0.1, "发展": 0.5}),
    ):
        expected = [pk for pk in champions[rarest] if pk in both]
        assert walked(shares, 15) == expected[:15]
        assert (
            len(expected) > 15
            and expected[:15] != [pk for pk in champions[rarest] if pk in matches(rarest)][:15]
        )  # some entries of the list lack the other word, and are passed over
    assert walked({"数据": 0.9, "发展": 0.3}, 10_000) == [
        pk for pk in champions["发展"] if pk in both
    ]


def test_too_few_from_the_walk_go_on_to_the_rum_stage(champions, monkeypatch) -> None:
    """Beyond the count cap, when the walk leaves too few (here: none), RUM ranks the matches."""
    nothing = ChampionCTE(
        "c AS MATERIALIZED (SELECT NULL::bigint AS provision_id WHERE FALSE),", []
    )
    monkeypatch.setattr(run, "walked_candidates", lambda *args: nothing)
    monkeypatch.setattr(Catalog, "common_lexemes", lambda self: frozenset())
    monkeypatch.setattr(rank, "CANDIDATES", 30)
    monkeypatch.setattr(facets, "COUNT_CAP", 40)
    taken = candidates_taken(monkeypatch)
    capped = search(SearchParams(q="数据 发展"))
    assert capped.total_is_estimate and len(capped.items) == 10
    assert taken[0] is nothing and isinstance(taken[1], rank.CandidateQuery)


def test_a_counted_phrase_is_scored_in_full(monkeypatch) -> None:
    """ "数据要素" quoted (counted: 48 entries hold it): every match scored, no candidate stage, as
    every counted set. Beyond the cap (40) the same words unquoted take the stages."""
    if not rank.rum_index_ready():
        pytest.skip("no RUM index on this server")
    monkeypatch.setattr(rank, "CANDIDATES", 30)
    taken = candidates_taken(monkeypatch)
    quoted = search(SearchParams(q='"数据要素"'))
    assert (quoted.total, quoted.total_is_estimate) == (48, False)
    assert taken == [None]
    taken.clear()
    beyond_the_cap(monkeypatch)
    unquoted = search(SearchParams(q="数据要素"))
    assert (unquoted.total, unquoted.total_is_estimate) == (40, True)
    assert taken and taken[0] is not None


def test_the_lists_words_parse_alike_with_the_parsing_catalog() -> None:
    """The build parses its tracked words with a catalog of bodies and synonyms only
    (catalog.parsing_catalog); parse_query reads nothing else, so every word parses as with the
    full catalog a search uses — aliases (发改委) and synonyms (人工智能: AI) included."""
    from search.query.catalog import parsing_catalog
    from search.query.weights import active
    from search.sources import provision_sources
    from search.vectors import entry_words

    words = {w for s in provision_sources() for w in entry_words(s)[0]} | {"发改委", "人工智能"}
    full, light, weights = current_catalog(), parsing_catalog(), active()
    assert len(light.policies) == 0 < len(full.policies)
    for word in sorted(words):
        assert parse_query(word, light, weights) == parse_query(word, full, weights), word
    expanded = parse_query("发改委", light, weights).terms[0].variants
    assert any(v.substring != "发改委" for v in expanded)
