"""Text normalization shared by the index and the query parser.

Both sides must agree exactly, so there is one function per purpose:

* :func:`normalize` — for indexing: NFKC per character (full-width → half-width), traditional →
  simplified (OpenCC ``t2s``), lowercase, and *length-preserving*: character ``i`` of the result
  comes from character ``i`` of the input, so match offsets found in normalized text can be used
  to highlight the original text.
* :func:`normalize_query` — the same mapping for user input, plus whitespace collapsing.
* :func:`compact` — normalized text without whitespace: the string the substring (grams +
  LIKE) path looks at. PDF line wraps put spaces inside words ("1 万亿元"); the relevance rule
  of the evaluation ignores whitespace too.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

from search.speedups import native

_T2S = opencc.OpenCC("t2s")
_SPACE_RE = re.compile(r"\s+")
# Characters people type interchangeably with a plain letter ("数据要素×" / "数据要素x").
_CHAR_MAP = {"×": "x", "✕": "x", "✖": "x"}


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """One character → one character: NFKC when that stays a single character, then lowercase."""
    if ch in _CHAR_MAP:
        return _CHAR_MAP[ch]
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) != 1:
        folded = ch
    lowered = folded.lower()
    return lowered if len(lowered) == 1 else folded


class _FoldTable(dict):
    """Code point → :func:`_fold_char` of it, for ``str.translate``: filled as characters are
    first seen, then looked up in C (a tenth of the time of a Python call per character)."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


def normalize(text: str) -> str:
    """Length-preserving normalization (see module docstring)."""
    if not text:
        return ""
    # In C when built: the table's answers are remembered there (a lookup, not a dict call).
    folded = native.fold(text, _FOLD_TABLE) if native is not None else text.translate(_FOLD_TABLE)
    simplified = _T2S.convert(folded)
    if len(simplified) != len(folded):
        # OpenCC phrase tables are length-preserving for t2s in practice; guarantee it anyway.
        simplified = "".join(
            c if len(c) == 1 else f for f, c in ((f, _T2S.convert(f)) for f in folded)
        )
    return simplified


def normalize_query(text: str) -> str:
    """Normalize user input: same character mapping as the index, whitespace collapsed."""
    text = "".join(
        ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cs", "Co"} or ch in "\t\n"
    )
    return _SPACE_RE.sub(" ", normalize(text)).strip()


def compact(text: str) -> str:
    """Normalized text without whitespace (one space kept between two Latin letters/digits)."""
    if not _ANY_SPACE_RE.search(text):
        return text  # the usual case for Chinese text, and the index build's hot path
    return _ANY_SPACE_RE.sub(
        lambda m: (
            " "
            if m.start() > 0
            and m.end() < len(text)
            and _is_ascii_alnum(text[m.start() - 1])
            and _is_ascii_alnum(text[m.end()])
            else ""
        ),
        text,
    )


_ANY_SPACE_RE = re.compile(r"\s+")


_RUN_RE = re.compile(r"\S+")


def compact_with_offsets(normalized: str) -> tuple[str, list[int]]:
    """The compact string and, for each of its characters, the offset in ``normalized``.

    As :func:`compact`: whitespace goes, except one space between two ASCII letters or digits
    (which then points at the first whitespace character of the run it stands for).
    """
    parts: list[str] = []
    offsets: list[int] = []
    last = ""  # the last character kept
    prev_end = 0
    for run in _RUN_RE.finditer(normalized):
        start, end = run.span()
        text = run.group()
        if last and start > prev_end and _is_ascii_alnum(last) and _is_ascii_alnum(text[0]):
            parts.append(" ")
            offsets.append(prev_end)
        parts.append(text)
        offsets.extend(range(start, end))
        last, prev_end = text[-1], end
    return "".join(parts), offsets


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()
