"""Rebuild and swap: every entry recomputed into a new table, then swapped in at once.

Searches keep answering from the old table meanwhile. The new table is filled by COPY with no
index on it; its indexes are then built in one pass each (much faster than growing GIN indexes
row by row), several at once, with ``maintenance_work_mem`` sized to the machine; then the
champion lists (:mod:`search.candidates`) are computed from it; the swap is a short transaction
of renames.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from search import candidates, impacts
from search.chunks import PARALLEL_FROM, ChunkResult, run_chunks
from search.dictionary import ensure_loaded, refresh_dictionary
from search.incremental import bump_catalog_version
from search.sources import provision_sources
from search.vectors import ProvisionSource, clear_caches, entry_words

# Memory for one index build: a GIN build that fits in it writes its posting lists once
# instead of merging spilled runs. Bounded by the share of RAM one of the parallel builds
# may take; PostgreSQL caps it at 2 GB anyway.
MAINTENANCE_MEM_SHARE = 8  # 1/8 of RAM per concurrent index build
MAINTENANCE_MEM_MB = (64, 1024)


@dataclass(frozen=True)
class RebuildReport:
    written: int
    # Provisions whose words differed between rjieba and jieba (None: not verified).
    differing: int | None = None
    # Wall seconds per phase (reading, segmenting + COPY, indexes, champion lists, swap).
    phases: dict[str, float] = field(default_factory=dict)


def maintenance_mem_mb(builds: int) -> int:
    """``maintenance_work_mem`` for each of ``builds`` concurrent index builds, in MB."""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        kb = 4 * 1024 * 1024
    low, high = MAINTENANCE_MEM_MB
    return max(low, min(high, kb // 1024 // MAINTENANCE_MEM_SHARE // max(builds, 1)))


def rebuild_index(
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    verify_segmenter: bool = False,
) -> RebuildReport:
    """Recompute every entry into a new table, then swap it in (search stays available).

    ``verify_segmenter`` also cuts every text with jieba and keeps jieba's words wherever the
    fast segmenter's differ (the report counts those provisions).
    """
    from policies.models import Provision

    phases: dict[str, float] = {}
    started = time.perf_counter()
    total = Provision.objects.count()
    sources = list(provision_sources())
    phases["read"] = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        # Learned from the sources just read (in reading order), not from a second read.
        refresh_dictionary([(s.heading, s.text) for s in sources])
    ensure_loaded()
    clear_caches()
    phases["dictionary"] = time.perf_counter() - started
    started = time.perf_counter()
    lists = impacts.plan_lists(
        [entry_words(s) for s in impacts.sample(sources)],
        len(sources),
        candidates.CHAMPION_MIN_MATCHES,
        candidates.MAX_LISTS,
    )
    phases["sample"] = time.perf_counter() - started
    report = (lambda done: progress(done, total)) if progress else None
    index_workers = workers or os.cpu_count() or 1
    build = build_name()
    if connection.in_atomic_block:
        # Inside the caller's transaction (tests): other connections cannot see the new table,
        # so this process fills it on its own connection.
        with transaction.atomic():
            create_build_table()
            result = run_chunks(
                sources, build, workers=1, verify=verify_segmenter, progress=report, lists=lists
            )
            _index_and_swap(index_workers=1, phases=phases, scored=_scored(result))
            bump_catalog_version()
        return _report(result, verify_segmenter, phases)
    with transaction.atomic():
        create_build_table()
    try:
        started = time.perf_counter()
        result = run_chunks(
            sources, build, workers=workers, verify=verify_segmenter, progress=report, lists=lists
        )
        phases["segment + COPY"] = time.perf_counter() - started
        with transaction.atomic():
            _index_and_swap(index_workers=index_workers, phases=phases, scored=_scored(result))
            bump_catalog_version()
    except BaseException:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(build)}")
        raise
    return _report(result, verify_segmenter, phases)


def _scored(result: ChunkResult) -> dict[str, list[int]] | None:
    """The champion lists in the search's own order the run computed (search.impacts)."""
    return impacts.best_first(result.lists) if result.lists is not None else None


def rewrite_in_bulk(sources: Sequence[ProvisionSource], replaced: Iterable[int]) -> int:
    """Inside the caller's transaction: a new table with every entry kept as it is plus the
    entries of ``sources``, indexed in one pass per index, swapped in; returns entries written.

    For a batch as large as what it joins (a big document loaded into a small index): RUM, which
    has no pending list, costs about a millisecond per entry inserted into the live index —
    more than building all the indexes over kept and new entries together.

    The new table is built *aside* when it can be (:func:`_fill_aside`): created and filled on
    other connections and committed, so that the workers COPY on their own connections and the
    indexes and champion lists are built several at once; only the swap (with the foreign keys,
    checked against the caller's uncommitted rows) is part of the caller's transaction. Else —
    a small batch, one core, or entries this transaction itself changed — it is filled and
    indexed on this connection.
    """
    from search import ahead
    from search.models import SearchEntry

    qn = connection.ops.quote_name
    table, build = SearchEntry._meta.db_table, build_name()
    replaced = sorted(set(replaced))
    workers = os.cpu_count() or 1
    left = ahead.adopt(sources)  # the build table exists (committed) when this is not None
    if left is not None or (workers > 1 and len(sources) >= PARALLEL_FROM):
        ahead.built_aside()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id FROM {qn(table)} WHERE NOT (provision_id = ANY(%s::bigint[]))",
                    [replaced],
                )
                kept = [row[0] for row in cursor.fetchall()]
            if _fill_aside(kept, create=left is None):
                _write_aside(sources if left is None else left, workers)
                with transaction.atomic():
                    _index_and_swap(index_workers=workers)
                return len(sources)
        except BaseException:
            drop_aside()
            raise
    with transaction.atomic():
        create_build_table()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {qn(build)} SELECT * FROM {qn(table)} "
                "WHERE NOT (provision_id = ANY(%s::bigint[]))",
                [replaced],
            )
            _continue_ids(cursor)
        written = run_chunks(sources, build).written
        _index_and_swap(index_workers=1)
    return written


def _write_aside(sources: Sequence[ProvisionSource], workers: int) -> None:
    """Entries of ``sources`` into the build table committed aside: by worker processes on their
    own connections, or for a few by a thread on its own (never on this transaction's
    connection, which would lock the table the index builds then wait for)."""
    if workers > 1 and len(sources) >= PARALLEL_FROM:
        run_chunks(sources, build_name(), workers=workers, own_connections=True)
    elif sources:
        on_own_connection(lambda: run_chunks(sources, build_name(), workers=1))


def reserve_ids(count: int) -> None:
    """Ids for ``count`` new entries of the build table, drawn from the live table's sequence up
    front (entries written ahead, before the kept ones join them with their own ids)."""
    from search.models import SearchEntry

    table = SearchEntry._meta.db_table
    with connection.cursor() as cursor:
        # One statement, so that no other session draws an id between the read and the jump.
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            "nextval(pg_get_serial_sequence(%s, 'id')) + %s)",
            [table, table, count],
        )
        end = cursor.fetchone()[0]
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
            [build_name(), end - count],
        )


def _continue_ids(cursor) -> None:
    """Kept entries keep their ids; new ones continue the live table's sequence."""
    from search.models import SearchEntry

    table, build = SearchEntry._meta.db_table, build_name()
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
        "nextval(pg_get_serial_sequence(%s, 'id')))",
        [build, table],
    )


def side_session(cursor, **settings_: str) -> None:
    """Settings of a side connection (a thread's or a forked process's, beside the caller's
    transaction), ``settings_`` included: the server ends the session soon if its process dies."""
    if connection.pg_version >= 140000:
        settings_["client_connection_check_interval"] = "2s"
    for name, value in settings_.items():
        cursor.execute("SELECT set_config(%s, %s, false)", [name, value])


def on_own_connection(work: Callable[[], object]) -> object:
    """Run ``work`` in a thread, hence on a connection of its own, committed as it goes (outside
    the caller's transaction)."""

    def run() -> object:
        try:
            with connection.cursor() as cursor:
                # Bounded like the load's own waits: a lock the caller's transaction holds would
                # otherwise be a wait no deadlock detector sees.
                side_session(
                    cursor, lock_timeout=f"{getattr(settings, 'INGEST_LOCK_TIMEOUT', 30)}s"
                )
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def _fill_aside(kept: Sequence[int], *, create: bool = True) -> bool:
    """On another connection, create the build table (or take the one written ahead) and commit
    it with the entries ``kept`` (ids of the live table, as the caller's transaction sees it);
    False, with no table left behind, when the committed live table does not hold exactly those
    (this transaction changed some)."""
    from search.models import SearchEntry

    qn = connection.ops.quote_name
    table, build = SearchEntry._meta.db_table, build_name()

    def fill() -> bool:
        with transaction.atomic():
            if create:
                create_build_table()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {qn(build)} SELECT * FROM {qn(table)} "
                    "WHERE id = ANY(%s::bigint[])",
                    [list(kept)],
                )
                if cursor.rowcount != len(kept):
                    transaction.set_rollback(True)
                    return False
                _continue_ids(cursor)
        return True

    if on_own_connection(fill):
        return True
    if not create:
        drop_aside()
    return False


def drop_aside() -> None:
    """Drop a build table committed aside (best effort: the next build drops it anyway)."""
    qn = connection.ops.quote_name

    def drop() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
            cursor.execute(f"DROP TABLE IF EXISTS {qn(build_name())}")

    try:
        on_own_connection(drop)
    except Exception:  # the caller's own error is the one to report
        pass


def _report(result: ChunkResult, verified: bool, phases: dict[str, float]) -> RebuildReport:
    return RebuildReport(result.written, result.differing if verified else None, phases)


def build_name() -> str:
    from search.models import SearchEntry

    return f"{SearchEntry._meta.db_table}_build"


def create_build_table() -> None:
    """Create the build table as an unindexed copy of the entry table."""
    from search.models import SearchEntry

    qn = connection.ops.quote_name
    table, build = SearchEntry._meta.db_table, build_name()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {qn(build)}")
        # It replaces the live table: with its storage parameters too (LIKE copies none), such
        # as the rows stored whole of migration 0006.
        cursor.execute("SELECT reloptions FROM pg_class WHERE oid = %s::regclass", [table])
        options = cursor.fetchone()[0]
        cursor.execute(
            f"CREATE TABLE {qn(build)} (LIKE {qn(table)} INCLUDING DEFAULTS INCLUDING IDENTITY "
            "INCLUDING CONSTRAINTS INCLUDING STORAGE)"
            + (f" WITH ({', '.join(options)})" if options else "")
        )


def _create_indexes(statements: list[str], workers: int) -> None:
    """Run CREATE INDEX statements, several at once on their own connections when asked.

    PostgreSQL 15 builds a GIN index in one process; building the words, grams and
    RUM indexes side by side uses the other cores. Needs the build table committed, and then
    VACUUMs it first (:func:`vacuum_build_table`).
    """
    if workers <= 1 or len(statements) <= 1:
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{maintenance_mem_mb(1)}MB'")
            for statement in statements:
                cursor.execute(statement)
        return
    builds = min(workers, len(statements))
    memory = f"{maintenance_mem_mb(builds)}MB"
    on_own_connection(vacuum_build_table)

    def run(statement: str) -> None:
        try:
            with connection.cursor() as cursor:  # this thread's own connection
                side_session(cursor, maintenance_work_mem=memory)
                cursor.execute(statement)
        finally:
            connection.close()

    # In the order given (the caller's: largest first), so that the pool finishes together.
    with ThreadPoolExecutor(builds) as pool:
        for future in [pool.submit(run, st) for st in statements]:
            future.result()


def vacuum_build_table() -> None:
    """VACUUM the build table (committed; outside a transaction), before its indexes exist.

    Rows COPYed in bulk are neither marked all-visible nor hinted: left so, autovacuum took the
    new table up about a minute after the swap and read all of it while searches ran (the
    bench's query timings overlapped it), and each first read of a row set its hint bits. On
    the unindexed table it is a scan of the heap alone: 0.13 s at 200k entries. The pages are
    then all-visible (what index-only scans and counts that read no column rely on).
    """
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {connection.ops.quote_name(build_name())}")


def _build_indexes(cursor) -> list[tuple[str, str, str, str | None, str | None]]:
    """The live table's indexes as ``(name, build index name, CREATE INDEX on the build table,
    constraint name, constraint type)``, largest first: the live index's size stands for its
    build time, so that builds running side by side finish together (longest job first)."""
    from search.models import SearchEntry

    qn = connection.ops.quote_name
    table, build = SearchEntry._meta.db_table, build_name()
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid), con.conname, con.contype
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.conrelid = x.indrelid
        WHERE x.indrelid = %s::regclass
        ORDER BY pg_relation_size(i.oid) DESC, i.relname
        """,
        [table],
    )
    found = []
    for name, indexdef, conname, contype in cursor.fetchall():
        # Named after the live index, so that indexes built ahead are recognised.
        tmp = f"{build}_{hashlib.md5(name.encode()).hexdigest()[:8]}"
        match = _INDEXDEF_RE.match(indexdef)
        if not match:
            raise RuntimeError(f"cannot rebuild index {name}: {indexdef}")
        head, _, on, _, tail = match.groups()
        found.append((name, tmp, f"{head}{qn(tmp)}{on}{qn(build)}{tail}", conname, contype))
    return found


def _built_ahead(cursor) -> set[str]:
    """Names of the build table's indexes that exist already (see search.ahead)."""
    cursor.execute(
        "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = to_regclass(%s)",
        [build_name()],
    )
    return {row[0] for row in cursor.fetchall()}


def index_build_table(workers: int) -> None:
    """Build the build table's indexes now (on connections of their own: it is committed)."""
    with connection.cursor() as cursor:
        statements = [create for _, _, create, _, _ in _build_indexes(cursor)]
    _create_indexes(statements, workers)


def drop_build_indexes() -> None:
    """Drop indexes built ahead (before many rows join the table, which then indexes once)."""
    qn = connection.ops.quote_name

    def drop() -> None:
        with connection.cursor() as cursor:
            for name in _built_ahead(cursor):
                cursor.execute(f"DROP INDEX IF EXISTS {qn(name)}")

    on_own_connection(drop)


_INDEXDEF_RE = re.compile(r"^(CREATE (?:UNIQUE )?INDEX )(\S+)( ON (?:ONLY )?)(\S+)( .*)$")


def _index_and_swap(
    *,
    index_workers: int = 1,
    phases: dict[str, float] | None = None,
    scored: dict[str, list[int]] | None = None,
) -> None:
    """Index the build table like the live one, then swap the two.

    With ``index_workers`` > 1 the build table must be committed (each index is built on its
    own connection). ``scored``: champion lists in the search's own order computed while the
    entries were built (every entry of the table: a full rebuild's).
    """
    from search.models import SearchEntry

    qn = connection.ops.quote_name
    table, build = SearchEntry._meta.db_table, build_name()
    recorded = phases if phases is not None else {}

    def mark(phase: str, since: float) -> float:
        now = time.perf_counter()
        recorded[phase] = now - since
        return now

    renames: list[str] = []
    creates: list[str] = []
    constraints: list[str] = []
    with connection.cursor() as cursor:
        built = _built_ahead(cursor)
        indexes = _build_indexes(cursor)
        for name, tmp, create, conname, contype in indexes:
            if tmp not in built:
                creates.append(create)
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
        started = time.perf_counter()
        _create_indexes(creates, index_workers)
        started = mark("indexes", started)
        # Statistics before the swap (they follow the table through the rename), and the
        # champion lists from them — both outside the lock searches wait for.
        cursor.execute(f"ANALYZE {qn(build)}")
        has_rum = any(" USING rum " in create for _, _, create, _, _ in indexes)
        lists = candidates.compute(build, workers=index_workers, scored=scored) if has_rum else []
        started = mark("ANALYZE + champion lists", started)
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
        # Before the lock: searches go on reading the lists committed until this commits.
        candidates.store(lists)
        # The swap: searches wait only for these few catalog changes.
        cursor.execute(f"LOCK TABLE {qn(table)} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"DROP TABLE {qn(table)}")
        cursor.execute(f"ALTER TABLE {qn(build)} RENAME TO {qn(table)}")
        for statement in renames:
            cursor.execute(statement)
        mark("constraints + swap", started)
