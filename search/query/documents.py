"""Document-level results: documents every term of the query names through their metadata.

A query such as ``工信部``, ``证监会 意见``, ``发改数据〔2024〕`` or ``2024年12月 指导意见`` asks for
documents, not for every clause of them: each such document is listed once, with why it matched.
"""

from __future__ import annotations

from collections import defaultdict
from operator import itemgetter

from django.urls import reverse

from search.query.catalog import (
    REASON_AUTHOR,
    REASON_BODY,
    REASON_DATE,
    REASON_NUMBER,
    REASON_PUBLISHER,
    REASON_TITLE,
    Catalog,
    PolicyMeta,
    bare,
)
from search.query.params import DocumentHit, SearchParams
from search.query.parse import Term

# Stronger reasons first: a 发文字号 names one document, a body names many.
_STRENGTH = {
    REASON_NUMBER: 5,
    REASON_TITLE: 4,
    REASON_AUTHOR: 3,
    REASON_PUBLISHER: 3,
    REASON_DATE: 2,
    REASON_BODY: 1,
}


def _passes_filters(p: PolicyMeta, params: SearchParams, catalog: Catalog) -> bool:
    if params.body and catalog.body_id_by_slug.get(params.body) not in p.body_ids:
        return False
    if params.type and p.doc_type != params.type:
        return False
    if params.status and p.status != params.status:
        return False
    if params.year_from is not None and (p.year is None or p.year < params.year_from):
        return False
    if params.year_to is not None and (p.year is None or p.year > params.year_to):
        return False
    return not (params.policy and p.slug != params.policy)


def _filtered(params: SearchParams) -> bool:
    return bool(params.body or params.type or params.status or params.policy) or (
        params.year_from is not None or params.year_to is not None
    )


def share_passing(params: SearchParams, catalog: Catalog) -> float:
    """The share of documents the query's filters keep (1.0 without filters): an estimate of
    the share of entries they keep."""
    if not catalog.policies:
        return 0.0
    if not _filtered(params):
        return 1.0
    kept = sum(1 for p in catalog.policies if _passes_filters(p, params, catalog))
    return kept / len(catalog.policies)


def matching_documents(
    terms: list[Term],
    positive_matches: list[dict[int, str]],
    negative_matches: list[dict[int, str]],
    params: SearchParams,
    catalog: Catalog,
) -> list[tuple[PolicyMeta, list[str]]]:
    """Documents whose metadata answers every positive term (``terms``), strongest first."""
    if not positive_matches:
        return []
    ids = set(positive_matches[0])
    for found in positive_matches[1:]:
        ids &= set(found)
    for found in negative_matches:
        ids -= set(found)
    named_bodies = {catalog.body_by_name.get(bare(t.text)) for t in terms} - {None}
    filtered = _filtered(params)
    first, more = positive_matches[0], positive_matches[1:]
    newest = catalog.newest_first()
    if not more and not filtered and not named_bodies:
        # One term (数据 names thousands of documents by title): grouped by the strength of
        # their reason, the strongest first, each group newest first — sorted in C, no key
        # tuple per document.
        by_strength: dict[int, list[int]] = defaultdict(list)
        for pk in ids:
            by_strength[_STRENGTH.get(first[pk], 0)].append(pk)
        chosen: list[tuple[PolicyMeta, list[str]]] = []
        for strength in sorted(by_strength, reverse=True):
            pks = sorted(by_strength[strength], key=newest.__getitem__)
            chosen.extend((catalog.policy_by_pk[pk], [first[pk]]) for pk in pks)
        return chosen
    keyed = []
    for pk in ids:
        p = catalog.policy_by_pk.get(pk)
        if p is None or (filtered and not _passes_filters(p, params, catalog)):
            continue
        reasons = [first[pk]]
        for found in more:
            if found[pk] not in reasons:
                reasons.append(found[pk])
        strength = sum(_STRENGTH.get(r, 0) for r in reasons)
        # The body named leads the document; then the newest first.
        key = (-strength, p.lead_body not in named_bodies, newest[pk])
        keyed.append((key, p, reasons))
    keyed.sort(key=itemgetter(0))
    return [(p, reasons) for _, p, reasons in keyed]


def document_hit(p: PolicyMeta, reasons: list[str], catalog: Catalog) -> DocumentHit:
    return DocumentHit(
        slug=p.slug,
        title=p.title,
        doc_number=p.doc_number,
        doc_type=p.doc_type,
        date=max(p.dates).isoformat() if p.dates else "",
        bodies=[catalog.body_label[b][1] for b in p.body_ids if b in catalog.body_label],
        reasons=reasons,
        url=reverse("policies:detail", args=[p.slug]),
    )
