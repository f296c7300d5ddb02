"""Building the search index: one :class:`search.models.SearchEntry` per provision.

Entry points:

* :func:`index_policies` — rebuild the entries of some policies (the loader calls it at the end
  of each load, inside its transaction; the signal handlers call it after admin/API edits). It
  also re-learns the dictionary from the whole corpus and re-segments entries elsewhere that
  contain a newly learned term, so that index and queries keep using one dictionary.
* :func:`rebuild_index` — everything, for ``manage.py reindex``: rows are computed first, then
  swapped in with one short transaction, so searches keep answering from the old rows meanwhile.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection, connections, transaction

from search import segment
from search.dictionary import ensure_loaded, refresh_dictionary
from search.normalize import compact, normalize

# Position layout of an entry's words vector: context first so long texts never push it past
# PostgreSQL's last position (16383).
WEIGHT_CONTEXT = "C"  # policy title, short title, 发文字号, issuing bodies and aliases
WEIGHT_PATH = "B"  # headings of the enclosing provisions (章 › 节)
WEIGHT_HEADING = "A"  # the provision's own heading
WEIGHT_TEXT = "D"  # the provision's text
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 255
# Provisions per worker task when segmenting in parallel, and the size from which it pays.
CHUNK = 2000
PARALLEL_FROM = 20000

COLUMNS = (
    "provision_id",
    "policy_id",
    "order",
    "words",
    "grams",
    "compact",
    "heading_compact",
    "path",
    "body_ids",
    "lead_body_id",
    "doc_type",
    "status",
    "year",
)


@dataclass(frozen=True)
class PolicyContext:
    """What every entry of a policy shares."""

    policy_id: int
    context_text: str
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


def quote_lexeme(lexeme: str) -> str:
    """A lexeme as tsvector/tsquery input: quoted, embedded quotes and backslashes doubled."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


@lru_cache(maxsize=4096)
def _shared_lexemes(text: str) -> tuple[segment.Slot, ...]:
    """Lexemes of text many entries share (policy context, heading paths): segment once."""
    return tuple(segment.lexemes(compact(text)))


def words_vector(sections: Sequence[tuple[str, str]]) -> str:
    """tsvector input for ``(weight, normalized text)`` sections laid out one after another."""
    positions: dict[str, list[str]] = defaultdict(list)
    offset = 0
    for weight, text in sections:
        if not text:
            continue
        last = 0
        shared = weight in (WEIGHT_CONTEXT, WEIGHT_PATH)
        slots = _shared_lexemes(text) if shared else segment.lexemes(compact(text))
        for slot in slots:
            pos = min(offset + slot.position, MAX_POSITION)
            last = slot.position
            label = f"{pos}{weight}" if weight != "D" else str(pos)
            for lexeme in (slot.word, *slot.variants):
                bucket = positions[lexeme]
                if len(bucket) < MAX_POSITIONS_PER_LEXEME:
                    bucket.append(label)
        offset += last + 2  # a gap: phrases never run from one section into the next
    return " ".join(f"{_quote(lex)}:{','.join(p)}" for lex, p in positions.items())


def gram_lexemes(compact_text: str) -> list[str]:
    """Distinct characters and character bigrams (spaces skipped): the 1–2 character path."""
    chars = compact_text.replace(" ", "")
    grams = dict.fromkeys(chars)
    grams.update(dict.fromkeys(chars[i : i + 2] for i in range(len(chars) - 1)))
    return [g for g in grams if g.strip()]


def grams_vector(compact_text: str) -> str:
    grams = gram_lexemes(compact_text)
    if "'" in compact_text or "\\" in compact_text:
        return " ".join(quote_lexeme(g) for g in grams)
    return "'" + "' '".join(grams) + "'" if grams else ""


def _quote(lexeme: str) -> str:
    """:func:`quote_lexeme` with a fast path for the usual lexeme (the build's hottest call)."""
    if "'" in lexeme or "\\" in lexeme:
        return quote_lexeme(lexeme)
    return "'" + lexeme + "'"


@lru_cache(maxsize=4096)
def _normalize_shared(text: str) -> str:
    return normalize(text)


def entry_row(source: ProvisionSource) -> tuple:
    """The database row (in :data:`COLUMNS` order) for one provision."""
    heading = normalize(source.heading)
    text = normalize(source.text)
    own = compact(f"{heading}\n{text}" if heading else text)
    ctx = source.context
    words = words_vector(
        [
            (WEIGHT_CONTEXT, _normalize_shared(ctx.context_text)),
            (WEIGHT_PATH, _normalize_shared(source.path_text)),
            (WEIGHT_HEADING, heading),
            (WEIGHT_TEXT, text),
        ]
    )
    return (
        source.provision_id,
        ctx.policy_id,
        source.order,
        words,
        grams_vector(own),
        own,
        compact(normalize(source.topic_heading) if source.topic_heading else heading),
        list(source.path_labels),
        list(ctx.body_ids),
        ctx.lead_body_id,
        ctx.doc_type,
        ctx.status,
        ctx.year,
    )


def _rows_for_chunk(chunk: list[ProvisionSource]) -> list[tuple]:
    return [entry_row(source) for source in chunk]


def provision_sources(policy_ids: Iterable[int] | None = None) -> Iterator[ProvisionSource]:
    """Everything an entry needs, read with a handful of queries (not one per provision)."""
    from policies.models import Policy, PolicyBody, Provision

    policies = Policy.objects.all()
    if policy_ids is not None:
        policies = policies.filter(pk__in=list(policy_ids))
    bodies: dict[int, list[tuple[int, int, str, list[str]]]] = defaultdict(list)
    links = PolicyBody.objects.filter(policy__in=policies).values_list(
        "policy_id", "order", "body_id", "body__name", "body__aliases"
    )
    for policy_id, order, body_id, name, aliases in links:
        bodies[policy_id].append((order, body_id, name, aliases or []))
    for policy in policies.order_by("pk").iterator(chunk_size=500):
        ordered = sorted(bodies.get(policy.pk, []))
        names = [n for _, _, name, aliases in ordered for n in (name, *aliases)]
        context = PolicyContext(
            policy_id=policy.pk,
            context_text=" ".join(
                p for p in (policy.title, policy.short_title, policy.doc_number, *names) if p
            ),
            body_ids=tuple(body_id for _, body_id, _, _ in ordered),
            lead_body_id=ordered[0][1] if ordered else None,
            doc_type=policy.doc_type,
            status=policy.status,
            year=policy.year,
        )
        rows = list(
            Provision.objects.filter(policy_id=policy.pk)
            .order_by("order")
            .values_list("pk", "parent_id", "num", "order", "heading", "text")
        )
        bare_containers = {
            pk for pk, _, _, _, heading, text in rows if heading and not text.strip()
        }
        headings = {pk: (parent_id, num, heading) for pk, parent_id, num, _, heading, _ in rows}
        # First child of each heading-only container inherits the container's heading as topic.
        opened: dict[int, str] = {}
        seen_parents: set[int] = set()
        for pk, parent_id, _num, _order, heading, _text in rows:
            if parent_id is None or parent_id in seen_parents:
                continue
            seen_parents.add(parent_id)
            _, _, parent_heading = headings.get(parent_id, (None, "", ""))
            if parent_heading and not heading and parent_id in bare_containers:
                opened[pk] = parent_heading
        for pk, parent_id, _num, order, heading, text in rows:
            path: list[str] = []
            labels: list[str] = []
            ancestor = parent_id
            while ancestor is not None and ancestor in headings:
                ancestor, ancestor_num, ancestor_heading = headings[ancestor]
                if ancestor_heading:
                    path.append(ancestor_heading)
                label = f"{ancestor_num}{ancestor_heading}".strip()
                if label:
                    labels.append(label[:300])
            yield ProvisionSource(
                provision_id=pk,
                order=order,
                heading=heading,
                path_text=" ".join(reversed(path)),
                path_labels=tuple(reversed(labels)),
                text=text,
                context=context,
                topic_heading=heading or opened.get(pk, ""),
            )


def build_rows(
    sources: Iterable[ProvisionSource],
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[tuple]:
    """Entry rows for ``sources``; segments in several processes when there are many."""
    sources = list(sources)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(sources) < PARALLEL_FROM:
        rows = []
        for i in range(0, len(sources), CHUNK):
            rows.extend(_rows_for_chunk(sources[i : i + CHUNK]))
            if progress:
                progress(len(rows))
        return rows
    # Forked workers inherit the loaded segmenter; they must not inherit a live DB connection.
    connections.close_all()
    import multiprocessing

    rows: list[tuple] = []
    chunks = [sources[i : i + CHUNK] for i in range(0, len(sources), CHUNK)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        for chunk_rows in pool.map(_rows_for_chunk, chunks):
            rows.extend(chunk_rows)
            if progress:
                progress(len(rows))
    return rows


def write_rows(rows: Iterable[tuple], table: str | None = None) -> int:
    """COPY rows into the entry table (the caller deletes what they replace)."""
    from search.models import SearchEntry

    table = table or SearchEntry._meta.db_table
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def bump_catalog_version() -> None:
    """Tell every process that policies, bodies or entries changed (see search.query)."""
    from django.db.models import F

    from search.models import IndexState

    if not IndexState.objects.filter(pk=1).update(catalog_version=F("catalog_version") + 1):
        IndexState.objects.get_or_create(pk=1, defaults={"catalog_version": 1})


def index_policies(policy_ids: Iterable[int]) -> int:
    """Rebuild the entries of these policies; returns the number of entries written.

    Also re-learns the dictionary from every policy, and re-segments entries of other policies
    whose text contains a newly learned term. Safe to call inside the caller's transaction.
    """
    from search.models import SearchEntry

    policy_ids = sorted(set(policy_ids))
    with transaction.atomic():
        new_terms = refresh_dictionary()
        _shared_lexemes.cache_clear()
        affected = set(policy_ids)
        if new_terms:
            others = (
                SearchEntry.objects.exclude(policy_id__in=policy_ids)
                .filter(compact__regex="|".join(_regex_escape(t) for t in new_terms))
                .values_list("policy_id", flat=True)
                .distinct()
            )
            affected.update(others)
        SearchEntry.objects.filter(policy_id__in=affected).delete()
        written = write_rows(build_rows(provision_sources(affected), workers=1))
        bump_catalog_version()
    return written


def _regex_escape(term: str) -> str:
    """Escape for a PostgreSQL ARE (Python's re.escape is close enough, but be explicit)."""
    return "".join("\\" + ch if not ch.isalnum() else ch for ch in term)


def rebuild_index(
    *, workers: int | None = None, progress: Callable[[int, int], None] | None = None
) -> int:
    """Recompute every entry into a new table, then swap it in (search stays available).

    Segmenting runs outside any lock; the new table gets its rows by COPY and its indexes are
    built afterwards in one pass (much faster than growing GIN indexes row by row); the swap
    itself is a short transaction of renames.
    """
    from policies.models import Provision

    with transaction.atomic():
        refresh_dictionary()
    ensure_loaded()
    _shared_lexemes.cache_clear()
    total = Provision.objects.count()
    sources = list(provision_sources())
    report = (lambda done: progress(done, total)) if progress else None
    if connection.in_atomic_block:
        # Inside the caller's transaction (tests): other connections cannot see the new table.
        rows = build_rows(sources, workers=workers, progress=report)
        with transaction.atomic():
            written = _build_table_and_swap(rows)
            bump_catalog_version()
        return written
    with transaction.atomic():
        _load_build_table([])
    try:
        written = _fill_build_table(sources, workers=workers, progress=report)
        with transaction.atomic():
            _build_table_and_swap(None, index_workers=workers or os.cpu_count() or 1)
            bump_catalog_version()
    except BaseException:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(_build_name())}")
        raise
    return written


def _fill_build_table(
    sources: list[ProvisionSource],
    *,
    workers: int | None,
    progress: Callable[[int], None] | None,
) -> int:
    """Segment ``sources`` and COPY the rows into the (committed) build table.

    In parallel, each worker process COPYs its own chunks on its own connection: the rows
    (about 6 KB each with both vectors) never travel back through a pipe to be pickled and
    unpickled by the parent, which cost as much CPU as a third of the segmenting itself.
    """
    workers = workers if workers is not None else (os.cpu_count() or 1)
    chunks = [sources[i : i + CHUNK] for i in range(0, len(sources), CHUNK)]
    done = 0
    if workers <= 1 or len(sources) < PARALLEL_FROM:
        for chunk in chunks:
            done += _copy_chunk(chunk)
            if progress:
                progress(done)
        return done
    # Forked workers inherit the loaded segmenter; they must not inherit a live DB connection.
    connections.close_all()
    import multiprocessing

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        for count in pool.map(_copy_chunk, chunks):
            done += count
            if progress:
                progress(done)
    return done


def _copy_chunk(chunk: list[ProvisionSource]) -> int:
    """Segment one chunk and COPY its rows into the build table (autocommit)."""
    return write_rows(_rows_for_chunk(chunk), table=_build_name())


def _build_name() -> str:
    from search.models import SearchEntry

    return f"{SearchEntry._meta.db_table}_build"


def _load_build_table(rows: list[tuple]) -> int:
    """Create the build table as an unindexed copy of the entry table and COPY ``rows`` in."""
    from search.models import SearchEntry

    qn = connection.ops.quote_name
    table, build = SearchEntry._meta.db_table, _build_name()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {qn(build)}")
        cursor.execute(
            f"CREATE TABLE {qn(build)} (LIKE {qn(table)} INCLUDING DEFAULTS INCLUDING IDENTITY "
            "INCLUDING CONSTRAINTS INCLUDING STORAGE)"
        )
    return write_rows(rows, table=build)


def _create_indexes(statements: list[str], workers: int) -> None:
    """Run CREATE INDEX statements, several at once on their own connections when asked.

    PostgreSQL 15 builds a GIN index in one process; building the words, grams, trigram and
    RUM indexes side by side uses the other cores. Needs the build table committed.
    """
    if workers <= 1 or len(statements) <= 1:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        return
    from concurrent.futures import ThreadPoolExecutor

    def run(statement: str) -> None:
        try:
            with connection.cursor() as cursor:  # this thread's own connection
                cursor.execute("SET maintenance_work_mem = '512MB'")
                cursor.execute(statement)
        finally:
            connection.close()

    # Largest first (GIN/RUM over vectors), so that the pool finishes together.
    ordered = sorted(statements, key=lambda st: (" USING btree " in st, st))
    with ThreadPoolExecutor(min(workers, len(ordered))) as pool:
        for future in [pool.submit(run, st) for st in ordered]:
            future.result()


_INDEXDEF_RE = re.compile(r"^(CREATE (?:UNIQUE )?INDEX )(\S+)( ON (?:ONLY )?)(\S+)( .*)$")


def _build_table_and_swap(rows: list[tuple] | None, *, index_workers: int = 1) -> int:
    """Index the build table like the live one, then swap the two.

    With ``rows`` the build table is created and loaded here first (one transaction); without,
    it was loaded and committed by :func:`_load_build_table`, and the indexes are built by
    ``index_workers`` connections at once.
    """
    from search.models import SearchEntry

    qn = connection.ops.quote_name
    table, build = SearchEntry._meta.db_table, _build_name()
    written = _load_build_table(rows) if rows is not None else 0
    renames: list[str] = []
    creates: list[str] = []
    constraints: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid), con.conname, con.contype
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.conrelid = x.indrelid
            WHERE x.indrelid = %s::regclass ORDER BY i.relname
            """,
            [table],
        )
        for n, (name, indexdef, conname, contype) in enumerate(cursor.fetchall()):
            tmp = f"{build}_i{n}"
            match = _INDEXDEF_RE.match(indexdef)
            if not match:
                raise RuntimeError(f"cannot rebuild index {name}: {indexdef}")
            head, _, on, _, tail = match.groups()
            creates.append(f"{head}{qn(tmp)}{on}{qn(build)}{tail}")
            if conname and contype in ("p", "u"):
                kind = "PRIMARY KEY" if contype == "p" else "UNIQUE"
                constraints.append(
                    f"ALTER TABLE {qn(build)} ADD CONSTRAINT {qn(tmp)} {kind} USING INDEX {qn(tmp)}"
                )
                renames.append(
                    f"ALTER TABLE {qn(table)} RENAME CONSTRAINT {qn(tmp)} TO {qn(conname)}"
                )
            else:
                renames.append(f"ALTER INDEX {qn(tmp)} RENAME TO {qn(name)}")
        _create_indexes(creates, index_workers if rows is None else 1)
        for statement in constraints:
            cursor.execute(statement)
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
        for n, (conname, definition) in enumerate(cursor.fetchall()):
            tmp = f"{build}_f{n}"
            cursor.execute(f"ALTER TABLE {qn(build)} ADD CONSTRAINT {qn(tmp)} {definition}")
            renames.append(f"ALTER TABLE {qn(table)} RENAME CONSTRAINT {qn(tmp)} TO {qn(conname)}")
        # The swap: searches wait only for these few catalog changes.
        cursor.execute(f"LOCK TABLE {qn(table)} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"DROP TABLE {qn(table)}")
        cursor.execute(f"ALTER TABLE {qn(build)} RENAME TO {qn(table)}")
        for statement in renames:
            cursor.execute(statement)
        cursor.execute(f"ANALYZE {qn(table)}")
    return written
