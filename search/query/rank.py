"""Ranking: score every candidate clause, damp repeats within a document, lift named documents.

Clauses matching every term come before clauses matching only some (``full``); within each,
by score. With the RUM index a large match set is ranked in full only on the entries RUM ranks
highest (cover density of the query words, computed inside the index).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from portal.routers import read_connection as connection
from search.candidates import ChampionCTE
from search.query.facets import SCORED_FACETS_SQL, Counting
from search.query.parse import Term, significant_words
from search.query.plan import OWN_WEIGHTS, Plan, fetchall, tsquery_and, tsquery_or
from search.query.weights import RankingWeights

# With the RUM index, a match set larger than this is ranked in full only on the CANDIDATES
# entries RUM ranks highest (in the index, by cover density of the query words).
CANDIDATES = 300
RUM_INDEX = "search_entry_words_rum"


def ranked_hits(
    plan: Plan,
    limit: int,
    offset: int,
    intent: dict[int, float],
    candidates: CandidateQuery | ChampionCTE | None,
    weights: RankingWeights,
    *,
    also: list[int] | None = None,
    facets: bool = False,
    counting: Counting | None = None,
) -> tuple[list[tuple[int, float, bool, int]], dict | None, dict[int, tuple]]:
    """[(provision id, final score, matched every term, matching clauses of its document)],
    with ``facets`` the facet counts of every entry scored (see facets.SCORED_FACETS_SQL) —
    with ``counting``, the count of the matches and their facets instead, the matches scored
    only when they are within the cap (see facets.Counting) —, and what the page shows of each
    hit (see the last SELECT), by provision id.

    Within one policy every further entry is damped (``weights.diversity ** (rank − 1)``), so
    one long document that repeats a term cannot fill the whole first page; document intent
    lifts the best entry of each intended policy above the others of its kind.

    ``candidates`` — a champion-list CTE, or the RUM stage's (match, ranking) tsqueries — restricts the full scoring to the
    entries the RUM index ranks highest, plus the entry ids in ``also`` (the full matches of a
    partial search, which must not be lost); without it every match is scored.
    """
    intent_sql = "0"
    intent_args: list = []
    if intent and weights.intent:
        ids = list(intent)
        intent_sql = (
            f"CASE WHEN s.rn = 1 THEN coalesce((SELECT {weights.intent} * w FROM "
            "unnest(%s::bigint[], %s::float8[]) AS t(pid, w) WHERE t.pid = s.policy_id), 0) "
            "ELSE 0 END"
        )
        intent_args = [ids, [intent[i] for i in ids]]
    candidate_sql = ""
    candidate_args: list = []
    if isinstance(candidates, ChampionCTE):
        candidate_sql, candidate_args = candidates.sql, candidates.params
    elif candidates is not None:
        pool = max(CANDIDATES, offset + limit)
        # Row addresses, not ids: the scoring then reads its candidates by a TID scan instead
        # of 300 descents of the primary key (within one statement, one snapshot).
        candidate_sql = f"""
            c AS MATERIALIZED (
                (SELECT e.ctid AS tid FROM search_searchentry e
                 WHERE e.words @@ %s::tsquery AND {plan.rest_where}
                 ORDER BY e.words <=> %s::tsquery LIMIT %s)
                UNION SELECT e.ctid FROM search_searchentry e WHERE e.id = ANY(%s::bigint[])
            ),"""
        candidate_args = [candidates.match, *plan.rest_params, candidates.ranking, pool, also or []]
    restrict = ""
    if isinstance(candidates, ChampionCTE):
        restrict = "AND e.provision_id IN (SELECT provision_id FROM c)"
    elif candidates is not None:
        restrict = "AND e.ctid = ANY(ARRAY(SELECT tid FROM c))"
    facet_value = SCORED_FACETS_SQL if facets else "NULL"
    # Without partial matches every entry scored matches every term (plan.where requires it).
    all_terms, all_terms_params = (plan.full, plan.full_params) if plan.partial else ("TRUE", [])
    entries, where_params = f"search_searchentry e WHERE {plan.where} {restrict}", plan.params
    if counting is not None:  # its CTE m takes the candidates' place at the head of WITH
        candidate_sql, candidate_args = counting.cte, counting.params
        entries, where_params, facet_value = counting.entries, [], counting.value
    if plan.features:
        # OFFSET 0 keeps the subquery whole: pulled up, each feature would be computed again
        # wherever the score reads it.
        entries = f"(SELECT e.*, {plan.features} FROM {entries} OFFSET 0) e"
    sql = f"""
        WITH {candidate_sql}
        scored AS MATERIALIZED (
            SELECT e.provision_id, e.policy_id, e."order", e.path, ({plan.score}) AS score,
                   ({plan.coverage}) AS coverage, ({all_terms}) AS all_terms
            FROM {entries}
        )
        , top AS MATERIALIZED (
        SELECT s.provision_id,
               round(({intent_sql} + s.score * power(%s::float8, s.rn - 1)
                      + CASE WHEN s.all_terms THEN 0 ELSE s.coverage END)::numeric, 6) AS final,
               s.all_terms, s.in_document, s.policy_id, s."order", s.path
        FROM (
            -- Near-equal scores (e.g. a match on the policy's context only) fall back to
            -- reading order, so a policy is represented by its opening clause, not a random one.
            SELECT scored.*,
                   row_number() OVER (PARTITION BY policy_id
                                      ORDER BY all_terms DESC, round((score + coverage)::numeric, 2) DESC,
                                               "order") AS rn,
                   count(*) OVER (PARTITION BY policy_id) AS in_document
            FROM scored
        ) s
        ORDER BY s.all_terms DESC, final DESC, s.policy_id, s."order"
        LIMIT %s OFFSET %s
        )
        -- What the page shows of each hit, in the same statement (not one more round trip).
        -- The facets as text: psycopg would decode the same JSON once per row. From a row of
        -- their own, so that they come back when no entry is ranked (a count beyond the cap).
        SELECT t.provision_id, t.final, t.all_terms, t.in_document, k.facets::text,
               p.id, p.eid, p.num, p.heading, p.text, t.path, pol.slug, pol.title, pol.doc_number
        FROM (SELECT {facet_value} AS facets) k
        LEFT JOIN top t ON TRUE
        LEFT JOIN policies_provision p ON p.id = t.provision_id
        LEFT JOIN policies_policy pol ON pol.id = p.policy_id
        ORDER BY t.all_terms DESC, t.final DESC, t.policy_id, t."order"
    """
    args = [
        *candidate_args,
        *plan.score_params,
        *plan.coverage_params,
        *all_terms_params,
        *plan.feature_params,
        *where_params,
        *intent_args,
        weights.diversity,
        limit,
        offset,
    ]
    rows = fetchall(sql, args, ordered_index_scan=candidates is not None)
    hits = [(row[0], float(row[1]), bool(row[2]), int(row[3])) for row in rows if row[0]]
    # (eid, num, heading, text, heading path, policy slug, title, 发文字号) of each hit.
    details = {row[0]: row[6:] for row in rows if row[5] is not None}
    return hits, (json.loads(rows[0][4]) if rows and rows[0][4] else None), details


_rum_ready: dict[str, bool] = {}


def rum_index_ready() -> bool:
    """Does this database have the RUM index on the words vector? (Checked once per process.)

    The index exists only where the ``rum`` extension could be installed (migration 0002);
    without it every match is scored (the GIN path), which is exact but slower on huge sets.
    """
    name = connection.settings_dict["NAME"]
    if name not in _rum_ready:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = %s)", [RUM_INDEX]
            )
            _rum_ready[name] = bool(cursor.fetchone()[0])
    return _rum_ready[name]


@dataclass(frozen=True)
class CandidateQuery:
    """What candidate retrieval looks for: ``clauses`` — per term, its alternatives, each a list
    of words an entry must all have — all required (any one, when ``partial``); ``match`` and
    ``ranking`` are the tsqueries of the RUM stage."""

    clauses: tuple[tuple[tuple[str, ...], ...], ...]
    partial: bool
    match: str
    ranking: str


def candidate_queries(
    terms: list[Term],
    partial: bool,
    answered_by_metadata: frozenset[int] = frozenset(),
    common: frozenset[str] = frozenset(),
) -> CandidateQuery | None:
    """What to retrieve candidates by (see :class:`CandidateQuery`), or None.

    An entry qualifies when every positive term (any term, when partial) matches by its own
    words; a term without words (a quoted phrase) contributes its segmented words. Entries that
    match only by substring are not candidates — they take part when the match set is small
    enough to be scored in full. Terms some documents' metadata answers (positions in
    ``answered_by_metadata``) are left out: a clause may take them from its document.

    ``common`` words (in a large share of all entries, such as 数据) are left out wherever
    another word still constrains: RUM's cost grows with the posting lists it reads, a common
    word's list is most of the table, and it tells the best entries from the rest little (its
    IDF is near zero). The scoring stage still requires every term; the caller retries without
    ``common`` when too few candidates survive that.
    """
    positive = [t for t in terms if not t.negated]
    clauses: list[tuple[tuple[str, ...], ...]] = []
    for i, term in enumerate(positive):
        if i in answered_by_metadata:
            continue
        alternatives = []
        for variant in term.variants:
            words = variant.words or significant_words(variant.substring)
            if words:
                alternatives.append(tuple(_rare_words(words, common)))
        if not alternatives:
            if partial:
                continue
            return None
        clauses.append(tuple(dict.fromkeys(alternatives)))
    if not clauses:
        return None
    if common and not partial:
        # A term all of whose alternatives are common words is left to the scoring stage.
        rare = [c for c in clauses if any(not set(words) <= common for words in c)]
        clauses = rare or clauses
    match = (" | " if partial else " & ").join(
        "(" + " | ".join("(" + tsquery_and(list(words), OWN_WEIGHTS) + ")" for words in c) + ")"
        for c in clauses
    )
    words = [w for t in positive for w in t.typed_words]
    words += [
        w for t in positive if t.phrase for v in t.variants for w in significant_words(v.substring)
    ]
    if not words:
        return None
    return CandidateQuery(tuple(clauses), partial, match, tsquery_or(_rare_words(words, common)))


def _rare_words(words: list[str], common: frozenset[str]) -> list[str]:
    """``words`` without the common ones, unless nothing else is left."""
    return [w for w in words if w not in common] or words
