"""The one chunk runner: segment provisions and COPY their entries, in worker processes or here.

Each worker COPYs its own chunks on its own connection: the rows (about 6 KB each with both
vectors) never travel back through a pipe to be pickled and unpickled by the parent, which cost
as much CPU as a third of the segmenting itself. Only counts come back.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from django.db import connection, connections

from search import segment
from search.vectors import COLUMNS, ProvisionSource, entry_row

# Provisions per worker task, and the number of provisions from which forking workers pays.
CHUNK = 2000
PARALLEL_FROM = 20000


@dataclass(frozen=True)
class ChunkResult:
    written: int
    # Provisions where the fast segmenter's words differed from jieba's (only when verifying).
    differing: int = 0


def write_rows(rows: Sequence[tuple], table: str) -> int:
    """COPY rows (in :data:`COLUMNS` order) into ``table``; the caller deletes what they replace."""
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return len(rows)


def _index_chunk(task: tuple[Sequence[ProvisionSource], str, bool]) -> ChunkResult:
    """Segment one chunk and COPY its rows into ``table``; counts differing provisions."""
    chunk, table, verify = task
    segment.set_verification(verify)
    rows: list[tuple] = []
    differing = 0
    for source in chunk:
        before = segment.verification_counts()[1]
        rows.append(entry_row(source))
        differing += segment.verification_counts()[1] > before
    return ChunkResult(write_rows(rows, table), differing)


def run_chunks(
    sources: Sequence[ProvisionSource],
    table: str,
    *,
    workers: int | None = None,
    verify: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ChunkResult:
    """Index ``sources`` into ``table`` chunk by chunk; in ``workers`` processes when many.

    With one worker (or few sources) everything runs on this process's connection, so it works
    inside the caller's transaction; worker processes commit their own COPYs, so the table
    must be committed and visible to other connections.
    """
    workers = workers if workers is not None else (os.cpu_count() or 1)
    tasks = [(sources[i : i + CHUNK], table, verify) for i in range(0, len(sources), CHUNK)]
    written = differing = 0
    if workers <= 1 or len(sources) < PARALLEL_FROM:
        try:
            for task in tasks:
                result = _index_chunk(task)
                written, differing = written + result.written, differing + result.differing
                if progress:
                    progress(written)
        finally:
            segment.set_verification(False)
        return ChunkResult(written, differing)
    # Forked workers inherit the loaded segmenter; they must not inherit a live DB connection.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for result in pool.map(_index_chunk, tasks):
            written, differing = written + result.written, differing + result.differing
            if progress:
                progress(written)
    return ChunkResult(written, differing)
