"""Totals and facet counts, counted the way results are shown: matching clauses, plus each
document-level result once."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from search.query.catalog import Catalog
from search.query.params import FacetValue
from search.query.plan import MATCH, Plan, fetchall

# Match sets are counted exactly up to COUNT_CAP; beyond it the total is reported as
# "COUNT_CAP+" (``total_is_estimate``) and facets describe the first COUNT_CAP matches only:
# counting 187k matches of 数据 reads every one of them (over a second at 200k entries).
COUNT_CAP = 1000
# Let the planner scan the table sequentially for counting when at least this share of
# entries is estimated to match (数据: 94 %): the first rows then fill COUNT_CAP sooner than
# GIN can list 187k matches. Below it, counting goes through the indexes.
SEQSCAN_SELECTIVITY = 0.3


@dataclass(frozen=True)
class Counting:
    """A plan's matches counted by its ranking statement (rank.ranked_hits), not by one of
    their own: CTE ``m`` holds the first COUNT_CAP + 1 matches (their row addresses), which
    are scored only when no more match — the page of a counted set is every match scored —
    and :attr:`value` is their count with each policy's among the first COUNT_CAP, shaped as
    SCORED_FACETS_SQL's. The matches are not looked up a second time and one round trip goes
    (C2M at 200k: its two statements executed in 23.5 ms, the one in 20.8)."""

    cte: str
    params: list
    # What the scoring reads: the counted rows, by address (a TID scan).
    entries: str
    value: str

    @classmethod
    def of(cls, plan: Plan) -> Counting:
        cap = COUNT_CAP  # read here: tests lower it
        return cls(
            cte="m AS MATERIALIZED (SELECT e.ctid AS tid, e.policy_id FROM search_searchentry e "
            f"WHERE {plan.where} LIMIT {cap + 1}),",
            params=list(plan.params),
            entries="search_searchentry e WHERE e.ctid = ANY(ARRAY("
            f"SELECT tid FROM m WHERE (SELECT count(*) FROM m) <= {cap}))",
            value=f"""json_build_object(
                'n', (SELECT count(*) FROM m),
                'policies', (SELECT json_object_agg(policy_id, n) FROM (SELECT policy_id,
                             count(*) AS n FROM (SELECT policy_id FROM m LIMIT {cap}) f
                             GROUP BY policy_id) x))""",
        )


# The ranking of a counted plan: given its Counting, (hits, the Counting's value, details), as
# rank.ranked_hits returns them.
Ranking = Callable[[Counting], tuple[list, dict | None, dict]]


def facets_and_total(
    plan: Plan, catalog: Catalog, passing: float = 1.0, ranking: Ranking | None = None
) -> tuple[int, bool, dict[str, list[FacetValue]], tuple[list, dict] | None]:
    """(total, whether total is the COUNT_CAP lower bound, facets over the counted matches,
    the page's (hits, details) when ``ranking`` counted them — with every match scored — or
    None).

    Several words that often occur together are found more than their statistics predict, so
    such a query is counted, and counting its full conditions builds a bitmap for each word and
    each substring path (数据安全 保障 体系: 72 ms at 200k entries). A subset of the matches —
    the entries holding every term's words — is read first: when it alone passes the cap, the
    total is the cap either way and its first matches are as good a basis for the facets.
    ``passing``: the share of entries the filters keep (see documents.share_passing).
    """
    seqscan = plan.selectivity >= SEQSCAN_SELECTIVITY
    # Only where the statistics allow more matches than the cap: else it is one more query.
    if plan.words_probe and not seqscan and _may_pass_cap(plan, catalog, passing):
        where, params = _words_probe(plan)
        rows = fetchall(_counting_sql(where), params)
        if _total(rows) > COUNT_CAP:
            return COUNT_CAP, True, to_facets(_counts(rows, catalog), catalog), None
    if ranking is not None and not seqscan:
        hits, value, details = ranking(Counting.of(plan))
        total, facets = scored_facets(value, catalog)
        page = (hits, details)
    else:
        rows = fetchall(_counting_sql(plan.where), plan.params, allow_seqscan=seqscan)
        total, facets, page = _total(rows), to_facets(_counts(rows, catalog), catalog), None
    if total > COUNT_CAP:
        return COUNT_CAP, True, facets, None
    return total, False, facets, page


def _may_pass_cap(plan: Plan, catalog: Catalog, passing: float) -> bool:
    """Do the statistics allow more matches than COUNT_CAP (the rarest term's share, or the sum
    of them for any term, is an upper bound)?"""
    return plan.most_share * catalog.entries * passing > COUNT_CAP


def _words_probe(plan: Plan) -> tuple[str, list]:
    """Condition and parameters of the entries holding every term's words (``words_probe``): a
    subset of the matches, through one GIN condition instead of one per way to match."""
    return f"e.words {MATCH} %s::tsquery AND {plan.rest_where}", [
        plan.words_probe,
        *plan.rest_params,
    ]


def _counting_sql(where: str) -> str:
    """The count of matches (up to COUNT_CAP + 1), and how many of the first COUNT_CAP each
    policy has (the facets follow from the policies': see :func:`policy_facets`)."""
    return f"""
        WITH m AS MATERIALIZED (
            SELECT e.policy_id FROM search_searchentry e WHERE {where} LIMIT {COUNT_CAP + 1}
        )
        SELECT NULL, count(*) FROM m
        UNION ALL
        SELECT policy_id, count(*) FROM (SELECT policy_id FROM m LIMIT {COUNT_CAP}) f
        GROUP BY policy_id
    """


def _total(rows: list[tuple]) -> int:
    return next(count for policy_id, count in rows if policy_id is None)


def _counts(rows: list[tuple], catalog: Catalog) -> dict[str, dict[str, int]]:
    return policy_facets({pk: n for pk, n in rows if pk is not None}, catalog)


def policy_facets(entries: dict[int, int], catalog: Catalog) -> dict[str, dict[str, int]]:
    """Facet counts of entries given as policy → how many: every facet value (type, status,
    year, bodies) is the policy's, so an entry counts where its policy's values are — in
    Python over at most a thousand policies, instead of grouping the entries by each facet in
    SQL (4.5 of the 13 ms counting 医疗 数据 共享's first thousand matches at 200k)."""
    counts: dict[str, dict[str, int]] = {"body": {}, "type": {}, "status": {}, "year": {}}
    for (kind, value), n in catalog.sets().weighted_counts(entries).items():
        counts[kind][value] = n
    return counts


# Statistics estimating at least this many matches: not counted at all (the GIN bitmaps of a
# query's posting lists are most of a search's time then). The total is reported as the
# COUNT_CAP lower bound and the facets describe the candidates ranked in full. Three times the
# cap: a word's share in PostgreSQL's element statistics (a 30,000-row sample) is good to a
# few percent at that size, and words searched together co-occur more often than independence
# assumes, which makes the estimate of several low, not high.
ESTIMATE_FROM = 3 * COUNT_CAP

# A fixed 1/SAMPLE_EVERY of the entries, with GIN indexes of their own (migration 0010): where the
# statistics cannot tell whether a search's matches pass the count cap (several words used
# together, a phrase, a substring), the sample is asked first. Matches among a sample are a
# Poisson count; SAMPLE_HITS of them where a set of COUNT_CAP would give 31 on average happens
# for fewer than one such set in a million, so they prove the set is beyond the cap, and its
# count — a bitmap of every match, then a thousand rows — is not needed: at 1M entries
# "高质量数据集" is counted in 50 ms (58,652 entries hold its bigrams), its sample in 2 ms.
SAMPLE_EVERY = 32
SAMPLE_WHERE = f"(hashint8(e.provision_id) & {SAMPLE_EVERY - 1}) = 0"
SAMPLE_DOUBT = 1e-6


def _hits_beyond(mean: float, doubt: float) -> int:
    """The least count a Poisson variable of this ``mean`` reaches with probability < doubt."""
    hits, term, below = 0, math.exp(-mean), 0.0
    while 1.0 - below >= doubt:
        below += term
        hits += 1
        term *= mean / hits
    return hits


SAMPLE_HITS = _hits_beyond(COUNT_CAP / SAMPLE_EVERY, SAMPLE_DOUBT)  # 62


def sampled_beyond_cap(plan: Plan, catalog: Catalog, passing: float = 1.0) -> bool:
    """Do SAMPLE_HITS of the sample's entries match (so the whole set is beyond COUNT_CAP)?
    Not asked where the statistics rule it out."""
    if not _may_pass_cap(plan, catalog, passing):
        return False
    # A subset of the matches where the plan has one is as good a proof, and cheaper.
    where, params = _words_probe(plan) if plan.words_probe else (plan.where, plan.params)
    rows = fetchall(
        f"SELECT count(*) FROM (SELECT FROM search_searchentry e "
        f"WHERE {where} AND {SAMPLE_WHERE} LIMIT {SAMPLE_HITS}) s",
        params,
    )
    return rows[0][0] >= SAMPLE_HITS


# Facet counts over the ranked candidates (the ``scored`` CTE of search.query.rank): how many
# each policy has, as one JSON value computed once per statement (see policy_facets).
SCORED_FACETS_SQL = """(SELECT json_build_object(
        'n', (SELECT count(*) FROM scored),
        'policies', (SELECT json_object_agg(policy_id, n) FROM (SELECT policy_id, count(*) AS n
                     FROM scored GROUP BY policy_id) x)))"""


def scored_facets(value: dict | None, catalog: Catalog) -> tuple[int, dict[str, list[FacetValue]]]:
    """(clauses counted, facets) from SCORED_FACETS_SQL's value."""
    value = value or {}
    entries = {int(pk): int(n) for pk, n in (value.get("policies") or {}).items()}
    return int(value.get("n") or 0), to_facets(policy_facets(entries, catalog), catalog)


def to_facets(counts: dict[str, dict[str, int]], catalog: Catalog) -> dict[str, list[FacetValue]]:
    facets: dict[str, list[FacetValue]] = {}
    for kind, values in counts.items():
        items = []
        for value, count in values.items():
            if kind == "body":
                slug, name = catalog.body_label.get(int(value), (value, value))
                items.append(FacetValue(slug, name, count))
            else:
                items.append(FacetValue(value, value, count))
        if kind == "year":
            items.sort(key=lambda f: f.value, reverse=True)
        else:
            items.sort(key=lambda f: (-f.count, f.label))
        facets[kind] = items
    return facets


def add_documents(
    facets: dict[str, list[FacetValue]], policy_ids: list[int], catalog: Catalog
) -> dict[str, list[FacetValue]]:
    """Facets with each document-level result counted once more."""
    if not policy_ids:
        return facets
    slug_to_id = {slug: pk for pk, (slug, _) in catalog.body_label.items()}
    counts: dict[str, dict[str, int]] = {
        kind: {
            (str(slug_to_id.get(f.value, f.value)) if kind == "body" else f.value): f.count
            for f in values
        }
        for kind, values in facets.items()
    }
    added = catalog.sets().counts(policy_ids)
    for (kind, value), n in added.items():
        values = counts.setdefault(kind, {})
        values[value] = values.get(value, 0) + n
    return to_facets(counts, catalog)
