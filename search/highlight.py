"""Highlighted snippets: HTML-escaped text where ``<mark>`` is the only markup."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import escape

from search.normalize import compact_with_offsets, normalize

SNIPPET_CHARS = 160
CONTEXT_BEFORE = 40


def match_spans(text: str, needles: Iterable[str]) -> list[tuple[int, int]]:
    """Non-overlapping ``(start, end)`` spans of ``text`` matching any needle.

    Needles are normalized compact strings; matching ignores whitespace and script/width/case
    differences, and spans point into the original ``text`` (normalization preserves length).
    """
    compact_text, offsets = compact_with_offsets(normalize(text))
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


def snippet(text: str, needles: Iterable[str], size: int = SNIPPET_CHARS) -> str:
    """A window of ``text`` around its densest run of matches, escaped, matches in ``<mark>``."""
    spans = match_spans(text, needles)
    if len(text) <= size:
        return mark(text, spans)
    start = 0
    if spans:
        # The window that covers the most matches, starting a little before one of them.
        best, best_count = spans[0][0], -1
        for s, _ in spans:
            count = sum(1 for a, b in spans if a >= s and b <= s + size)
            if count > best_count:
                best, best_count = s, count
        start = max(0, min(best - CONTEXT_BEFORE, len(text) - size))
    end = min(len(text), start + size)
    inside = [
        (max(a, start) - start, min(b, end) - start) for a, b in spans if a < end and b > start
    ]
    body = mark(text[start:end], inside)
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
