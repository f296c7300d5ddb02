"""Chinese numbering as printed in policy documents: 第一章, 一、, （一）, 1., （1）, ①, 专栏 3, 附件."""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN = "零〇一二两三四五六七八九十百"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def cn_to_int(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十三 → 23, 一百零五 → 105."""
    if not text or any(ch not in CN for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = CN_DIGITS[ch]
    return total + current


@dataclass(frozen=True)
class Numbering:
    family: str  # which numbering scheme; levels are assigned per document by first appearance
    kind: str  # provision kind this scheme usually marks
    label: str  # as printed, e.g. "（三）"
    value: int | None  # its ordinal
    rest: str  # the line after the label


# Order matters: more specific patterns first.
PATTERNS: list[tuple[str, str, re.Pattern[str]]] = [
    ("part", "part", re.compile(rf"^(第([{CN}\d]+)编)\s*")),
    ("chapter", "chapter", re.compile(rf"^(第([{CN}\d]+)章)\s*")),
    ("section", "section", re.compile(rf"^(第([{CN}\d]+)节)\s*")),
    ("article", "article", re.compile(rf"^(第([{CN}\d]+)条)\s*")),
    ("box", "box", re.compile(r"^(专栏\s*(\d+|[一二三四五六七八九十]+))\s*")),
    ("cn", "chapter", re.compile(rf"^(([{CN}]+)\s*[、．.])\s*")),
    ("paren_cn", "section", re.compile(rf"^([（(]\s*([{CN}]+)\s*[）)])\s*")),
    ("paren_arabic", "subitem", re.compile(r"^([（(]\s*(\d{1,2})\s*[）)])\s*")),
    ("circled", "subitem", re.compile(rf"^(([{CIRCLED}]))\s*")),
    # 1. / 1、 / 1． but not 2024. or 1.5亿 (a number, not a label)
    ("arabic", "item", re.compile(r"^((\d{1,2})\s*[.、．](?!\d))\s*")),
]
# Academic papers: "0引言", "2.1思想理论基础" on a short heading line.
DECIMAL = re.compile(
    r"^((\d{1,2})((?:\.\d{1,2})*))\s*(?=[\u4e00-\u9fff])(?![年月日个万亿元项家倍])"
)


# The characters each family's label can open with (the arabic family: any decimal digit).
_OPENERS = {
    "part": "第",
    "chapter": "第",
    "section": "第",
    "article": "第",
    "box": "专",
    "cn": CN,
    "paren_cn": "（(",
    "paren_arabic": "（(",
    "circled": CIRCLED,
}


# First character → the patterns (in PATTERNS order) that can match a line opening with it, so
# a line is tried against two or three patterns, not ten, and most prose lines against none.
def _patterns_by_opener() -> dict[str, list[tuple[str, str, re.Pattern[str]]]]:
    table: dict[str, list[tuple[str, str, re.Pattern[str]]]] = {}
    for entry in PATTERNS:
        for char in _OPENERS.get(entry[0], ""):
            table.setdefault(char, []).append(entry)
    return table


_BY_OPENER = _patterns_by_opener()
_DIGIT_PATTERNS = [entry for entry in PATTERNS if entry[0] not in _OPENERS]


def parse_numbering(text: str) -> Numbering | None:
    if not text:
        return None
    candidates = _BY_OPENER.get(text[0]) or (_DIGIT_PATTERNS if text[0].isdecimal() else ())
    for family, kind, pattern in candidates:
        match = pattern.match(text)
        if not match:
            continue
        raw_value = match.group(2)
        if family == "circled":
            value: int | None = CIRCLED.index(raw_value) + 1
        elif raw_value.isascii() and raw_value.isdigit():
            value = int(raw_value)
        else:
            value = cn_to_int(raw_value)
        rest = text[match.end() :].strip()
        return Numbering(family, kind, match.group(1).strip(), value, rest)
    return None


def parse_decimal_heading(text: str) -> Numbering | None:
    """Numbered headings of papers (2.1思想理论基础) — only for short, unpunctuated lines."""
    if len(text) > 24 or re.search(r"[，。；：！？,;]", text):
        return None
    match = DECIMAL.match(text)
    if not match:
        return None
    depth = match.group(3).count(".")
    rest = text[match.end() :].strip()
    value = int(match.group(3).split(".")[-1]) if depth else int(match.group(2))
    family = f"decimal{depth}"
    return Numbering(family, "chapter" if depth == 0 else "section", match.group(1), value, rest)


def starts_numbered(text: str) -> bool:
    return parse_numbering(text) is not None
