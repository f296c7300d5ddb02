"""Relevance evaluation of :func:`search.query.search` over a judged query file.

File format (fixtures/eval/dev_queries.json): ``{"queries": [{"id", "kind", "q", "relevant":
[[doc, marker], …]} | {…, "docs": [doc, …]}]}`` where ``doc`` is a source file's first three
digits. A hit is relevant to a passage when it belongs to that document and its text, with
whitespace and markdown marks removed, contains the marker; a ``docs`` query counts a hit when
its policy comes from that document. Each judged passage (or document) counts once.

A ``docs`` query ranks the document-level results first (as the page shows them), then the clause
hits; a passage query ranks the clause hits only (a document result is not a passage).

Metrics per query, averaged: recall@10, MRR@10, nDCG@10 (binary gains) and doc hit@3 (one of
the first three hits comes from a relevant document).
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from search.query import SearchParams, search

K = 10
_STRIP_RE = re.compile(r"[\s*#_`>|]+")


def strip_marks(text: str) -> str:
    return _STRIP_RE.sub("", text)


@dataclass
class QueryScore:
    id: str
    kind: str
    q: str
    recall: float
    mrr: float
    ndcg: float
    doc_hit3: float
    found: int
    judged: int
    top_docs: list[str]


def policy_documents() -> dict[str, str]:
    """Policy slug → the source file's three-digit prefix."""
    from policies.models import Policy

    return {
        slug: (name or "")[:3] for slug, name in Policy.objects.values_list("slug", "source__name")
    }


def score_query(item: dict, docs_by_slug: dict[str, str]) -> QueryScore:
    results = search(SearchParams(q=item["q"], limit=K))
    hits = [(docs_by_slug.get(h.policy_slug, ""), strip_marks(h.text)) for h in results.items]
    if "docs" in item:
        documents = [(docs_by_slug.get(d.slug, ""), d.title) for d in results.documents]
        hits = (documents + hits)[:K]
        judged = [(doc, None) for doc in item["docs"]]
    else:
        judged = [(doc, strip_marks(marker)) for doc, marker in item["relevant"]]
    found: set[int] = set()
    gains: list[int] = []
    first_rank = 0
    for rank, (doc, text) in enumerate(hits, start=1):
        gain = 0
        for j, (jdoc, marker) in enumerate(judged):
            if j in found or jdoc != doc or (marker is not None and marker not in text):
                continue
            found.add(j)
            gain = 1
            break
        relevant = any(
            jdoc == doc and (marker is None or marker in text) for jdoc, marker in judged
        )
        if relevant and not first_rank:
            first_rank = rank
        gains.append(gain)
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(judged), K)))
    relevant_docs = {doc for doc, _ in judged}
    return QueryScore(
        id=item["id"],
        kind=item.get("kind", ""),
        q=item["q"],
        recall=len(found) / len(judged) if judged else 0.0,
        mrr=1 / first_rank if first_rank else 0.0,
        ndcg=dcg / ideal if ideal else 0.0,
        doc_hit3=1.0 if any(doc in relevant_docs for doc, _ in hits[:3]) else 0.0,
        found=len(found),
        judged=len(judged),
        top_docs=[doc for doc, _ in hits],
    )


def evaluate(path: Path) -> list[QueryScore]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    docs_by_slug = policy_documents()
    return [score_query(item, docs_by_slug) for item in data["queries"]]


def mean(scores: list[QueryScore], attr: str) -> float:
    return sum(getattr(s, attr) for s in scores) / len(scores) if scores else 0.0


def by_kind(scores: list[QueryScore]) -> dict[str, list[QueryScore]]:
    groups: dict[str, list[QueryScore]] = defaultdict(list)
    for s in scores:
        groups[s.kind].append(s)
    return dict(sorted(groups.items()))
