"""Highlighted snippets: HTML-escaped text where ``<mark>`` is the only markup."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape  # what django.utils.html.escape does, without its lazy-string wrapper
from itertools import accumulate

from search.normalize import compact_with_offsets, normalize

SNIPPET_CHARS = 160
CONTEXT_BEFORE = 40


def match_spans(
    text: str, needles: Iterable[str], compacted: tuple[str, list[int]] | None = None
) -> list[tuple[int, int]]:
    """Non-overlapping ``(start, end)`` spans of ``text`` matching any needle.

    Needles are normalized compact strings; matching ignores whitespace and script/width/case
    differences, and spans point into the original ``text`` (normalization preserves length).
    ``compacted`` is ``compact_with_offsets(normalize(text))`` when the caller has it already.
    """
    compact_text, offsets = compacted or compact_with_offsets(normalize(text))
    spans: list[tuple[int, int]] = []
    taken = _Taken(len(text))
    for needle in sorted({n for n in needles if n}, key=len, reverse=True):
        start = compact_text.find(needle)
        while start >= 0:
            end = start + len(needle)
            span = (offsets[start], offsets[end - 1] + 1)
            if taken.claim(*span):
                spans.append(span)
            start = compact_text.find(needle, end)
    return sorted(spans)


class _Taken:
    """Which characters of a text are inside a span already: overlap checked in C, not against
    every span found so far (a long clause repeating 数据 had dozens)."""

    def __init__(self, length: int) -> None:
        self._taken = bytearray(length)

    def claim(self, start: int, end: int) -> bool:
        """Take ``[start, end)`` unless part of it is taken; whether it was free."""
        if self._taken.find(1, start, end) >= 0:
            return False
        self._taken[start:end] = b"\x01" * (end - start)
        return True


def mark(text: str, spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    cursor = 0
    for start, end in spans:
        out.append(escape(text[cursor:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    out.append(escape(text[cursor:]))
    return "".join(out)


def term_spans(
    text: str, terms: Iterable[tuple[list[str], list[str]]]
) -> list[tuple[int, int, int]]:
    """Spans to mark for each query term as ``(start, end, weight)``.

    ``terms`` holds, per term, its exact forms (the term and its aliases) and its words. A term
    found verbatim is marked as a whole (weight 10); otherwise its words are (weight 1).
    """
    spans: list[tuple[int, int, int]] = []
    taken = _Taken(len(text))
    compacted = compact_with_offsets(normalize(text))  # once for all the terms
    for exact, words in terms:
        found = match_spans(text, exact, compacted)
        weight = 10
        if not found:
            found, weight = match_spans(text, [w for w in words if len(w) > 1], compacted), 1
        for span in found:
            if taken.claim(*span):
                spans.append((*span, weight))
    return sorted(spans)


def snippet(
    text: str, terms: Iterable[tuple[list[str], list[str]]], size: int = SNIPPET_CHARS
) -> str:
    """A window of ``text`` around its best run of matches, escaped, matches in ``<mark>``."""
    weighted = term_spans(text, terms)
    spans = [(a, b) for a, b, _ in weighted]
    if len(text) <= size:
        return mark(text, spans)
    start = 0
    if weighted:
        # The window that holds the most (weighted) matches, starting a little before one: the
        # spans do not overlap, so ends rise with starts and the window is two indexes into them.
        total = [0, *accumulate(w for _, _, w in weighted)]
        best, best_score, last = weighted[0][0], -1, 0
        for first, (s, _, _) in enumerate(weighted):
            while last < len(weighted) and weighted[last][1] <= s + size - CONTEXT_BEFORE:
                last += 1
            score = total[max(last, first)] - total[first]
            if score > best_score:
                best, best_score = s, score
        start = max(0, min(best - CONTEXT_BEFORE, len(text) - size))
    end = min(len(text), start + size)
    inside = [
        (max(a, start) - start, min(b, end) - start) for a, b in spans if a < end and b > start
    ]
    body = mark(text[start:end], inside)
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
