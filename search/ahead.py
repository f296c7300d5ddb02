"""Indexing ahead: a large policy's entries computed while the rest of its load runs.

A load is one transaction, and most of it runs on one core: parsing, extracting targets and
citations, writing them, resolving references, learning the dictionary, checking the deferred
foreign keys. The entries of a large new policy depend only on its provisions, its context and
the dictionary — all known once its provisions are written. So the load hands them to a forked
process (:meth:`Plan.start`), which segments them on the other core and COPYs them into the
build table of :func:`search.rebuild.rewrite_in_bulk`, committed on its own connection (nothing
searches that table). When the load's indexing reaches them, :func:`adopt` keeps the entries
whose fingerprints match the sources the transaction reads — and only if the process cut them
with the very dictionary the load learned (same terms, same frequencies); everything else is
computed again, so the result is the same as without this.

Only inside :func:`enabled` — a load that ends in ``finish_load``: a preview that rolls back
must not leave a process writing. Leaving the block stops a run nobody adopted and drops its
table.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection

from search import segment
from search.chunks import CHUNK, PARALLEL_FROM, copy_lines, detach_inherited_connections
from search.sources import policy_context, policy_sources
from search.vectors import ProvisionSource, clear_caches, entry_line

_PR_SET_PDEATHSIG = 1  # <sys/prctl.h>


@dataclass
class _Run:
    processes: list[multiprocessing.process.BaseProcess]
    # Each child sends the dictionary it cut with (term → frequency) once its entries are in.
    receivers: list
    policy_id: int


_enabled = False
_run: _Run | None = None


@contextmanager
def enabled() -> Iterator[None]:
    """Allow indexing ahead inside the block (a load that ends in finish_load)."""
    global _enabled
    outer = _enabled
    _enabled = True
    try:
        yield
    finally:
        _enabled = outer
        if not outer:
            cancel()


@dataclass
class Plan:
    """What a run needs from the database, read before the provisions' COPY occupies the
    connection; :meth:`start` then forks without another query."""

    policy: object
    body_ids: list[int]
    terms: set[str]  # the dictionary's terms now (the child adds what the new texts mark)
    body_names: list[str]

    def start(self, rows: Sequence[tuple]) -> None:
        """Fork the processes for ``rows`` — (pk, parent_id, num, order, heading, text) in
        reading order, as just written — one per core, each with a consecutive share."""
        global _run
        from search.rebuild import create_build_table, on_own_connection, reserve_ids

        sources = list(policy_sources(policy_context(self.policy, self.body_ids), rows))
        texts = [f"{heading}\n{text}" for _pk, _parent, _num, _order, heading, text in rows]
        texts.append(f"{self.policy.title}\n{self.policy.short_title}")
        # Loaded here once, not once per child (the load needs it later anyway).
        segment.fast_segmenter_active()
        # The table, committed on a connection of its own (this one is busy with the COPY).
        on_own_connection(lambda: (create_build_table(), reserve_ids(len(sources))))
        context = multiprocessing.get_context("fork")
        share = -(-len(sources) // (os.cpu_count() or 1))
        run = _Run([], [], self.policy.pk)
        for start in range(0, len(sources), share):
            receiver, sender = context.Pipe(duplex=False)
            # Forked: the child gets these objects as they are, nothing is pickled on the way.
            process = context.Process(
                target=_write_ahead,
                args=(sources[start : start + share], texts, self.terms, self.body_names, sender),
                daemon=True,
            )
            process.start()
            sender.close()
            run.processes.append(process)
            run.receivers.append(receiver)
        _run = run


def running() -> bool:
    """Whether a run ahead has been started and not yet adopted."""
    return _run is not None


def plan(policy, count: int) -> Plan | None:
    """A plan for ``policy``'s ``count`` new provisions, when indexing ahead pays: inside
    :func:`enabled`, more than one core, nothing running ahead yet, and a batch large enough to
    rebuild the entry table (see search.incremental)."""
    from policies.models import IssuingBody, PolicyBody
    from search.incremental import in_bulk
    from search.models import DictionaryTerm, SearchEntry

    if not _enabled or _run is not None or (os.cpu_count() or 1) < 2 or count < PARALLEL_FROM:
        return None
    if not in_bulk(count, SearchEntry.objects.count()):
        return None
    body_ids = list(
        PolicyBody.objects.filter(policy=policy).order_by("order").values_list("body_id", flat=True)
    )
    terms = set(DictionaryTerm.objects.values_list("term", flat=True))
    names = [name for body in IssuingBody.objects.all() for name in body.all_names]
    return Plan(policy, body_ids, terms, names)


def _write_ahead(sources, texts, terms, body_names, sender) -> None:
    """A child: learn the new texts' terms, cut with them, COPY into the build table."""
    from search.dictionary import learn_terms

    _die_with_parent()
    detach_inherited_connections()
    learned = set(learn_terms(texts, body_names))
    segment.set_extra_terms(terms | learned)
    clear_caches()
    with connection.cursor() as cursor:
        if connection.pg_version >= 140000:  # the server ends the session soon if this dies
            cursor.execute("SET client_connection_check_interval = '2s'")
    for start in range(0, len(sources), CHUNK):
        copy_lines("".join([entry_line(s) for s in sources[start : start + CHUNK]]), _table())
    sender.send(segment.extra_frequencies())
    sender.close()


def _die_with_parent() -> None:
    """Ask Linux to kill this child when the load's process dies (a killed loader must leave
    nothing writing behind); elsewhere the server-side checks still end its session."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _table() -> str:
    from search.rebuild import build_name

    return build_name()


def adopt(sources: Sequence[ProvisionSource]) -> list[ProvisionSource] | None:
    """After the run ahead (if any) has finished: the sources its entries do not cover — the
    build table then holds the rest, committed — or None when there was no usable run (its
    table dropped)."""
    global _run
    run, _run = _run, None
    if run is None:
        return None
    frequencies = []
    for receiver, process in zip(run.receivers, run.processes, strict=True):
        try:
            frequencies.append(receiver.recv())
        except EOFError:  # the child failed (its traceback is on stderr)
            frequencies.append(None)
        process.join()
    loaded = segment.extra_frequencies()
    if any(cut != loaded for cut in frequencies):
        _drop()
        return None
    from search.rebuild import on_own_connection

    qn = connection.ops.quote_name

    def written() -> list[tuple[int, str]]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT provision_id, source_hash FROM {qn(_table())}")
            return cursor.fetchall()

    wanted = {source.provision_id: source.fingerprint() for source in sources}
    rows = on_own_connection(written)
    stale = [pk for pk, fingerprint in rows if wanted.get(pk) != fingerprint]
    if stale:

        def forget() -> None:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {qn(_table())} WHERE provision_id = ANY(%s::bigint[])", [stale]
                )

        on_own_connection(forget)
    done = {pk for pk, fingerprint in rows if wanted.get(pk) == fingerprint}
    return [source for source in sources if source.provision_id not in done]


def cancel() -> None:
    """Stop a run nobody adopted and drop its table."""
    global _run
    run, _run = _run, None
    if run is None:
        return
    for process in run.processes:
        process.kill()
        process.join()
    _drop()


def _drop() -> None:
    from search.rebuild import drop_aside

    drop_aside()
