"""Highlighted snippets: HTML-escaped text where ``<mark>`` is the only markup."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import escape

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
    for needle in sorted({n for n in needles if n}, key=len, reverse=True):
        start = compact_text.find(needle)
        while start >= 0:
            end = start + len(needle)
            span = (offsets[start], offsets[end - 1] + 1)
            if all(span[1] <= s or span[0] >= e for s, e in spans):
                spans.append(span)
            start = compact_text.find(needle, end)
    return sorted(spans)


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
    taken: list[tuple[int, int]] = []
    compacted = compact_with_offsets(normalize(text))  # once for all the terms
    for exact, words in terms:
        found = match_spans(text, exact, compacted)
        weight = 10
        if not found:
            found, weight = match_spans(text, [w for w in words if len(w) > 1], compacted), 1
        for span in found:
            if all(span[1] <= a or span[0] >= b for a, b in taken):
                taken.append(span)
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
        # The window that holds the most (weighted) matches, starting a little before one.
        best, best_score = weighted[0][0], -1
        for s, _, _ in weighted:
            score = sum(w for a, b, w in weighted if a >= s and b <= s + size - CONTEXT_BEFORE)
            if score > best_score:
                best, best_score = s, score
        start = max(0, min(best - CONTEXT_BEFORE, len(text) - size))
    end = min(len(text), start + size)
    inside = [
        (max(a, start) - start, min(b, end) - start) for a, b in spans if a < end and b > start
    ]
    body = mark(text[start:end], inside)
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
