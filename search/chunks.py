"""The one chunk runner: segment provisions and COPY their entries, in worker processes or here.

A chunk's entries travel as one block of COPY data — binary rows with the C loops
(:func:`search.vectors.entry_record`), else text lines (:func:`search.vectors.entry_line`) —,
never as rows adapted value by value on the client. With many provisions the work is split over forked
worker processes, which inherit the sources (nothing is pickled on the way in) and the loaded
segmenter:

* outside a transaction (the rebuild's build table, committed) each worker COPYs its own chunks
  on its own connection, so only counts come back;
* inside the caller's transaction (a load indexing its own new policy) the workers cannot see
  the uncommitted rows, so they send their chunk's text back and this process COPYs it, on the
  transaction's connection, while they segment the next chunks.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from django.db import connection, connections

from portal.compression import fast_compression
from search import segment
from search.impacts import ListPlan, TopLists
from search.vectors import COLUMNS, ProvisionSource, entry_copy, joined

# Provisions per worker task, and the number of provisions from which forking workers pays
# (forking is cheap: the children share the parent's segmenter and sources).
CHUNK = 2000
PARALLEL_FROM = 6000


@dataclass(frozen=True)
class ChunkResult:
    written: int
    # Provisions where the fast segmenter's words differed from jieba's (only when verifying).
    differing: int = 0
    # The champion lists of the tracked words over these entries, as search.impacts keys (with
    # a ListPlan).
    lists: Mapping[str, Sequence[int]] | None = None


# COPY's binary format: the signature, no flags, no header extension; -1 fields ends the data.
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_BINARY_TRAILER = b"\xff\xff"


def copy_lines(data: str | bytes, table: str) -> None:
    """COPY a block of entries (:data:`COLUMNS` order) into ``table``: text lines
    (:func:`search.vectors.entry_line`) or binary rows (:func:`search.vectors.entry_record`)."""
    if not data:
        return
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    binary = isinstance(data, bytes)
    statement = f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor:
        fast_compression(cursor)
        raw = cursor.cursor
        with raw.copy(statement + (" (FORMAT binary)" if binary else "")) as copy:
            copy.write(_BINARY_HEADER + data + _BINARY_TRAILER if binary else data)


def write_rows(sources: Sequence[ProvisionSource], table: str) -> int:
    """Segment ``sources`` here and COPY their entries into ``table``; returns how many."""
    copy_lines(joined([entry_copy(s) for s in sources]), table)
    return len(sources)


# The sources of the run in progress: forked workers inherit them, tasks name slices of them.
_SOURCES: Sequence[ProvisionSource] = ()
# The words whose champion lists the run computes (search.impacts), inherited the same way.
_LIST_PLAN: ListPlan | None = None
# In a worker: the parent's database connections, kept referenced (never used, never closed —
# closing would end the parent's session, whose transaction the rows belong to).
_INHERITED: list = []


def _chunk_lines(start: int, end: int, verify: bool) -> tuple[str | bytes, ChunkResult]:
    """COPY data of the entries of ``_SOURCES[start:end]``, and how many they are, differed
    (verifying) and their champion lists (with a list plan)."""
    segment.set_verification(verify)
    chunk = _SOURCES[start:end]
    lists = TopLists(_LIST_PLAN) if _LIST_PLAN is not None else None
    differing = 0
    if not verify:
        data = joined([entry_copy(s, lists) for s in chunk])
    else:
        lines = []
        for source in chunk:
            before = segment.verification_counts()[1]
            lines.append(entry_copy(source, lists))
            differing += segment.verification_counts()[1] > before
        data = joined(lines)
    kept = lists.pruned() if lists is not None else None
    return data, ChunkResult(len(chunk), differing, kept)


def _copy_chunk(task: tuple[int, int, str, bool]) -> ChunkResult:
    """Worker (or here): segment a slice and COPY it on this process's own connection."""
    start, end, table, verify = task
    data, result = _chunk_lines(start, end, verify)
    copy_lines(data, table)
    return result


def _text_chunk(task: tuple[int, int, bool]) -> tuple[str | bytes, ChunkResult]:
    """Worker: segment a slice and hand its COPY data back to the parent."""
    start, end, verify = task
    return _chunk_lines(start, end, verify)


def detach_inherited_connections() -> None:
    """Worker initializer (inside the parent's transaction): forget the inherited connections
    without closing them; a worker that writes opens its own (``connect`` starts it afresh,
    outside the parent's atomic blocks)."""
    for alias in connections:
        conn = connections[alias]
        if conn.connection is not None:
            _INHERITED.append(conn.connection)
            conn.connection = None


def _worker(detach: bool) -> None:
    """Initializer of a forked segmenting worker: what it inherited is moved out of the cyclic
    collector's sight (``gc.freeze``, one step) — a full collection would walk the parent's
    sources and copy every page it touches —, and with ``detach`` the parent's connections are
    forgotten (:func:`detach_inherited_connections`)."""
    gc.freeze()
    if detach:
        detach_inherited_connections()


def run_chunks(
    sources: Sequence[ProvisionSource],
    table: str,
    *,
    workers: int | None = None,
    verify: bool = False,
    progress: Callable[[int], None] | None = None,
    own_connections: bool = False,
    lists: ListPlan | None = None,
) -> ChunkResult:
    """Index ``sources`` into ``table`` chunk by chunk; in ``workers`` processes when many.

    Inside a transaction the rows are written on this process's connection (part of the
    caller's transaction, however many processes segment); outside one, or with
    ``own_connections`` (a table built aside of the caller's transaction), each worker commits
    its own COPYs, so ``table`` must be committed and visible to other connections.

    With ``lists``, the result also holds the champion lists of its tracked words.
    """
    global _SOURCES, _LIST_PLAN
    workers = workers if workers is not None else (os.cpu_count() or 1)
    bounds = [(i, min(i + CHUNK, len(sources))) for i in range(0, len(sources), CHUNK)]
    written = differing = 0
    merged = TopLists() if lists is not None else None

    def done(result: ChunkResult) -> None:
        nonlocal written, differing
        written, differing = written + result.written, differing + result.differing
        if merged is not None and result.lists is not None:
            merged.merge(result.lists)
        if progress:
            progress(written)

    def total() -> ChunkResult:
        return ChunkResult(written, differing, merged.keys if merged is not None else None)

    _SOURCES, _LIST_PLAN = sources, lists
    try:
        if workers <= 1 or len(sources) < PARALLEL_FROM:
            for start, end in bounds:
                done(_copy_chunk((start, end, table, verify)))
            return total()
        context = multiprocessing.get_context("fork")
        if connection.in_atomic_block and not own_connections:
            with ProcessPoolExecutor(
                workers, mp_context=context, initializer=_worker, initargs=(True,)
            ) as pool:
                # A bounded window of chunks in flight: the texts wait here only while this
                # process COPYs, not all at once (a 20 MB file's entries are ~1 GB of text).
                pending: deque[Future] = deque()
                for start, end in bounds:
                    pending.append(pool.submit(_text_chunk, (start, end, verify)))
                    if len(pending) > 2 * workers:
                        data, result = pending.popleft().result()
                        copy_lines(data, table)
                        done(result)
                while pending:
                    data, result = pending.popleft().result()
                    copy_lines(data, table)
                    done(result)
            return total()
        # Forked workers must not share a live connection with this process: they open their
        # own. A transaction of the caller stays open here, so its connection is only forgotten
        # in the workers; otherwise it is closed first.
        detach = connection.in_atomic_block
        if not detach:
            connections.close_all()
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker, initargs=(detach,)
        ) as pool:
            for result in pool.map(_copy_chunk, [(s, e, table, verify) for s, e in bounds]):
                done(result)
        return total()
    finally:
        _SOURCES, _LIST_PLAN = (), None
        segment.set_verification(False)
