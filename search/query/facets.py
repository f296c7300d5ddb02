"""Totals and facet counts, counted the way results are shown: matching clauses, plus each
document-level result once."""

from __future__ import annotations

from search.query.catalog import Catalog
from search.query.params import FacetValue
from search.query.plan import Plan, fetchall

# Match sets are counted exactly up to COUNT_CAP; beyond it the total is reported as
# "COUNT_CAP+" (``total_is_estimate``) and facets describe the first COUNT_CAP matches only:
# counting 187k matches of 数据 reads every one of them (over a second at 200k entries).
COUNT_CAP = 1000
# Let the planner scan the table sequentially for counting when at least this share of
# entries is estimated to match (数据: 94 %): the first rows then fill COUNT_CAP sooner than
# GIN can list 187k matches. Below it, counting goes through the indexes.
SEQSCAN_SELECTIVITY = 0.3


def facets_and_total(plan: Plan, catalog: Catalog) -> tuple[int, bool, dict[str, list[FacetValue]]]:
    """(total, whether total is the COUNT_CAP lower bound, facets over the counted matches)."""
    sql = f"""
        WITH m AS MATERIALIZED (
            SELECT e.body_ids, e.doc_type, e.status, e.year
            FROM search_searchentry e WHERE {plan.where} LIMIT {COUNT_CAP + 1}
        ), f AS MATERIALIZED (SELECT * FROM m LIMIT {COUNT_CAP})
        SELECT 'total', NULL, count(*) FROM m
        UNION ALL SELECT 'type', doc_type, count(*) FROM f WHERE doc_type <> '' GROUP BY doc_type
        UNION ALL SELECT 'status', status, count(*) FROM f WHERE status <> '' GROUP BY status
        UNION ALL SELECT 'year', year::text, count(*) FROM f WHERE year IS NOT NULL GROUP BY year
        UNION ALL SELECT 'body', b::text, count(*) FROM f, unnest(f.body_ids) AS b GROUP BY b
    """
    rows = fetchall(sql, plan.params, allow_seqscan=plan.selectivity >= SEQSCAN_SELECTIVITY)
    total = 0
    counts: dict[str, dict[str, int]] = {"body": {}, "type": {}, "status": {}, "year": {}}
    for kind, value, count in rows:
        if kind == "total":
            total = count
        else:
            counts[kind][value] = count
    facets = to_facets(counts, catalog)
    if total > COUNT_CAP:
        return COUNT_CAP, True, facets
    return total, False, facets


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
    for pk in policy_ids:
        p = catalog.policy_by_pk.get(pk)
        if p is None:
            continue
        for kind, value in (("type", p.doc_type), ("status", p.status), ("year", p.year)):
            if value not in ("", None):
                counts.setdefault(kind, {})
                counts[kind][str(value)] = counts[kind].get(str(value), 0) + 1
        for body in p.body_ids:
            counts.setdefault("body", {})
            counts["body"][str(body)] = counts["body"].get(str(body), 0) + 1
    return to_facets(counts, catalog)
