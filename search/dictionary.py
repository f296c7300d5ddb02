"""The segmenter's extra dictionary: terms the corpus teaches itself, plus a curated file.

Learned at index time from every policy:

* quoted terms — “揭榜挂帅”, “数据要素×”;
* titles in 《…》 (as whole words; their parts stay findable as sub-words);
* terms defined with 以下简称 — （以下简称“数据二十条”）, （以下简称习近平科技创新重要论述）;
* issuing bodies' full names and aliases (policies.IssuingBody).

The terms live in :class:`search.models.DictionaryTerm`; ``IndexState.dictionary_version`` is bumped
whenever they change so that every process (web workers, the loader, tests) reloads them before
segmenting — index and queries must always use the same dictionary.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import transaction

from policies.vocabulary import DEFINED_TERM, QUOTED_TERM
from search import segment
from search.normalize import normalize

_QUOTED_RE = QUOTED_TERM
_TITLE_RE = re.compile(r"《([^《》\n]{2,40})》")
_DEFINED_RE = DEFINED_TERM
# A term must look like a term: letters/CJK inside, no sentence punctuation or spaces.
_BAD_CHARS_RE = re.compile(r"[\s，。；：！？、,;:!?()（）…\[\]【】<>]")
_HAS_LETTER_RE = re.compile(r"[\u3400-\u9fffa-z]")

MIN_TERM_CHARS = 2
MAX_TERM_CHARS = 30

# X（以下简称“Y”）: X is a 《title》 or the run of words before the parenthesis.
_DEFINED_PAIR_RE = re.compile(
    r"(?:《([^《》\n]{2,40})》|([\u3400-\u9fffA-Za-z0-9]{2,40}))"
    r"[（(]以下简称[：:]?[“\"《]?([^”\"》）)，,。\n]{2,20})[”\"》]?[）)]"
)
# 反向定制（C2M）: a Latin abbreviation in parentheses after the words it abbreviates.
_ABBREVIATION_RE = re.compile(r"([\u3400-\u9fff]{2,20})[（(]([A-Za-z][A-Za-z0-9+\-]{1,11})[）)]")
# Its parenthesis alone: looked for first, since most parentheses hold （一） or Chinese, and
# the full pattern tries every run of Chinese characters before one.
_LATIN_IN_PARENS_RE = re.compile(r"[（(][A-Za-z][A-Za-z0-9+\-]{1,11}[）)]")
MIN_EXPANSION_CHARS = 3
# 以下简称《意见》, “本规划”: a name for the document at hand, not a synonym across the corpus.
_DOCUMENT_SELF_NAME_RE = re.compile(
    r"^(?:本|该|此)?(?:实施|指导|行动|专项|发展|工作)?(?:意见|规划|通知|方案|办法|计划|纲要|决定|规定|细则|条例|指南)$"
)


def curated_terms(path: Path | None = None) -> list[str]:
    """Words of the curated jieba user dictionary (comments and blank lines skipped)."""
    path = path or settings.FIXTURES_DIR / "dictionary" / "curated.txt"
    if not path.exists():
        return []
    terms = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        terms.append(line.split()[0])
    return terms


# Learning reads every text, and the same terms recur in many: cleaned once each.
@lru_cache(maxsize=65536)
def clean_term(raw: str) -> str | None:
    term = normalize(raw.strip())
    if not (MIN_TERM_CHARS <= len(term) <= MAX_TERM_CHARS):
        return None
    if _BAD_CHARS_RE.search(term) or not _HAS_LETTER_RE.search(term):
        return None
    return term


# A character each marking needs (defined: …简称…/…称…; quoted: “ " 「; title: 《): most texts
# have none, and are skipped without running the patterns (learning reads every text).
_MARKERS = (
    ("称", _DEFINED_RE, "defined"),
    ('“"「', _QUOTED_RE, "quoted"),
    ("《", _TITLE_RE, "title"),
)


def terms_in_text(text: str) -> dict[str, str]:
    """Terms a text marks itself, mapped to how they were marked (DictionaryTerm.Source value)."""
    found: dict[str, str] = {}
    for markers, regex, source in _MARKERS:
        if not any(marker in text for marker in markers):
            continue
        for match in regex.finditer(text):
            term = clean_term(match.group(1))
            if term:
                found.setdefault(term, source)
    return found


def _abbreviated_words(run: str) -> str:
    """The words a parenthesised abbreviation stands for: the run's last word when it is long
    (人工智能), else its last two (反向 定制) — the words before them are the sentence's verb."""
    words = [w for w, _, _ in segment.segment(run)]
    if not words:
        return ""
    if len(words[-1]) >= 4 or len(words) == 1:
        return words[-1]
    return "".join(words[-2:])


def pairs_in_text(text: str) -> dict[tuple[str, str], str]:
    """(term, alternative) pairs a text defines, both directions, → Synonym.Source value."""
    found: dict[tuple[str, str], str] = {}
    if "以下简称" in text:
        for match in _DEFINED_PAIR_RE.finditer(text):
            short = clean_term(match.group(3))
            full = match.group(1)
            if full is None:
                # The defined name starts where the short name's first character last occurs.
                run = match.group(2)
                at = run.rfind(short[0]) if short else -1
                full = run[at:] if at >= 0 else ""
            full = clean_term(full) if full else None
            if (
                short
                and full
                and short != full
                and len(full) >= MIN_EXPANSION_CHARS
                and not _DOCUMENT_SELF_NAME_RE.match(short)
            ):
                found.setdefault((short, full), "defined")
                found.setdefault((full, short), "defined")
    if ("（" in text or "(" in text) and _LATIN_IN_PARENS_RE.search(text):
        for match in _ABBREVIATION_RE.finditer(text):
            abbreviation = clean_term(match.group(2))
            full = clean_term(_abbreviated_words(match.group(1)))
            if abbreviation and full and len(full) >= MIN_EXPANSION_CHARS:
                found.setdefault((abbreviation, full), "abbreviation")
                found.setdefault((full, abbreviation), "abbreviation")
    return found


def learn_terms(texts: Iterable[str], body_names: Iterable[str]) -> dict[str, str]:
    """All dictionary terms for a corpus: marked terms, body names and aliases, curated terms."""
    return _with_names(_marks(texts, pairs=False)[0], body_names)


def _with_names(marked: dict[str, str], body_names: Iterable[str]) -> dict[str, str]:
    """The marked terms, then body names and aliases and curated terms (which name their source
    over a marking)."""
    learned = dict(marked)
    for name in body_names:
        term = clean_term(name)
        if term:
            learned[term] = "body"
    for raw in curated_terms():
        term = clean_term(raw)
        if term:
            learned[term] = "curated"
    return learned


def _marks(
    texts: Iterable[str], *, pairs: bool = True
) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """The terms and (with ``pairs``) the synonym pairs ``texts`` mark, each named by its first
    marking."""
    terms: dict[str, str] = {}
    found: dict[tuple[str, str], str] = {}
    for text in texts:
        for term, source in terms_in_text(text).items():
            terms.setdefault(term, source)
        if pairs:
            for pair, source in pairs_in_text(text).items():
                found.setdefault(pair, source)
    return terms, found


# From this many texts learning is split over forked worker processes (a rebuild at 200k
# provisions: 2.6–3.4 s on one core, while the other waited).
PARALLEL_LEARNING_FROM = 50_000
_TEXTS: Sequence[str] = ()  # what forked learners read (inherited, not pickled)


def _marks_of(bounds: tuple[int, int]) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    return _marks(_TEXTS[bounds[0] : bounds[1]])


def marked_in(texts: Sequence[str]) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """:func:`_marks` of ``texts``, in slices over the cores when there are many: merged in the
    texts' order, so each term and pair is named by its first marking as in one pass."""
    global _TEXTS
    workers = os.cpu_count() or 1
    if workers <= 1 or len(texts) < PARALLEL_LEARNING_FROM:
        return _marks(texts)
    from search.chunks import detach_inherited_connections

    # Loaded here once, not in each learner (the abbreviation rule segments; ~1 s a load).
    segment.load()
    step = -(-len(texts) // workers)
    _TEXTS = texts
    try:
        with ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=detach_inherited_connections,
        ) as pool:
            parts = list(pool.map(_marks_of, [(i, i + step) for i in range(0, len(texts), step)]))
    finally:
        _TEXTS = ()
    terms: dict[str, str] = {}
    pairs: dict[tuple[str, str], str] = {}
    for part_terms, part_pairs in parts:
        for term, source in part_terms.items():
            terms.setdefault(term, source)
        for pair, source in part_pairs.items():
            pairs.setdefault(pair, source)
    return terms, pairs


def refresh_dictionary(texts: Iterable[tuple[str, str]] | None = None) -> set[str]:
    """Re-learn the dictionary from every policy; returns the terms that are new.

    ``texts``: every provision's (heading, text) in reading order (policy, order) when the
    caller has read them already (a rebuild's sources); else they are read here, in that order —
    the first marking of a term names its source, so both ways learn the same.

    Call inside the indexing transaction. Bumps the dictionary version when anything changed and
    loads the result into this process's segmenter.
    """
    from policies.models import IssuingBody, Policy, Provision
    from search.models import DictionaryTerm

    if texts is None:
        texts = Provision.objects.order_by("policy_id", "order").values_list("heading", "text")
    titles = Policy.objects.values_list("title", "short_title")
    marked, pairs = marked_in([f"{a}\n{b}" for a, b in [*texts, *titles]])
    body_names = [n for body in IssuingBody.objects.all() for n in body.all_names]
    learned = _with_names(marked, body_names)
    _store_pairs(pairs)

    with transaction.atomic():
        state = _state_for_update()
        current = dict(DictionaryTerm.objects.values_list("term", "source"))
        new_terms = set(learned) - set(current)
        gone = set(current) - set(learned)
        changed_source = {t for t in set(learned) & set(current) if learned[t] != current[t]}
        if new_terms or gone or changed_source:
            DictionaryTerm.objects.filter(term__in=gone | changed_source).delete()
            DictionaryTerm.objects.bulk_create(
                DictionaryTerm(term=t, source=learned[t])
                for t in sorted(new_terms | changed_source)
            )
            state.dictionary_version += 1
            state.save(update_fields=["dictionary_version", "updated_at"])
    segment.set_extra_terms(learned, state.dictionary_version)
    return new_terms


def _store_pairs(pairs: dict[tuple[str, str], str]) -> None:
    """Replace the learned synonym pairs when they changed (the catalog reloads them)."""
    from search.models import Synonym

    current = {
        (t, a): s for t, a, s in Synonym.objects.values_list("term", "alternative", "source")
    }
    if current == pairs:
        return
    Synonym.objects.all().delete()
    Synonym.objects.bulk_create(
        Synonym(term=t[:60], alternative=a[:100], source=s) for (t, a), s in sorted(pairs.items())
    )


def _state_for_update():
    from search.models import IndexState

    state = IndexState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        state, _ = IndexState.objects.get_or_create(pk=1)
    return state


def ensure_loaded(current_version: int | None = None) -> None:
    """Load the stored dictionary into this process's segmenter if it is not the current one."""
    from search.models import DictionaryTerm, IndexState

    if current_version is None:
        current_version = (
            IndexState.objects.filter(pk=1).values_list("dictionary_version", flat=True).first()
            or 0
        )
    if segment.loaded_dictionary_version() == current_version:
        return
    terms = list(DictionaryTerm.objects.values_list("term", flat=True))
    if not terms:
        terms = [t for t in (clean_term(raw) for raw in curated_terms()) if t]
    segment.set_extra_terms(terms, current_version)
