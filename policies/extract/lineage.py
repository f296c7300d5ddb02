"""Lineage a text states about the documents it cites: which 《title》 it implements, rests on,
amends, replaces or repeals, and the final title a draft will carry.

Only explicit wording counts — 贯彻落实《…》, 根据/依据《…》, 废止《…》, 《…》同时废止 —
so a plain mention stays a plain citation. Several titles joined by 、/和/及 share the verb
before them (根据《A》《B》和《C》).
"""

from __future__ import annotations

import re

from policies.models import Reference

# A run of one or more 《titles》 (each maybe followed by its （发文字号）) joined by connectors.
_TITLE = r"《[^《》]*(?:《[^《》]*》[^《》]*)*》(?:[（(][^）)]{0,40}[）)])?"
_TITLES = rf"{_TITLE}(?:\s*(?:、|，|和|及|以及|与|并)\s*{_TITLE})*"

# Verb, then (within the same clause, no full stop or semicolon) the run of titles.
_BEFORE = [
    (Reference.Relation.IMPLEMENTS, r"(?:贯彻落实|贯彻|落实)"),
    (Reference.Relation.BASIS, r"(?:根据|依据|依照|按照)"),
    (Reference.Relation.REPEALS, r"废止"),
    (Reference.Relation.AMENDS, r"(?:修订|修改)"),
    (Reference.Relation.REPLACES, r"(?:代替|取代|替代)"),
]
# The run of titles, then the verb: 《…》同时废止, 《…》（…号）予以废止, 《…》不再执行.
_AFTER = [
    (
        Reference.Relation.REPEALS,
        r"(?:同时|即行|予以|自[^，。；]{0,20}起)?(?:废止|停止执行|不再执行)",
    ),
    (Reference.Relation.AMENDS, r"(?:同时|予以)?(?:修订|修改)"),
]
_PATTERNS = [
    (relation, re.compile(rf"{verb}[^。；《]{{0,30}}?(?P<run>{_TITLES})"))
    for relation, verb in _BEFORE
] + [(relation, re.compile(rf"(?P<run>{_TITLES})\s*{verb}")) for relation, verb in _AFTER]
# When one title gets two verbs, the stronger relation is kept.
_STRENGTH = [
    Reference.Relation.REPEALS,
    Reference.Relation.REPLACES,
    Reference.Relation.AMENDS,
    Reference.Relation.IMPLEMENTS,
    Reference.Relation.BASIS,
]
_IN_RUN = re.compile(r"《((?:[^《》]|《[^《》]*》)*)》")

# A draft marker at the end of a title as printed: （征求意见稿）, (草案), （送审稿）.
_DRAFT_SUFFIX = re.compile(
    r"\s*[（(]\s*(?:公开)?(?:征求意见稿|草案(?:征求意见稿)?|送审稿|征求意见版)\s*[）)]\s*$"
)


def find_lineage(text: str) -> dict[str, str]:
    """``{cited title as written: relation}`` for the titles the text gives a lineage verb.

    Repeal wins over the weaker relations when a title is named twice."""
    found: dict[str, str] = {}
    for relation, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            for title in _IN_RUN.findall(match.group("run")):
                title = re.sub(r"\s*\n\s*", "", title).strip()
                current = found.get(title)
                if current is None or _STRENGTH.index(relation) < _STRENGTH.index(current):
                    found[title] = relation
    return found


def final_title(title: str) -> str | None:
    """The title a draft's final version will carry (the draft marker removed), else None."""
    stripped = _DRAFT_SUFFIX.sub("", title)
    return stripped if stripped != title and stripped else None
