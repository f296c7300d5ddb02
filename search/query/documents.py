"""Document-level results: documents every term of the query names through their metadata.

A query such as ``工信部``, ``证监会 意见``, ``发改数据〔2024〕`` or ``2024年12月 指导意见`` asks for
documents, not for every clause of them: each such document is listed once, with why it matched.
"""

from __future__ import annotations

import functools
import operator
from collections import defaultdict
from dataclasses import dataclass, field
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
    return passing_policies(params, catalog).bit_count() / len(catalog.policies)


def passing_policies(params: SearchParams, catalog: Catalog) -> int:
    """The policies the query's filters keep, as a set of ``catalog.sets()``: the filters'
    rules for documents, as the entries' columns apply them in SQL (a policy without a year
    fails a year bound; an unknown body or policy keeps none) — by set operations, without a
    loop over every policy in Python (13 ms with 20,000 policies)."""
    sets = catalog.sets()
    kept = sets.every
    for kind, value in (("type", params.type), ("status", params.status)):
        if value:
            kept &= sets.having.get((kind, value), 0)
    if params.body:
        kept &= sets.having.get(("body", str(catalog.body_id_by_slug.get(params.body))), 0)
    if params.year_from is not None or params.year_to is not None:
        low = params.year_from if params.year_from is not None else -1
        high = params.year_to if params.year_to is not None else 10**6
        years = [m for (k, v), m in sets.having.items() if k == "year" and low <= int(v) <= high]
        kept &= functools.reduce(operator.or_, years, 0)
    if params.policy:
        policy = catalog.policy_by_slug.get(params.policy)
        kept &= sets.of([policy.pk]) if policy else 0
    return kept


@dataclass(frozen=True)
class MatchedDocuments:
    """Documents whose metadata answers every positive term, strongest first, as policy ids:
    a one-word query (数据) names thousands of documents, of which a page shows a few and the
    facets count all — no object per document."""

    pks: list[int] = field(default_factory=list)
    reasons: dict[int, list[str]] | dict[int, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pks)

    def first(self, n: int, catalog: Catalog) -> list[tuple[PolicyMeta, list[str]]]:
        """The first ``n``, each with why it matched."""
        return [(catalog.policy_by_pk[pk], self._why(pk)) for pk in self.pks[:n]]

    def _why(self, pk: int) -> list[str]:
        why = self.reasons[pk]
        return [why] if isinstance(why, str) else why


def matching_documents(
    terms: list[Term],
    positive_matches: list[dict[int, str]],
    negative_matches: list[dict[int, str]],
    params: SearchParams,
    catalog: Catalog,
) -> MatchedDocuments:
    """Documents whose metadata answers every positive term (``terms``), strongest first."""
    if not positive_matches:
        return MatchedDocuments()
    named_bodies = {catalog.body_by_name.get(bare(t.text)) for t in terms} - {None}
    kept = passing_policies(params, catalog) if _filtered(params) else None
    first, more = positive_matches[0], positive_matches[1:]
    newest = catalog.newest_first()
    if not more and not negative_matches and kept is None and not named_bodies:
        # One term (数据 names thousands of documents by title): grouped by the strength of
        # their reason, the strongest first, each group newest first — sorted in C, no key
        # tuple per document.
        by_strength: dict[int, list[int]] = defaultdict(list)
        for pk, why in first.items():
            by_strength[_STRENGTH.get(why, 0)].append(pk)
        pks: list[int] = []
        for strength in sorted(by_strength, reverse=True):
            pks.extend(sorted(by_strength[strength], key=newest.__getitem__))
        return MatchedDocuments(pks, first)
    ids = set(first)
    for found in more:
        ids &= set(found)
    for found in negative_matches:
        ids -= set(found)
    keyed = []
    for pk in ids:
        p = catalog.policy_by_pk.get(pk)
        if p is None or (kept is not None and not catalog.sets().holds(kept, pk)):
            continue
        reasons = [first[pk]]
        for found in more:
            if found[pk] not in reasons:
                reasons.append(found[pk])
        strength = sum(_STRENGTH.get(r, 0) for r in reasons)
        # The body named leads the document; then the newest first.
        key = (-strength, p.lead_body not in named_bodies, newest[pk])
        keyed.append((key, pk, reasons))
    keyed.sort(key=itemgetter(0))
    return MatchedDocuments([pk for _, pk, _ in keyed], {pk: r for _, pk, r in keyed})


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
