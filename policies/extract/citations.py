"""Cited 《titles》 that name policy documents, title normalisation, and 以下简称 definitions.

A 《…》 names a policy when its title ends in a document-type word (意见, 规划, 行动计划, 法 …),
once a trailing year range or draft marker is set aside. Journals (《中国信息安全》), reports
(…报告), standards (…评估模型) and bare abbreviations (《意见》, 《实施意见》) are not citations:
abbreviations are resolved through `find_abbreviation_defs` instead.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from policies.vocabulary import DEFINED_TERM

# Ending words of policy document titles; a title is a policy if, stripped of parentheticals,
# it ends with one of these.
POLICY_SUFFIXES = (
    "意见", "规划", "计划", "方案", "办法", "条例", "法", "法典", "通知", "决定", "纲要", "规定",
    "指南", "指引", "细则", "规则", "战略", "措施", "政策", "决议", "公告", "通告", "批复",
    "要点", "清单", "目录", "章程", "准则",
)  # fmt: skip
_SUFFIXES_LONGEST_FIRST = sorted(POLICY_SUFFIXES, key=len, reverse=True)
# Words ending in 法 that are not laws.
_NOT_LAW = ("方法", "算法", "做法", "看法", "说法", "想法", "手法", "语法", "书法", "写法")
# Qualifiers that, alone before a document-type word, make an abbreviation (《实施意见》), not a title.
_GENERIC_QUALIFIERS = ("", "实施", "指导", "三年", "工作", "管理", "若干", "专项")

_DASHES = re.compile(r"[‐‑‒–—―─－~～]+")
_QUOTES = re.compile(r"[“”‘’「」『』〝〞\"'〈〉]")
_DRAFT = re.compile(r"(?:\((?:公开)?(?:征求意见稿|征|草案|送审稿|草案征求意见稿)\)|征求意见稿)$")
_TRAILING_PAREN = re.compile(r"\([^()]*\)$")
_ABBREVIATION = DEFINED_TERM
# Phrase boundaries when looking back from （以下简称…） for the full name.
_PHRASE_BREAK = '，。；：！？、,;:!?“”"（）()》'
_LEADING_PREPOSITION = re.compile(r"^(?:在|对|将|把|从|按照|根据|依据|由|以|与|为|就|向|经|通过)")


@functools.lru_cache(maxsize=8192)
def normalize_title(title: str) -> str:
    """A comparison key for titles: one width, one dash, no quotes, spaces or draft marker.

    《“数据要素×”三年行动计划(2024—2026年)(征求意见稿)》 and
    《"数据要素×"三年行动计划（2024-2026年）》 both become 数据要素×三年行动计划(2024-2026年).
    """
    key = unicodedata.normalize("NFKC", title)  # full-width parentheses, digits, letters
    key = key.strip().removeprefix("《").removesuffix("》")
    key = _QUOTES.sub("", _DASHES.sub("-", key))
    key = re.sub(r"\s+", "", key).casefold()
    while (stripped := _DRAFT.sub("", key)) != key:
        key = stripped
    return key


def is_policy_title(title: str) -> bool:
    """Whether a 《》 title names a policy document, judged by how it ends."""
    core = normalize_title(title)
    while (stripped := _TRAILING_PAREN.sub("", core)) != core:  # (2024-2026年), (试行)
        core = stripped
    suffix = next((s for s in _SUFFIXES_LONGEST_FIRST if core.endswith(s)), None)
    if suffix is None or core.endswith(_NOT_LAW):
        return False
    return core.removesuffix(suffix).removesuffix("行动") not in _GENERIC_QUALIFIERS


def find_cited_titles(text: str) -> list[str]:
    """Policy titles cited in 《》, in order of first mention, one per normalised title.

    Titles come back as written, minus line wraps; nested 《…〈…〉…》 and 《…《…》…》 are kept whole.
    """
    titles: list[str] = []
    seen: set[str] = set()
    for title in _bracketed(text):
        title = re.sub(r"\s*\n\s*", "", title).strip()
        key = normalize_title(title)
        if key and key not in seen and is_policy_title(title):
            seen.add(key)
            titles.append(title)
    return titles


def _bracketed(text: str) -> list[str]:
    """Contents of outermost 《…》 pairs, counting nesting so inner pairs stay inside."""
    found: list[str] = []
    depth, start = 0, 0
    for i, char in enumerate(text):
        if char == "《":
            if depth == 0:
                start = i + 1
            depth += 1
        elif char == "》" and depth:
            depth -= 1
            if depth == 0:
                found.append(text[start:i])
    return found


def find_abbreviation_defs(text: str) -> list[tuple[str, str]]:
    """(full name, short name) pairs defined by （以下简称…）, in order.

    "《关于加强数据科技创新的实施意见》（以下简称《意见》）" → ("关于加强数据科技创新的实施意见", "意见").
    Without 《》 the full name is the phrase back to the previous punctuation, minus a leading
    preposition: "在习近平总书记关于科技创新的重要论述（以下简称习近平科技创新重要论述）".
    """
    # Hard line wraps (PDF text) split phrases; Chinese needs no space where they are joined.
    joined = re.sub(r"\s*\n\s*", "", text)
    pairs: list[tuple[str, str]] = []
    for match in _ABBREVIATION.finditer(joined):
        short = re.sub(r"\s+", "", match.group("short"))
        before = joined[: match.start()].rstrip()
        if before.endswith("》"):
            opening = before.rfind("《")
            full = before[opening + 1 : -1] if opening != -1 else ""
        else:
            cut = max(before.rfind(c) for c in _PHRASE_BREAK) + 1
            full = before[cut:]
            if len(full) > 2:
                full = _LEADING_PREPOSITION.sub("", full)
        full = full.strip()
        if full and short and (full, short) not in pairs:
            pairs.append((full, short))
    return pairs
