"""Ready-to-paste citations: the common Chinese form for documents and clauses, GB/T 7714 for
articles.

* document: ``国家发展改革委等《关于促进数据产业高质量发展的指导意见》（发改数据〔2024〕1836号）``
* clause:   the same, then the clause's numbers from the top: ``第四章（二）``, ``一（三）``, ``第三条``
* article:  ``刘冬梅, 杨洋, 李哲. 题名[J]. 中国科技论坛, 2025(1).`` (GB/T 7714-2015, [J] journal,
  [N] newspaper with its date)
"""

from __future__ import annotations

import re

from policies.models import IssuingBody, Policy, Provision

_NUM_TRAILER = re.compile(r"[、．.\s]+$")
_ISSUE = re.compile(r"(?P<year>\d{4})年第(?P<issue>\d+)期")
_NEWSPAPER = re.compile(r"(?:报|日报|晚报|时报)$")


def issuer(bodies: list[IssuingBody]) -> str:
    """One or two bodies by name; a lead body and 等 for three or more, as citations usually do."""
    if len(bodies) > 2:
        return f"{bodies[0].name}等"
    return "、".join(body.name for body in bodies)


def policy_citation(policy: Policy, bodies: list[IssuingBody]) -> str:
    number = f"（{policy.doc_number}）" if policy.doc_number else ""
    return f"{issuer(bodies)}《{policy.title}》{number}"


def clause_path(provision: Provision, by_id: dict[int, Provision]) -> str:
    """The printed numbers from the top-level provision down to this one: 第四章（二）, 一（三）.

    Unnumbered paragraphs take their nearest numbered ancestor's path."""
    nums: list[str] = []
    current: Provision | None = provision
    while current is not None:
        if current.num:
            nums.append(_NUM_TRAILER.sub("", current.num).replace(" ", ""))
        current = by_id.get(current.parent_id) if current.parent_id else None
    return "".join(reversed(nums))


def clause_citation(
    policy: Policy, bodies: list[IssuingBody], provision: Provision, by_id: dict[int, Provision]
) -> str:
    return policy_citation(policy, bodies) + clause_path(provision, by_id)


def gbt7714(policy: Policy) -> str:
    """GB/T 7714-2015 for an article: journal [J] with year(issue), newspaper [N] with its date."""
    authors = ", ".join(policy.authors)
    head = f"{authors}. {policy.title}" if authors else policy.title
    source = policy.publisher
    issue = _ISSUE.search(source)
    name = re.sub(r"[（(].*$", "", source).strip()
    day = policy.published_on or policy.issued_on
    if issue:
        return f"{head}[J]. {name}, {issue['year']}({issue['issue']})."
    if _NEWSPAPER.search(name) and day:
        return f"{head}[N]. {name}, {day:%Y-%m-%d}."
    year = f", {day.year}" if day else ""
    return f"{head}[J]. {name}{year}." if name else f"{head}[Z]{year}."
