"""Pure vector building: what one provision's search entry holds, with no database access.

:func:`entry_row` turns a :class:`ProvisionSource` into the row of :data:`COLUMNS`; everything
here is a function of its arguments and the segmenter's dictionary, so it runs unchanged in
worker processes (see :mod:`search.chunks`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from search import segment
from search.impacts import TopLists
from search.normalize import compact, normalize
from search.speedups import native

# Position layout of an entry's words vector: the heading path first so long texts never push
# it past PostgreSQL's last position (16383). Weight C (the policy's title, 发文字号 and bodies)
# is no longer written: a clause must match by its own words, and the document's metadata is
# matched from the catalog (search.query.catalog). Without it every words condition is exact in
# the GIN index — no weight restriction, so no recheck of each row's vector — and a title word
# no longer puts all of a policy's clauses into every posting list of that word.
WEIGHT_PATH = "B"  # headings of the enclosing provisions (章 › 节)
WEIGHT_HEADING = "A"  # the provision's own heading
WEIGHT_TEXT = "D"  # the provision's text
MAX_POSITION = 16383
# Part of every fingerprint: bumped when the row layout changes, so that incremental indexing
# rewrites every entry (2: no weight-C context section in the words; 3: grams without single
# characters, see gram_lexemes; 4: a date's unit inside a longer word, see segment.lexeme_slots).
ENTRY_FORMAT = "4"
MAX_POSITIONS_PER_LEXEME = 255

COLUMNS = (
    "provision_id",
    "policy_id",
    "order",
    "words",
    "grams",
    "compact",
    "topic_heading_compact",
    "path",
    "body_ids",
    "lead_body_id",
    "doc_type",
    "status",
    "year",
    "source_hash",
)


@dataclass(frozen=True)
class PolicyContext:
    """What every entry of a policy shares."""

    policy_id: int
    body_ids: tuple[int, ...]
    lead_body_id: int | None
    doc_type: str
    status: str
    year: int | None


@dataclass(frozen=True)
class ProvisionSource:
    provision_id: int
    order: int
    heading: str
    path_text: str
    path_labels: tuple[str, ...]
    text: str
    context: PolicyContext
    # The heading that states what this entry is about: its own, or — for the first clause of a
    # heading-only container (章/节 whose text is all in its children) — the container's heading,
    # since that opening clause introduces the container's topic.
    topic_heading: str = ""

    def fingerprint(self) -> str:
        """Digest of every input of the entry: equal digests mean an equal row.

        Incremental indexing compares it with the stored ``source_hash`` and re-segments only
        provisions whose inputs changed (a dictionary change is handled separately). Computed
        once per source (a load asks for it up to three times per provision).
        """
        known = self.__dict__.get("_fingerprint")
        if known is None:
            known = self._digest()
            object.__setattr__(self, "_fingerprint", known)  # frozen: not a field, not compared
        return known

    def _digest(self) -> str:
        ctx = self.context
        parts = (
            ENTRY_FORMAT,
            str(ctx.policy_id),
            str(self.order),
            self.heading,
            self.path_text,
            "\x1f".join(self.path_labels),
            self.text,
            self.topic_heading,
            ",".join(map(str, ctx.body_ids)),
            str(ctx.lead_body_id),
            ctx.doc_type,
            ctx.status,
            str(ctx.year),
        )
        return hashlib.blake2b("\x1e".join(parts).encode(), digest_size=16).hexdigest()


def quote_lexeme(lexeme: str) -> str:
    """A lexeme as tsvector/tsquery input: quoted, embedded quotes and backslashes doubled."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def clear_caches() -> None:
    """Forget segmented shared texts (after the dictionary changed)."""
    _shared_section.cache_clear()


# Position labels as tsvector input writes them ("12A"; weight D is the default, unmarked),
# looked up instead of formatted once per lexeme.
_LABELS = {
    weight: [f"{i}{weight}" if weight != WEIGHT_TEXT else str(i) for i in range(MAX_POSITION + 1)]
    for weight in (WEIGHT_HEADING, WEIGHT_PATH, WEIGHT_TEXT)
}


def _add_section(positions: dict[str, list[str]], weight: str, text: str, offset: int) -> int:
    """Lay one section out from ``offset`` into ``positions``; returns its last position used.

    Positions of a lexeme are kept in the order they occur, at most MAX_POSITIONS_PER_LEXEME.
    In C when built (``lay_out``: this loop over :func:`segment.lexeme_slots`'s rules).
    """
    labels = _LABELS[weight]
    if native is not None:
        info, miss = segment.word_info_table()
        return native.lay_out(
            segment.segment(compact(text)),
            info,
            miss,
            positions,
            labels,
            offset,
            MAX_POSITIONS_PER_LEXEME,
            segment.MAX_LEXEME_CHARS,
            segment.DATE_UNIT_CHARS,
        )
    last = 0
    get = positions.get
    for position, word, variants, _start, _end in segment.lexeme_slots(compact(text)):
        at = offset + position
        label = labels[at if at < MAX_POSITION else MAX_POSITION]
        last = position
        bucket = get(word)
        if bucket is None:
            positions[word] = [label]
        elif len(bucket) < MAX_POSITIONS_PER_LEXEME:
            bucket.append(label)
        for variant in variants:
            bucket = get(variant)
            if bucket is None:
                positions[variant] = [label]
            elif len(bucket) < MAX_POSITIONS_PER_LEXEME:
                bucket.append(label)
    return last


def _section(weight: str, text: str, offset: int) -> tuple[tuple[tuple[str, str], ...], int]:
    """``(lexeme, position label)`` pairs of one section laid out from ``offset``, and the last
    position used within the section."""
    labels = _LABELS[weight]
    pairs: list[tuple[str, str]] = []
    last = 0
    for position, word, variants, _start, _end in segment.lexeme_slots(compact(text)):
        at = offset + position
        label = labels[at if at < MAX_POSITION else MAX_POSITION]
        last = position
        pairs.append((word, label))
        for variant in variants:
            pairs.append((variant, label))
    return tuple(pairs), last


# Heading paths are the same for many entries (and always the first section): segment and lay
# them out once.
_shared_section = lru_cache(maxsize=4096)(_section)


def word_positions(sections: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """Each lexeme's position labels ("12A"; weight D unmarked) for ``(weight, normalized
    text)`` sections laid out one after another: what :func:`words_vector` writes."""
    positions: dict[str, list[str]] = {}
    offset = 0
    for weight, text in sections:
        if not text:
            continue
        if weight == WEIGHT_PATH:
            pairs, last = _shared_section(weight, text, offset)
            for lexeme, label in pairs:
                bucket = positions.get(lexeme)
                if bucket is None:
                    positions[lexeme] = [label]
                elif len(bucket) < MAX_POSITIONS_PER_LEXEME:
                    bucket.append(label)
        else:
            last = _add_section(positions, weight, text, offset)
        offset += last + 2  # a gap: phrases never run from one section into the next
    return positions


def words_vector(sections: Sequence[tuple[str, str]]) -> str:
    """tsvector input for ``(weight, normalized text)`` sections laid out one after another."""
    return _vector_text(word_positions(sections), sections)


def _vector_text(positions: dict[str, list[str]], sections: Sequence[tuple[str, str]]) -> str:
    # In PostgreSQL's order (bytewise, which code point order is for UTF-8): the server checks
    # for sorted input before sorting, and parsing vectors is most of the COPY's server time.
    ordered = sorted(positions.items())
    if not any("'" in text or "\\" in text for _, text in sections):
        # No lexeme needs its quotes or backslashes doubled.
        return " ".join(["'" + lex + "':" + ",".join(p) for lex, p in ordered])
    return " ".join([f"{_quote(lex)}:{','.join(p)}" for lex, p in ordered])


# Runs of the characters the grams hold: letters and digits of any script (``str.isalnum``;
# \w without the underscore), and % (15%). Punctuation and symbols between them are left to
# the LIKE check that follows every grams match (see search.query.plan.substring_sql).
GRAM_RUN_RE = re.compile(r"(?:[^\W_]|%)+")


def run_bigrams(runs: list[str]) -> list[str]:
    """The bigrams within each of ``runs`` (GRAM_RUN_RE's matches), in order, repeats kept."""
    return [run[i : i + 2] for run in runs for i in range(len(run) - 1)]


def held_bigrams(text: str) -> list[str]:
    """The bigrams of held characters in ``text`` (spaces skipped), in order, repeats kept."""
    return run_bigrams(GRAM_RUN_RE.findall(text.replace(" ", "")))


def gram_lexemes(compact_text: str) -> list[str]:
    """The substring path's lexemes (spaces skipped): every bigram of two held characters, and
    each held character that no other follows (before punctuation, at the end).

    Every held character thus begins at least one lexeme: the prefix query 'X':* finds each
    entry holding X, so single characters need no lexemes of their own — they were 42 % of the
    lexemes, and bigrams with punctuation another 11 %, of the index that took longest to build.
    """
    runs = GRAM_RUN_RE.findall(compact_text.replace(" ", ""))
    return list(dict.fromkeys([*run_bigrams(runs), *[run[-1] for run in runs]]))


def grams_vector(compact_text: str) -> str:
    """tsvector input of :func:`gram_lexemes` (a set: the stored vector is sorted anyway)."""
    # In PostgreSQL's order, see words_vector. No quotes or backslashes: they are not held.
    grams = sorted(gram_lexemes(compact_text))
    return "'" + "' '".join(grams) + "'" if grams else ""


def _quote(lexeme: str) -> str:
    """:func:`quote_lexeme` with a fast path for the usual lexeme (the build's hottest call)."""
    if "'" in lexeme or "\\" in lexeme:
        return quote_lexeme(lexeme)
    return "'" + lexeme + "'"


@lru_cache(maxsize=4096)
def _normalize_shared(text: str) -> str:
    return normalize(text)


def _parts(source: ProvisionSource) -> tuple[list[tuple[str, str]], str, str]:
    """The words vector's sections, the compact own text (heading + text) and topic heading."""
    heading = normalize(source.heading)
    text = normalize(source.text)
    own = compact(f"{heading}\n{text}" if heading else text)
    sections = [
        (WEIGHT_PATH, _normalize_shared(source.path_text)),
        (WEIGHT_HEADING, heading),
        (WEIGHT_TEXT, text),
    ]
    topic = compact(normalize(source.topic_heading) if source.topic_heading else heading)
    return sections, own, topic


def entry_words(source: ProvisionSource) -> tuple[dict[str, list[str]], str]:
    """(each lexeme's position labels, compact own text) of the entry: what the champion
    lists' sample reads (search.impacts.plan_lists)."""
    sections, own, _ = _parts(source)
    return word_positions(sections), own


def _laid_out(
    source: ProvisionSource, lists: TopLists | None
) -> tuple[dict[str, list[str]], list[tuple[str, str]], str, str]:
    """(each lexeme's position labels, the sections, the compact own text, the compact topic
    heading) of the entry; with ``lists``, the entry also joins the champion lists of its
    tracked words (search.impacts)."""
    sections, own, topic = _parts(source)
    positions = word_positions(sections)
    if lists is not None:
        lists.add_entry(source.provision_id, positions, own, topic, source.context.doc_type)
    return positions, sections, own, topic


def entry_row(source: ProvisionSource, lists: TopLists | None = None) -> tuple:
    """The database row (in :data:`COLUMNS` order) for one provision (see :func:`_laid_out`)."""
    positions, sections, own, topic = _laid_out(source, lists)
    ctx = source.context
    return (
        source.provision_id,
        ctx.policy_id,
        source.order,
        _vector_text(positions, sections),
        grams_vector(own),
        own,
        topic,
        list(source.path_labels),
        list(ctx.body_ids),
        ctx.lead_body_id,
        ctx.doc_type,
        ctx.status,
        ctx.year,
        source.fingerprint(),
    )


def entry_record(source: ProvisionSource, lists: TopLists | None = None) -> bytes:
    """:func:`entry_line` as a row of COPY's binary format (the C loops only): the server reads
    the two vectors as lexemes and positions instead of parsing their text — 20–25 µs a row
    against 47–55 µs."""
    positions, _, own, topic = _laid_out(source, lists)
    ctx = source.context
    return native.binary_row(
        source.provision_id,
        ctx.policy_id,
        source.order,
        positions,
        own,
        topic,
        source.path_labels,
        ctx.body_ids,
        ctx.lead_body_id,
        ctx.doc_type,
        ctx.status,
        ctx.year,
        source.fingerprint(),
    )


def entry_copy(source: ProvisionSource, lists: TopLists | None = None) -> str | bytes:
    """What the build COPYs of an entry: a binary row with the C loops, else a text line."""
    return entry_record(source, lists) if native is not None else entry_line(source, lists)


def joined(parts: list[str] | list[bytes]) -> str | bytes:
    """:func:`entry_copy` results as one block (search.chunks.copy_lines takes either)."""
    return b"".join(parts) if native is not None else "".join(parts)


# COPY's text format: a backslash, tab, newline or carriage return inside a field is escaped.
_COPY_SPECIAL_RE = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_NULL = "\\N"


def copy_field(value: str) -> str:
    """A text field as COPY's text format writes it."""
    return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL_RE.search(value) else value


def copy_int_array(values: Iterable[int]) -> str:
    """An integer array literal as COPY's text format writes it (nothing to escape)."""
    return "{" + ",".join(map(str, values)) + "}"


def _copy_text_array(values: Sequence[str]) -> str:
    """A text[] literal, every element quoted (so none reads as NULL), COPY-escaped."""
    if not values:
        return "{}"
    quoted = [
        '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if ('"' in v or "\\" in v)
        else '"' + v + '"'
        for v in values
    ]
    return copy_field("{" + ",".join(quoted) + "}")


def entry_line(source: ProvisionSource, lists: TopLists | None = None) -> str:
    """:func:`entry_row` as one line of COPY's text format (newline included).

    What the build writes: a chunk's lines are joined and sent as one block, so no value is
    adapted one by one on the client (that cost as much as a third of the segmenting).
    """
    (
        provision_id,
        policy_id,
        order,
        words,
        grams,
        own,
        topic,
        path,
        body_ids,
        lead_body_id,
        doc_type,
        status,
        year,
        fingerprint,
    ) = entry_row(source, lists)
    return (
        "\t".join(
            (
                str(provision_id),
                str(policy_id),
                str(order),
                copy_field(words),
                copy_field(grams),
                copy_field(own),
                copy_field(topic),
                _copy_text_array(path),
                copy_int_array(body_ids),
                _COPY_NULL if lead_body_id is None else str(lead_body_id),
                copy_field(doc_type),
                copy_field(status),
                _COPY_NULL if year is None else str(year),
                fingerprint,
            )
        )
        + "\n"
    )
