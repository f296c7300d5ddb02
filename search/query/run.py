""":func:`search`: the one query function the page and the API call.

1. Parse (:mod:`.parse`): normalize, drop question words, split dates out, expand aliases and
   synonyms.
2. Documents (:mod:`.documents`): documents whose metadata answers every term are listed once.
3. Clauses (:mod:`.plan`, :mod:`.facets`): every term matched by the clause itself (or by its
   document's body, 发文字号, date…); when fewer than a page match all, clauses matching some of
   the words fill the page after them, ranked by how much of the query they cover.
4. Rank (:mod:`.rank`), then suggest (:mod:`.suggest`) a near-miss correction when it would
   match far better.
"""

from __future__ import annotations

from dataclasses import replace

from django.db import transaction
from django.urls import reverse

from portal.routers import read_alias, reading
from portal.routers import read_connection as connection
from search.candidates import champion_candidates, walked_candidates
from search.highlight import snippet
from search.normalize import compact, normalize_query
from search.query import facets as counting
from search.query import rank
from search.query.catalog import CLAUSE_REASONS, Catalog, current_catalog, document_intent
from search.query.documents import (
    MatchedDocuments,
    document_hit,
    matching_documents,
    share_passing,
)
from search.query.facets import add_documents, facets_and_total, scored_facets
from search.query.params import (
    DOCUMENT_LIMIT,
    MAX_QUERY_CHARS,
    Hit,
    InvalidQuery,
    Results,
    SearchParams,
)
from search.query.parse import parse_query, relaxed_terms
from search.query.plan import Plan, build_plan, fetchall, idf, planner_settings_tracked
from search.query.suggest import corrected_queries, similar_terms
from search.query.weights import active

# Look for a typo correction when fewer clauses than this match every term.
SUGGEST_BELOW = 5


def search(params: SearchParams) -> Results:
    """Search provisions. Raises :class:`InvalidQuery` for bad limit/offset/years or empty q."""
    params.validate()
    # One transaction, so that the planner settings of plan.fetchall end with this search.
    # Inside a caller's transaction they would outlive it: put them back for the caller.
    # Read scaling: every query of this search on one connection, a replica when configured.
    alias = read_alias()
    with reading(alias):
        nested = connection.in_atomic_block
        with transaction.atomic(using=alias), planner_settings_tracked():
            results = _search(params)
            if nested:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('enable_seqscan', 'on', true), "
                        "set_config('enable_bitmapscan', 'on', true)"
                    )
    return results


def _search(params: SearchParams, *, count: bool = False, corrected: bool = False) -> Results:
    """``count``: count the matches even where the statistics say there are far too many to
    (the second try when such an estimate left the page short). ``corrected``: ``params.q`` is
    a typo correction already (not corrected again)."""
    weights = active()
    q = normalize_query(params.q or "")[:MAX_QUERY_CHARS]
    results = Results(query=params.q or "", limit=params.limit, offset=params.offset)
    if not q:
        raise InvalidQuery("q must not be empty")
    catalog = current_catalog()
    parsed = parse_query(q, catalog, weights)
    results.ignored = parsed.ignored
    positive = parsed.positive
    if not positive:
        results.message = "检索词中没有可检索的文字。"
        return results
    results.also_searched = list(
        dict.fromkeys(v.substring for t in positive for v in t.variants if v.kind != "typed")
    )

    # Documents every term names through their metadata: listed once each.
    matches = [catalog.metadata_matches(t) for t in positive]
    negative = [catalog.metadata_matches(t) for t in parsed.terms if t.negated]
    documents = (
        matching_documents(positive, matches, negative, params, catalog)
        if weights.document_results
        else MatchedDocuments()
    )
    results.document_total = len(documents)
    if params.offset == 0:
        results.documents = [
            document_hit(p, r, catalog) for p, r in documents.first(DOCUMENT_LIMIT, catalog)
        ]
    meta_ids = [sorted(pk for pk, why in m.items() if why in CLAUSE_REASONS) for m in matches]
    if len(positive) == 1:
        meta_ids = [[]]  # one term: a clause must match it itself anyway

    plan = build_plan(parsed.terms, meta_ids, params, catalog, weights, defines=parsed.defines)
    # A match set the statistics put far above the cap is not counted: its total is the cap's
    # lower bound and the facets describe the candidates ranked in full (see ESTIMATE_FROM).
    # Filters keep about the share of documents they keep; exclusions are not estimated, nor
    # are words the statistics do not list (their share is only an upper bound). Nor is a set
    # whose matches among a sample of the entries put it beyond the cap (see SAMPLE_HITS).
    passing = share_passing(params, catalog)  # policy sets: no loop over the catalog
    intent = document_intent(compact(q), catalog)

    def ranking(plan: Plan) -> counting.Ranking:
        """The page of ``plan`` when its matches are counted: every match scored, in the
        statement counting them (see facets.Counting)."""
        return lambda counted: rank.ranked_hits(
            plan, params.limit, params.offset, intent, None, weights, counting=counted
        )

    page = None
    if (
        not count
        and plan.known_share is not None
        and not any(t.negated for t in parsed.terms)
        and rank.rum_index_ready()
        and plan.known_share * catalog.entries * passing >= counting.ESTIMATE_FROM
    ):
        total, estimate, facets = counting.COUNT_CAP, True, None
    else:
        total, estimate, facets, page = _sampled_or_counted(
            plan, catalog, passing, count, ranking(plan)
        )
    full_total = total
    scoring = parsed.terms
    # Fewer clauses than a page match everything: fill with clauses matching some of the words,
    # unless documents answer the query already (工信部, 发改数据〔2024〕 are asking for them).
    if total < params.offset + params.limit and not documents and weights.partial_fill:
        partial = relaxed_terms(parsed.terms)
        partial_positive = [t for t in partial if not t.negated]
        # Worth a second pass with several terms (any of them may match), or when it searches
        # other words than the terms as typed (首席数据官制渡 → 首席数据官).
        if len(partial_positive) > 1 or (
            partial_positive and [t.text for t in partial_positive] != [t.text for t in positive]
        ):
            partial_plan = build_plan(
                parsed.terms,
                meta_ids,
                params,
                catalog,
                weights,
                defines=parsed.defines,
                partial_terms=partial,
                idf=idf(partial_positive, catalog),
            )
            more, more_estimate, more_facets, more_page = _sampled_or_counted(
                partial_plan, catalog, passing, count, ranking(partial_plan)
            )
            if more > total:
                plan, scoring = partial_plan, partial
                total, estimate, facets, page = more, more_estimate, more_facets, more_page
    estimated = facets is None  # not counted: facets from the candidates ranked in full
    results.total, results.total_is_estimate, results.total_full = total, estimate, full_total
    results.facet_basis = min(total, counting.COUNT_CAP)
    if facets is not None:
        results.facets = add_documents(facets, documents.pks, catalog)
    results.relaxed = plan.partial and full_total == 0
    if results.relaxed:
        results.message = "没有同时包含全部检索词的条款，以下为部分匹配的结果。"

    # A correction's own search looks for no further corrections: the caller keeps its own
    # suggestions, and discards the search unless it matches.
    if full_total < SUGGEST_BELOW and not documents and weights.typo_suggestions and not corrected:
        results.suggestions = corrected_queries(params.q)
        # Nothing matches every word as typed, and a one-edit correction does: its results,
        # saying so, as search engines do (a quoted query is taken literally).
        if full_total == 0 and results.suggestions and '"' not in params.q:
            better = _search(replace(params, q=results.suggestions[0]), corrected=True)
            if better.total_full:
                better.query, better.searched_instead = results.query, results.suggestions[0]
                better.suggestions = results.suggestions
                better.message = (
                    f"没有同时包含“{params.q}”全部检索词的条款，以下为“{results.suggestions[0]}”的结果；"
                    f'按原文检索请加引号："{params.q}"。'
                )
                return better
    if total == 0:
        if not documents:
            results.message = "没有找到匹配的条款。"
            if not results.suggestions and not corrected:
                results.suggestions = similar_terms(q)
        return results

    stages: list = [None]  # every match scored
    also: list[int] = []
    # A counted match set (at most COUNT_CAP) is scored in full, exactly; candidate stages are
    # for sets beyond the cap. Scoring a thousand costs about what RUM's stage and 300
    # candidates do, and RUM's order is not the score's: at 200k, C2M (687 matches) 19.6 ms
    # with 6 of the exact page's 10 hits, 21.8 ms with all 10. Under filters RUM's ordered scan
    # also reads past every entry they reject (区块链 of type 规划: 2,975 read for 300 kept,
    # 43–47 ms; all 473 scored, 33 ms), and for a quoted phrase it ranks every entry holding
    # its words anywhere ("数据产业规模": its 653 scored in 34.5 ms, the RUM stage 44.4 ms).
    if estimate and total > rank.CANDIDATES and rank.rum_index_ready():
        answered = frozenset(i for i, ids in enumerate(meta_ids) if ids and not plan.partial)
        pool = max(rank.CANDIDATES, params.offset + params.limit)
        wanted = rank.candidate_queries(scoring, plan.partial, answered, catalog.common_lexemes())
        # Candidate stages, cheapest first; the next when too few of a stage's candidates
        # survive the full conditions: for one term its champion list; for several words a walk
        # down the rarest one's lists to entries meeting every condition (search.candidates);
        # the RUM stage for the words left once common words are set aside; for all.
        reach, version = params.offset + params.limit, catalog.version
        stages = [
            champion_candidates(wanted, plan.rest_where, plan.rest_params, pool, version, reach),
            walked_candidates(
                wanted, plan.where, plan.params, pool, version, catalog.lexeme_share, reach
            ),
            wanted,
            rank.candidate_queries(scoring, plan.partial, answered),
        ]
        stages = [st for n, st in enumerate(stages) if st is not None and st not in stages[:n]]
        if stages and plan.partial and full_total:
            # The few clauses that match everything must not be lost among the candidates.
            also = [
                row[0]
                for row in fetchall(
                    f"SELECT e.id FROM search_searchentry e WHERE {plan.full} "
                    f"AND {plan.rest_where} LIMIT %s",
                    [*plan.full_params, *plan.rest_params, params.offset + params.limit],
                )
            ]
        stages = stages or [None]
    if page is not None:  # counted, and ranked by the same statement
        (ranked, details), stages = page, []
    for candidates in stages:
        ranked, scored, details = rank.ranked_hits(
            plan, params.limit, params.offset, intent, candidates, weights, also=also,
            facets=estimated,
        )  # fmt: skip
        if len(ranked) >= min(params.limit, total - params.offset):
            break
    if estimated:
        if len(ranked) < params.limit:
            # Far fewer matches than estimated: count them.
            return _search(params, count=True, corrected=corrected)
        results.facet_basis, facets = scored_facets(scored, catalog)
        results.facets = add_documents(facets, documents.pks, catalog)
    # Each term once: without partial matches the scoring terms are the positive ones again,
    # and a second pass over a hit finds only what the first marked (数据's page: 2.4 ms of
    # snippets, half of it that).
    marks = [
        (list(exact), list(words))
        for exact, words in dict.fromkeys(
            (tuple(v.substring for v in t.variants if v.substring), tuple(t.all_words))
            for t in [*positive, *scoring]
            if not t.negated
        )
    ]
    clause_url = _clause_url()
    for pid, score, full, in_document in ranked:
        if pid not in details:
            continue
        (eid, num, heading, text, path, slug, title, doc_number) = details[pid]
        full_text = "\n".join(part for part in (heading, text) if part)
        results.items.append(
            Hit(
                policy_slug=slug,
                policy_title=title,
                doc_number=doc_number,
                eid=eid,
                num=num,
                heading=heading,
                path=list(path or []),
                text=full_text,
                snippet=snippet(full_text, marks),
                score=score,
                url=clause_url(slug, eid),
                matched_all=full,
                document_matches=in_document,
            )
        )
    return results


def _sampled_or_counted(
    plan: Plan, catalog: Catalog, passing: float, count: bool, ranking: counting.Ranking
) -> tuple[int, bool, dict | None, tuple[list, dict] | None]:
    """(total, whether it is the COUNT_CAP lower bound, facets over the counted matches, the
    page when ``ranking`` counted them) — or, where matches enough in the sample of the entries
    put the set beyond the cap (see facets.SAMPLE_HITS), the cap, no facets and no page: the
    set is not counted, and the facets describe the candidates ranked in full. ``count``:
    count it anyway."""
    if not count and rank.rum_index_ready() and counting.sampled_beyond_cap(plan, catalog, passing):
        return counting.COUNT_CAP, True, None, None
    return facets_and_total(plan, catalog, passing, ranking)


def _clause_url():
    """``Provision.get_absolute_url`` by policy slug and eid, for a page of hits: the policy
    page reversed once per search, not once per hit through two model instances (0.5 ms a hit).
    A ``<slug:slug>`` is ``[-a-zA-Z0-9_]+``, which reverse() leaves as it is."""
    marker = "slug"
    head, tail = reverse("policies:detail", args=[marker]).rsplit(marker, 1)
    return lambda slug, eid: f"{head}{slug}{tail}#{eid}"
