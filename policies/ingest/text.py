"""Small text helpers shared by the parser stages."""

from __future__ import annotations

import re
import unicodedata

CJK = r"\u4e00-\u9fff"
WHITESPACE = re.compile(r"\s+")
CJK_GAP = re.compile(rf"(?<=[{CJK}，。；：、“”（）])\s+(?=[{CJK}，。；：、“”（）])")
DATE_CN = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
DATE_DOTTED = re.compile(r"(\d{4})[./-](\d{1,2})[./-](\d{1,2})")


def tidy(text: str) -> str:
    """Collapse whitespace; PDF extraction leaves spaces between CJK characters (杨 洋)."""
    if not WHITESPACE.search(text):
        return text  # nothing to collapse or strip (most lines of a long file)
    text = WHITESPACE.sub(" ", text).strip()
    return CJK_GAP.sub("", text)


def squash(text: str) -> str:
    """A comparison key: NFKC, no whitespace, no quotes/brackets/dashes variants."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\s\"'“”‘’「」『』《》()（）【】\[\]—–\-_*#·•]", "", text)
    return text.lower()


# 二〇二六年三月九日: the year digit by digit, month and day as numbers (十二, 二十三).
DATE_HANZI = re.compile(
    r"([〇零○Ｏ一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月"
    r"\s*([一二三四五六七八九十]{1,4})\s*日"
)
DATE_ANY = re.compile(f"{DATE_CN.pattern}|{DATE_HANZI.pattern}")
_YEAR_DIGITS = str.maketrans("〇零○Ｏ一二三四五六七八九", "0000123456789")


def date_groups(match: re.Match[str]) -> tuple[int, int, int] | None:
    """(year, month, day) from a DATE_CN, DATE_DOTTED, DATE_HANZI or DATE_ANY match."""
    from policies.ingest.numbering import cn_to_int

    parts = [g for g in match.groups() if g is not None][:3]
    if len(parts) < 3:
        return None
    year_text, month_text, day_text = parts
    if not year_text.isdigit():
        year_text = year_text.translate(_YEAR_DIGITS)
    month = int(month_text) if month_text.isdigit() else cn_to_int(month_text)
    day = int(day_text) if day_text.isdigit() else cn_to_int(day_text)
    year = int(year_text) if year_text.isdigit() else None
    if year is None or month is None or day is None:
        return None
    if 1949 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31:
        return year, month, day
    return None


def iso(parts: tuple[int, int, int] | None) -> str:
    return f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}" if parts else ""


def find_date(text: str) -> str:
    """First date in the text as ISO (2024年12月28日, 二〇二六年三月九日, 2025.12.28, 2023/12/15)."""
    for pattern in (DATE_CN, DATE_HANZI, DATE_DOTTED):
        for match in pattern.finditer(text):
            if parts := date_groups(match):
                return iso(parts)
    return ""


def bigrams(text: str) -> set[str]:
    key = squash(text)
    return {key[i : i + 2] for i in range(len(key) - 1)} or ({key} if key else set())


def similarity(a: str, b: str) -> float:
    """How well heading a names skeleton entry b: 1.0 for equal or containment, else overlap."""
    ka, kb = squash(a), squash(b)
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 1.0
    if kb in ka or ka in kb:
        return 0.9
    ba, bb = bigrams(a), bigrams(b)
    bigram_overlap = len(ba & bb) / min(len(ba), len(bb))
    char_overlap = len(set(ka) & set(kb)) / min(len(set(ka)), len(set(kb)))
    return max(bigram_overlap * 0.85, char_overlap * 0.7)
