"""Key terms a document marks, and the documents that share them."""

from __future__ import annotations

import re
from collections import Counter

from django.db.models import Count, Q

from policies.models import KeyTerm, Policy
from policies.vocabulary import DEFINED_TERM, KEY_TERM_CHARS, QUOTED_TERM


def key_terms(texts: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        # “数据要素×”, “智改数转”: quoted coinages and 以下简称 names, at least two CJK.
        for pattern in (QUOTED_TERM, DEFINED_TERM):
            for term in pattern.findall(text):
                term = term.strip()
                if (
                    len(term) <= KEY_TERM_CHARS
                    and len(re.findall(r"[\u4e00-\u9fff]", term)) >= 2
                    and not re.search(r"[，。；：！？]", term)
                ):
                    counts[term] += 1
    return counts


def related_policies(policy: Policy, limit: int = 6) -> list[tuple[Policy, list[str]]]:
    """Other held documents sharing key terms with this one, most shared first."""
    terms = list(policy.key_terms.values_list("term", flat=True))
    if not terms:
        return []
    others = (
        Policy.objects.real()
        .exclude(pk=policy.pk)
        .filter(key_terms__term__in=terms)
        .annotate(shared=Count("key_terms", filter=Q(key_terms__term__in=terms)))
        .order_by("-shared", "slug")[:limit]
    )
    shared_terms: dict[int, list[str]] = {}
    for policy_id, term in KeyTerm.objects.filter(
        policy__in=[p.pk for p in others], term__in=terms
    ).values_list("policy_id", "term"):
        shared_terms.setdefault(policy_id, []).append(term)
    return [(other, sorted(shared_terms.get(other.pk, []))) for other in others]
