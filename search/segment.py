"""Word segmentation: the one place that knows about jieba.

:func:`segment` is the segmenter (swap the implementation here — one line — for a faster
compatible one). :func:`lexemes` turns text into positioned lexemes for the full-text index and
for queries alike, so both sides always agree:

* precise-mode words get consecutive positions; punctuation advances the position without a
  lexeme (so phrases never match across it);
* a word's sub-words (dictionary words inside it, as jieba's search mode finds) share the word's
  position — joining ``cut_for_search`` output with spaces would shift positions and break
  phrase matching;
* Latin and number tokens stay whole (``5g``, ``c2m``, ``15%``, ``2024-2026``), and a number is
  also joined with the word right after it (``3万亿元``, ``2029年``).

HMM new-word discovery is off: it is context dependent, so the same string could segment one way
in a document and another way in a query. Unknown strings fall back to the substring paths.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

import jieba
from django.conf import settings

logger = logging.getLogger(__name__)

# Longest lexeme kept (PostgreSQL refuses lexemes over 2 KB; nothing useful is this long).
MAX_LEXEME_CHARS = 60
# Sub-words are looked up inside words up to this length.
MAX_SUBWORD_CHARS = 8

_WORD_RE = re.compile(r"[\w%]", re.UNICODE)
_NUMBER_RE = re.compile(r"^[0-9]+(?:\.[0-9]+)?%?$")
_LATIN_PARTS_RE = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?%?")
_ASCII_ALNUM = re.compile(r"[a-z0-9]")
_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass
class _Segmenter:
    """A jieba tokenizer whose dictionary cache lives inside the project, loaded once per process."""

    tokenizer: jieba.Tokenizer | None = None
    extra_terms: set[str] = field(default_factory=set)
    dictionary_version: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self) -> jieba.Tokenizer:
        if self.tokenizer is None:
            with self.lock:
                if self.tokenizer is None:
                    cache_dir = settings.JIEBA_CACHE_DIR
                    cache_dir.mkdir(parents=True, exist_ok=True)
                    tokenizer = jieba.Tokenizer()
                    tokenizer.tmp_dir = str(cache_dir)
                    tokenizer.cache_file = "jieba.cache"
                    jieba.setLogLevel(logging.WARNING)
                    tokenizer.initialize()
                    self.tokenizer = tokenizer
        return self.tokenizer


_SEGMENTER = _Segmenter()


def segment(text: str) -> list[tuple[str, int, int]]:
    """Precise-mode words of ``text`` as ``(word, start, end)``: the segmenter behind everything."""
    return _merge_ascii(_SEGMENTER.get().tokenize(text, mode="default", HMM=False))


_ASCII_TOKEN_RE = re.compile(r"^[a-z0-9.%+#&_\-]+$")


def _merge_ascii(tokens: Iterable[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Glue touching ASCII pieces back together: 15 + % → 15%, 2024 - 2026 → 2024-2026."""
    merged: list[tuple[str, int, int]] = []
    for word, start, end in tokens:
        if (
            merged
            and _ASCII_TOKEN_RE.match(word)
            and merged[-1][2] == start
            and _ASCII_TOKEN_RE.match(merged[-1][0])
        ):
            prev_word, prev_start, _ = merged[-1]
            merged[-1] = (prev_word + word, prev_start, end)
        else:
            merged.append((word, start, end))
    out: list[tuple[str, int, int]] = []
    for word, start, end in merged:
        if len(word) > 1 and _ASCII_TOKEN_RE.match(word):
            stripped = word.strip(".-+&_#")
            if stripped and stripped != word:
                offset = word.index(stripped)
                start, end, word = start + offset, start + offset + len(stripped), stripped
        out.append((word, start, end))
    return out


def is_dictionary_word(word: str) -> bool:
    return bool(_SEGMENTER.get().FREQ.get(word))


def set_extra_terms(terms: Iterable[str], version: int | None = None) -> None:
    """Make the segmenter's extra dictionary exactly ``terms`` (learned + curated)."""
    tokenizer = _SEGMENTER.get()
    wanted = {t for t in terms if t}
    with _SEGMENTER.lock:
        for gone in _SEGMENTER.extra_terms - wanted:
            tokenizer.del_word(gone)
        for new in sorted(wanted - _SEGMENTER.extra_terms):
            # A generous frequency so the whole term wins over its parts in the DAG.
            tokenizer.add_word(new, freq=max(tokenizer.suggest_freq(new, tune=False), 1000))
        _SEGMENTER.extra_terms = wanted
        _SEGMENTER.dictionary_version = version


def loaded_dictionary_version() -> int | None:
    return _SEGMENTER.dictionary_version


def _sub_words(word: str) -> list[str]:
    """Dictionary words strictly inside ``word`` (what search mode adds, generalized)."""
    n = len(word)
    if n <= 2 or not _CJK_RE.search(word):
        return []
    freq = _SEGMENTER.get().FREQ
    found: list[str] = []
    for size in range(min(n - 1, MAX_SUBWORD_CHARS), 1, -1):
        for i in range(0, n - size + 1):
            piece = word[i : i + size]
            if freq.get(piece) and piece not in found:
                found.append(piece)
    return found


@dataclass
class Slot:
    """The lexemes at one position: the word itself first, then its parts."""

    position: int
    word: str
    variants: list[str]
    start: int
    end: int


def lexemes(text: str) -> list[Slot]:
    """Positioned lexemes of already normalized text (see module docstring). Positions start at 1."""
    tokens = segment(text)
    slots: list[Slot] = []
    position = 0
    previous: Slot | None = None
    for word, start, end in tokens:
        position += 1
        if not _WORD_RE.search(word) or word.isspace():
            previous = None
            continue
        word = word[:MAX_LEXEME_CHARS]
        variants: list[str] = []
        if _ASCII_ALNUM.search(word) and not _CJK_RE.search(word):
            parts = _LATIN_PARTS_RE.findall(word)
            variants = [p for p in parts if p != word]
            if word.endswith("%") and word[:-1] not in variants:
                variants.append(word[:-1])
        else:
            variants = _sub_words(word)
        slot = Slot(position, word, variants, start, end)
        # A number followed directly by a word: also index "3万亿元", "2029年" at the number.
        if previous is not None and previous.end == start and _NUMBER_RE.match(previous.word):
            if _CJK_RE.match(word):
                previous.variants.append((previous.word + word)[:MAX_LEXEME_CHARS])
        slots.append(slot)
        previous = slot
    return slots


def lexeme_set(text: str) -> list[str]:
    """All lexemes of ``text``, deduplicated, in order of first appearance."""
    seen: dict[str, None] = {}
    for slot in lexemes(text):
        seen.setdefault(slot.word, None)
        for v in slot.variants:
            seen.setdefault(v, None)
    return list(seen)
