"""Quantified targets: "到2029年，数据产业规模年均复合增长率超过15%" → metric, comparator, value, unit, year.

A target is a number with a unit, tied to a comparator word and a metric phrase, in a sentence
that looks forward (a "到…年" deadline, 力争/目标/预计, or a deadline carried from an earlier line
of the same text, or the caller's `default_year` for a 目标 section). Sentences that report what
was achieved ("2020 年超过 1 万亿元", 同比, 截至, 已…) are not targets.

Caveats: only Arabic numerals are read (翻一番, 三倍 are missed); a sentence broken by a hard
line wrap is read as two sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from policies.extract._text import DEADLINE, fold


@dataclass(frozen=True)
class TargetFact:
    metric: str  # what is measured, e.g. 数据产业规模年均复合增长率
    comparator: str  # 超过 / 突破 / 左右 / 以上 / 增长 …; "" when the text states a bare figure
    value: Decimal
    unit: str  # normalised: "%" for both ％ and %
    year: int | None  # deadline year
    sentence: str  # the sentence as written, trimmed


# Sentences end at these marks or a line break; clauses inside a sentence at commas and colons.
# The enumeration comma 、 does not end a clause: "示范性强、显示度高…的典型应用场景" is one noun phrase.
_SENTENCE = re.compile(r"[^。；！？!?;\n]+")
_CLAUSE_BREAK = "，,：:"

# Magnitudes before a counting unit; listed longest first so 万亿元 wins over 万.
_COUNTERS = "元|个|家|项|人|名|座|款|套|台|件|部|条|户|吨"
_UNIT = rf"%|个百分点|百分点|倍|(?:万亿|亿|万|千)(?:{_COUNTERS})?|(?:{_COUNTERS})"
_QUANTITY = re.compile(
    rf"(?<![\d.第])(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?)\s*(?P<unit>{_UNIT})\s*(?P<post>及以上|以上|左右|以内|以下)?"
)
# Comparator words that sit right before the number; longest first so 达到 wins over 达.
_PRE_COMPARATOR = re.compile(
    r"(保持在|不低于|不少于|不超过|不高于|提高到|提高至|提升到|提升至|增加到|增长到|降低到|降低至|"
    r"下降到|下降至|控制在|稳定在|达到|超过|突破|增长|增加|提高|提升|降低|下降|减少|降至|低于|高于|"
    r"扩大|翻|达|近|约)\s*$"
)
_FORWARD_WORDS = ("力争", "争取", "目标", "预计", "预期")
# Reports of the present or past, not aims: 同比, 截至…, 已…, and the aspect particle in 增长了.
_PAST = re.compile(r"同比|截至|截止|已|[比较]上年|(?<![为除])了(?!解)")
_DIGIT = re.compile(r"\d")
_TITLE = re.compile(r"《[^》]*》")
_YEAR = re.compile(r"(?<!\d)(\d{4})\s*年")
# Words around a metric that are not part of it: the deadline frame, hedges and baselines.
_METRIC_LEAD = re.compile(
    r"(?:\s|力争|争取|预计|目标是|确保|其中|并|且|使|实现|推动|推进|带动|全年|(?:到|至)?\s*\d{4}\s*年(?:底|末)?(?:前)?)+"
)
_METRIC_TAIL = re.compile(r"(?:(?:比|较|相比)\s*\d{4}\s*年(?:底|末)?|[的\s])+$")


def find_targets(text: str, default_year: int | None = None) -> list[TargetFact]:
    """Quantified aims in `text` (one provision's text; its lines may share one "到…年" frame).

    `default_year` is the deadline the caller knows applies (e.g. the plan's end year for its
    目标 section); passing it also marks undated sentences as forward-looking.
    """
    folded = fold(text)
    if not _DIGIT.search(folded):
        return []  # every target has a figure: most provisions of a long document have none
    folded = _mask_titles(folded)
    facts: list[TargetFact] = []
    frame_year = default_year
    for match in _SENTENCE.finditer(folded):
        raw = text[match.start() : match.end()]
        stripped = raw.strip()
        if not stripped:
            continue
        offset = match.start() + (len(raw) - len(raw.lstrip()))
        plain = folded[offset : offset + len(stripped)]
        if not _DIGIT.search(plain):
            continue  # no figure and no "到…年": nothing to find, the frame stays as it was
        deadlines = [(m.start(), int(m.group(1) or m.group(2))) for m in DEADLINE.finditer(plain)]
        forward = _is_forward(plain, deadlines, frame_year)
        if deadlines:
            frame_year = deadlines[-1][1]
        if forward:
            facts.extend(_sentence_targets(stripped, plain, deadlines, frame_year))
    return facts


def _mask_titles(text: str) -> str:
    """Blank out 《…》 so the 2035 in 《…2035 年远景目标纲要》 is neither a year nor a figure."""
    if "《" not in text:
        return text
    return _TITLE.sub(lambda m: "《" + "□" * (len(m.group()) - 2) + "》", text)


def _is_forward(plain: str, deadlines: list[tuple[int, int]], frame_year: int | None) -> bool:
    if deadlines or any(word in plain for word in _FORWARD_WORDS):
        return True
    if frame_year is None or _PAST.search(plain):
        return False
    # Under a carried deadline, a sentence naming an earlier year reports the past.
    return not any(int(m.group(1)) < frame_year for m in _YEAR.finditer(plain))


def _sentence_targets(
    sentence: str, plain: str, deadlines: list[tuple[int, int]], frame_year: int | None
) -> list[TargetFact]:
    # Years that open a clause ("，2030年达到…") also date the figures after them.
    leading_years = [
        (m.start(), int(m.group(1)))
        for m in _YEAR.finditer(plain)
        if not plain[: m.start()].strip() or plain[: m.start()].rstrip()[-1] in _CLAUSE_BREAK
    ]
    dated = sorted(deadlines + leading_years)
    facts: list[TargetFact] = []
    previous_metric = ""
    for quantity in _QUANTITY.finditer(plain):
        start, end = quantity.start(), quantity.end()
        clause_start = max(plain.rfind(c, 0, start) for c in _CLAUSE_BREAK) + 1
        clause_end = min(
            [i for c in _CLAUSE_BREAK if (i := plain.find(c, end)) != -1] or [len(plain)]
        )
        pre = _PRE_COMPARATOR.search(plain, clause_start, start)
        comparator = quantity.group("post") or (pre.group(1) if pre else "")
        metric = _metric_span(plain, clause_start, pre.start() if pre else start)
        if not pre and plain[end:clause_end].strip():
            # "打造300个以上…的典型应用场景": the counted thing follows the figure.
            noun_start = plain.rfind("的", end, clause_end) + 1 or end
            metric = _metric_span(plain, noun_start, clause_end)
        metric_text = sentence[metric[0] : metric[1]] or previous_metric
        if not metric_text:
            continue
        year = next((y for pos, y in reversed(dated) if pos < start), frame_year)
        facts.append(
            TargetFact(
                metric=metric_text,
                comparator=comparator,
                value=Decimal(quantity.group("num").replace(",", "")),
                unit=quantity.group("unit"),
                year=year,
                sentence=sentence,
            )
        )
        previous_metric = metric_text
    return facts


def _metric_span(plain: str, lo: int, hi: int) -> tuple[int, int]:
    """Offsets of the metric phrase in plain[lo:hi], without frame words, baselines or 的."""
    lead = _METRIC_LEAD.match(plain, lo, hi)
    lo = lead.end() if lead else lo
    tail = _METRIC_TAIL.search(plain, lo, hi)
    hi = tail.start() if tail else hi
    return (lo, max(lo, hi))
