"""Lineage a text states about the documents it cites: which 《title》 it implements, rests on,
amends, replaces or repeals, and the final title a draft will carry.

Only explicit wording counts — 贯彻落实《…》, 根据/依据《…》, 废止《…》, 《…》同时废止 —
so a plain mention stays a plain citation. Several titles joined by 、/和/及 share the verb
before them (根据《A》《B》和《C》).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

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


_UNTIL = re.compile(r"有效期(?:至|截至|到)\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_START = re.compile(r"自\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日起(?:施行|实施|执行)")
_YEARS = re.compile(r"有效期(?:为)?\s*([0-9一二两三四五六七八九十]+)\s*年")
_NUMERALS = {c: i for i, c in enumerate("零一二三四五六七八九十")} | {"两": 2}


def find_validity(text: str) -> date | None:
    """The last day a document is in force, where it says so: 有效期至2027年12月31日, or
    自2024年1月1日起施行，有效期5年 (five years from that day, the day before the anniversary)."""
    if match := _UNTIL.search(text):
        return _day(*match.groups())
    start, years = _START.search(text), _YEARS.search(text)
    if start and years:
        begin = _day(*start.groups())
        count = _count(years.group(1))
        if begin and count:
            try:
                return begin.replace(year=begin.year + count) - timedelta(days=1)
            except ValueError:  # 29 February
                return begin.replace(year=begin.year + count, day=28)
    return None


def _day(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _count(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _NUMERALS.get(text[1:], 0)
    return _NUMERALS.get(text, 0)
