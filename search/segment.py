"""Word segmentation: the one place that knows about jieba.

:func:`segment` is the segmenter. It cuts with rjieba (jieba-rs, the same dictionary and the same
DAG, ~10x faster) when that package is installed and ``SEARCH_SEGMENTER`` is not ``jieba``; its
words after :func:`_merge_ascii` are checked to be identical to jieba's on the whole corpus by
``manage.py reindex --verify-segmenter`` (which also falls back to jieba's words for any text
where they differ and reports how many provisions did). jieba itself stays loaded: its
dictionary answers the sub-word look-ups.

:func:`lexemes` turns text into positioned lexemes for the full-text index and for queries
alike, so both sides always agree (each distinct word's lexeme data is computed once, see
:func:`_word_info`):

* precise-mode words get consecutive positions; punctuation advances the position without a
  lexeme (so phrases never match across it);
* a word's sub-words (dictionary words inside it, as jieba's search mode finds) share the word's
  position — joining ``cut_for_search`` output with spaces would shift positions and break
  phrase matching;
* Latin and number tokens stay whole (``5g``, ``c2m``, ``15%``, ``2024-2026``), and a number is
  also joined with the word right after it (``3万亿元``, ``2029年``); a date unit that word
  begins with is a lexeme there too (``2027年底``: also ``年``).

HMM new-word discovery is off: it is context dependent, so the same string could segment one way
in a document and another way in a query. Unknown strings fall back to the substring paths.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import jieba
from django.conf import settings

from search.speedups import native

try:  # optional: a faster implementation of the same segmenter
    import rjieba
except ImportError:  # pragma: no cover - depends on the environment
    rjieba = None

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
    # rjieba with the same extra terms, or None when jieba cuts (not installed / not wanted).
    fast: object | None = None
    extra_terms: set[str] = field(default_factory=set)
    # The frequency each extra term was given in jieba, for rjieba to get the same.
    extra_freqs: dict[str, int] = field(default_factory=dict)
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
                    self.fast = _new_fast({})
                    self.tokenizer = tokenizer
        return self.tokenizer


def _fast_wanted() -> bool:
    # SEARCH_SEGMENTER=jieba in the environment turns the fast segmenter off.
    return rjieba is not None and os.environ.get("SEARCH_SEGMENTER", "rjieba") != "jieba"


def _new_fast(freqs: dict[str, int]) -> object | None:
    """An rjieba segmenter: jieba's default dictionary plus the extra terms, same frequencies."""
    if not _fast_wanted():
        return None
    fast = rjieba.Jieba()
    for term in sorted(freqs):
        fast.add_word(term, freqs[term], None)
    return fast


def _term_freq(tokenizer: jieba.Tokenizer, term: str) -> int:
    # A generous frequency so the whole term wins over its parts in the DAG.
    return max(tokenizer.suggest_freq(term, tune=False), 1000)


_SEGMENTER = _Segmenter()


@dataclass
class _Verification:
    """Counts of :func:`segment` calls checked against jieba while verifying (per process)."""

    active: bool = False
    checked: int = 0
    differing: int = 0


_VERIFY = _Verification()


def segment(text: str) -> list[tuple[str, int, int]]:
    """Precise-mode words of ``text`` as ``(word, start, end)``: the segmenter behind everything."""
    tokenizer = _SEGMENTER.get()
    fast = _SEGMENTER.fast
    if fast is None:
        return jieba_segment(text)
    words = _merge_ascii(fast.tokenize(text, "default", False))
    if _VERIFY.active:
        _VERIFY.checked += 1
        reference = _merge_ascii(tokenizer.tokenize(text, mode="default", HMM=False))
        if reference != words:
            _VERIFY.differing += 1
            logger.info("rjieba differs from jieba on %r", text[:80])
            return reference
    return words


def jieba_segment(text: str) -> list[tuple[str, int, int]]:
    """:func:`segment` by jieba itself: the reference the fast segmenter is checked against."""
    return _merge_ascii(_SEGMENTER.get().tokenize(text, mode="default", HMM=False))


def load() -> None:
    """Load the segmenter now (before forking workers, which then share it)."""
    _SEGMENTER.get()


def fast_segmenter_active() -> bool:
    _SEGMENTER.get()
    return _SEGMENTER.fast is not None


def set_verification(active: bool) -> None:
    """Check every :func:`segment` call against jieba (and use jieba's words where they differ)."""
    _VERIFY.active = active


def verification_counts() -> tuple[int, int]:
    """(texts checked, texts where rjieba's words differed) in this process so far."""
    return _VERIFY.checked, _VERIFY.differing


_ASCII_TOKEN_RE = re.compile(r"^[a-z0-9.%+#&_\-]+$")


def _merge_ascii(tokens: Iterable[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Glue touching ASCII pieces back together: 15 + % → 15%, 2024 - 2026 → 2024-2026.

    In C when built (search/_speedups.c ``merge_ascii``, this function's twin).
    """
    if native is not None:
        return native.merge_ascii(tokens)
    merged: list[tuple[str, int, int]] = []
    ascii_flags: list[bool] = []
    previous_ascii = False
    for token in tokens:
        word = token[0]
        # isascii() first: most tokens are Chinese and never reach the regex.
        is_ascii = word.isascii() and _ASCII_TOKEN_RE.match(word) is not None
        if is_ascii and previous_ascii and merged[-1][2] == token[1]:
            prev_word, prev_start, _ = merged[-1]
            merged[-1] = (prev_word + word, prev_start, token[2])
        else:
            merged.append(token)
            ascii_flags.append(is_ascii)
        previous_ascii = is_ascii
    for i, is_ascii in enumerate(ascii_flags):
        if not is_ascii:
            continue
        word, start, _ = merged[i]
        if len(word) > 1:
            stripped = word.strip(".-+&_#")
            if stripped and stripped != word:
                offset = word.index(stripped)
                merged[i] = (stripped, start + offset, start + offset + len(stripped))
    return merged


def is_dictionary_word(word: str) -> bool:
    return bool(_SEGMENTER.get().FREQ.get(word))


def set_extra_terms(terms: Iterable[str], version: int | None = None) -> None:
    """Make the segmenter's extra dictionary exactly ``terms`` (learned + curated)."""
    tokenizer = _SEGMENTER.get()
    wanted = {t for t in terms if t}
    with _SEGMENTER.lock:
        removed = _SEGMENTER.extra_terms - wanted
        for gone in removed:
            tokenizer.del_word(gone)
            _SEGMENTER.extra_freqs.pop(gone, None)
        added = sorted(wanted - _SEGMENTER.extra_terms)
        for new in added:
            freq = _term_freq(tokenizer, new)
            tokenizer.add_word(new, freq=freq)
            _SEGMENTER.extra_freqs[new] = freq
        if removed:
            # rjieba cannot delete a word: a fresh one with exactly these terms (~0.2 s).
            _SEGMENTER.fast = _new_fast(_SEGMENTER.extra_freqs)
        elif _SEGMENTER.fast is not None:
            for new in added:
                _SEGMENTER.fast.add_word(new, _SEGMENTER.extra_freqs[new], None)
        _SEGMENTER.extra_terms = wanted
        _SEGMENTER.dictionary_version = version
        _clear_word_info()


def extra_frequencies() -> dict[str, int]:
    """The extra terms loaded and the frequency each got (what cutting depends on)."""
    return dict(_SEGMENTER.extra_freqs)


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


@dataclass(slots=True)
class Slot:
    """The lexemes at one position: the word itself first, then its parts."""

    position: int
    word: str
    variants: list[str]
    start: int
    end: int


# The units of a date as the query parser reads one (search.query.parse: 2027年, 12月5日).
DATE_UNITS = frozenset("年月日")
DATE_UNIT_CHARS = "".join(sorted(DATE_UNITS))  # as the C layout (search/_speedups.c) takes them

# Word → what lexemes() needs of it (see _word_info); a plain dict read in the hot loop instead of
# an lru_cache call per token. Cleared when the dictionary changes, and when it grows past this.
_WORD_INFO: dict[str, tuple[str, tuple[str, ...], bool, bool] | None] = {}
_WORD_INFO_MAX = 262_144
_MISSING = object()


def _word_info(word: str) -> tuple[str, tuple[str, ...], bool, bool] | None:
    """What :func:`lexemes` needs of one segmenter word, computed once per distinct word.

    ``(lexeme, variants, is a number, starts with a Chinese character)``, or None for
    punctuation and space. Depends on the dictionary: cleared by :func:`set_extra_terms`.
    """
    if not _WORD_RE.search(word) or word.isspace():
        info = None
    else:
        lexeme = word[:MAX_LEXEME_CHARS]
        if _ASCII_ALNUM.search(lexeme) and not _CJK_RE.search(lexeme):
            parts = _LATIN_PARTS_RE.findall(lexeme)
            variants = [p for p in parts if p != lexeme]
            if lexeme.endswith("%") and lexeme[:-1] not in variants:
                variants.append(lexeme[:-1])
        else:
            variants = _sub_words(lexeme)
        info = (
            lexeme,
            tuple(variants),
            bool(_NUMBER_RE.match(lexeme)),
            bool(_CJK_RE.match(lexeme)),
        )
    if len(_WORD_INFO) >= _WORD_INFO_MAX:
        _WORD_INFO.clear()
    _WORD_INFO[word] = info
    return info


def _clear_word_info() -> None:
    _WORD_INFO.clear()


def word_info_table() -> tuple[dict, Callable[[str], tuple | None]]:
    """The per-word cache and the function that fills a miss: what the C layout of a section
    (search/_speedups.c ``lay_out``, :func:`lexeme_slots`'s twin) reads instead of calling
    :func:`lexeme_slots`."""
    return _WORD_INFO, _word_info


# One positioned slot: (position, lexeme, variants, start, end).
SlotTuple = tuple[int, str, tuple[str, ...], int, int]


def lexeme_slots(text: str) -> list[SlotTuple]:
    """:func:`lexemes` as plain tuples — the index build's hot path (no object per word).

    The one implementation of the rules in the module docstring; :func:`lexemes` wraps it.
    """
    slots: list[SlotTuple] = []
    info_of = _WORD_INFO.get
    position = 0
    previous_is_number = False
    previous_end = -1
    for token, start, end in segment(text):
        position += 1
        info = info_of(token, _MISSING)
        if info is _MISSING:
            info = _word_info(token)
        if info is None:
            previous_is_number = False
            continue
        word, variants, is_number, starts_cjk = info
        # A number followed directly by a word: also index "3万亿元", "2029年" at the number.
        if previous_is_number and starts_cjk and previous_end == start:
            p_position, p_word, p_variants, p_start, p_end = slots[-1]
            joined = (p_word + word)[:MAX_LEXEME_CHARS]
            slots[-1] = (p_position, p_word, (*p_variants, joined), p_start, p_end)
            # A date's unit cut into a longer word (2027年底, 12月末, 5日前): the unit too, at the
            # word's position, as a date written plainly has it — a date term's words (2027 年)
            # then find 到2027年底 in a heading path or lead-in, where no substring is looked for.
            if len(word) > 1 and word[0] in DATE_UNITS and word[0] not in variants:
                variants = (*variants, word[0])
        slots.append((position, word, variants, start, end))
        previous_is_number, previous_end = is_number, end
    return slots


def lexemes(text: str) -> list[Slot]:
    """Positioned lexemes of already normalized text (see module docstring). Positions start at 1."""
    return [Slot(p, w, list(v), s, e) for p, w, v, s, e in lexeme_slots(text)]


def lexeme_set(text: str) -> list[str]:
    """All lexemes of ``text``, deduplicated, in order of first appearance."""
    seen: dict[str, None] = {}
    for slot in lexemes(text):
        seen.setdefault(slot.word, None)
        for v in slot.variants:
            seen.setdefault(v, None)
    return list(seen)
