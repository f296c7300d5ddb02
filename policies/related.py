"""Key terms a document marks, and the documents that share them.

A key term is a coinage: a term the text quotes or defines with 以下简称 that is not an ordinary
word (“智改数转”, “数据要素×”, not “意见”, “高质量”, “孵化器”), or a term a curator adds. Ordinary means listed in jieba's general dictionary — a word list of everyday Chinese that
knows nothing of these documents, so the rule is the same for any document.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path

import jieba
from django.db.models import Count, Q

from policies.models import KeyTerm, Policy
from policies.vocabulary import DEFINED_TERM, KEY_TERM_CHARS, QUOTED_TERM


@functools.cache
def ordinary_words() -> frozenset[str]:
    """The words of jieba's bundled general dictionary (``dict.txt``: word, frequency, tag)."""
    path = Path(jieba.__file__).with_name("dict.txt")
    with path.open(encoding="utf-8") as lines:
        return frozenset(line.split(" ", 1)[0] for line in lines)


def is_coinage(term: str) -> bool:
    """A quoted term counts only when it is not an everyday dictionary word."""
    return term not in ordinary_words()


def key_terms(texts: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        # “数据要素×”, “智改数转”: quoted coinages and 以下简称 names, at least two CJK.
        for pattern in (QUOTED_TERM, DEFINED_TERM):
            for term in pattern.findall(text):
                term = term.strip()
                if (
                    len(term) > KEY_TERM_CHARS
                    or len(re.findall(r"[\u4e00-\u9fff]", term)) < 2
                    or re.search(r"[，。；：！？]", term)
                ):
                    continue
                # A defined short name that is an ordinary word (以下简称《意见》) is shorthand
                # for a title, not a coinage: the same rule as for quoted terms.
                if is_coinage(term):
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
