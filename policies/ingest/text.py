"""Small text helpers shared by the parser stages."""

from __future__ import annotations

import re
import unicodedata

CJK = r"\u4e00-\u9fff"
DATE_CN = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
DATE_DOTTED = re.compile(r"(\d{4})[./-](\d{1,2})[./-](\d{1,2})")


def tidy(text: str) -> str:
    """Collapse whitespace; PDF extraction leaves spaces between CJK characters (杨 洋)."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(rf"(?<=[{CJK}，。；：、“”（）])\s+(?=[{CJK}，。；：、“”（）])", "", text)


def squash(text: str) -> str:
    """A comparison key: NFKC, no whitespace, no quotes/brackets/dashes variants."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\s\"'“”‘’「」『』《》()（）【】\[\]—–\-_*#·•]", "", text)
    return text.lower()


def find_date(text: str) -> str:
    """First date in the text as ISO (2024年12月28日, 2025.12.28, 2023/12/15)."""
    for pattern in (DATE_CN, DATE_DOTTED):
        if match := pattern.search(text):
            year, month, day = (int(g) for g in match.groups())
            if 1949 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31:
                return f"{year:04d}-{month:02d}-{day:02d}"
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
