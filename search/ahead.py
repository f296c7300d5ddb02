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
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection

from search import segment
from search.chunks import CHUNK, PARALLEL_FROM, copy_lines, detach_inherited_connections
from search.sources import policy_context, policy_sources
from search.vectors import ProvisionSource, clear_caches, entry_copy, joined

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1  # <sys/prctl.h>
# At most this many entries join an indexed table row by row (RUM takes about a millisecond
# each): up to this many kept entries, the indexes are built as soon as the children are done.
INDEX_AHEAD_KEPT = 5000


@dataclass
class _Run:
    processes: list[multiprocessing.process.BaseProcess]
    # Each child sends the dictionary it cut with (term → frequency) once its entries are in.
    receivers: list
    policy_id: int
    sources: list[ProvisionSource]
    # Waits for the children, then (when few entries are to join) builds the table's indexes.
    waiter: threading.Thread | None = None
    frequencies: list = field(default_factory=list)


_enabled = False
_run: _Run | None = None
# Whether a build table was committed aside in the enabled block (a rollback after its swap
# brings it back: dropped on leaving the block).
_aside = False


@contextmanager
def enabled() -> Iterator[None]:
    """Allow indexing ahead inside the block (a load that ends in finish_load)."""
    global _enabled, _aside
    outer = _enabled
    _enabled = True
    try:
        yield
    finally:
        _enabled = outer
        if not outer:
            cancel()
            if _aside:
                _aside = False
                _drop()


def built_aside() -> None:
    """Note that a build table was committed aside (see :func:`enabled`)."""
    global _aside
    _aside = True


@dataclass
class Plan:
    """What a run needs from the database, read before the provisions' COPY occupies the
    connection; :meth:`start` then forks without another query."""

    policy: object
    body_ids: list[int]
    terms: set[str]  # the dictionary's terms now (the child adds what the new texts mark)
    body_names: list[str]
    # Few entries are kept beside the new ones: the indexes can be built before they join.
    index_ahead: bool

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
        built_aside()
        run = _run = _Run([], [], self.policy.pk, sources)
        try:
            # The table, committed on a connection of its own.
            on_own_connection(lambda: (create_build_table(), reserve_ids(len(sources))))
            context = multiprocessing.get_context("fork")
            share = -(-len(sources) // (os.cpu_count() or 1))
            for start in range(0, len(sources), share):
                receiver, sender = context.Pipe(duplex=False)
                # Forked: the child gets these objects as they are, nothing is pickled.
                process = context.Process(
                    target=_write_ahead,
                    args=(
                        sources[start : start + share],
                        texts,
                        self.terms,
                        self.body_names,
                        sender,
                        os.getpid(),
                    ),
                    daemon=True,
                )
                process.start()
                sender.close()
                run.processes.append(process)
                run.receivers.append(receiver)
            run.waiter = threading.Thread(target=_wait_and_index, args=(run, self.index_ahead))
            run.waiter.start()
        except Exception:  # an optimisation only: the load indexes in place instead
            logger.exception("indexing ahead could not start")
            cancel()


def running() -> bool:
    """Whether a run ahead has been started and not yet adopted."""
    return _run is not None


def plan(policy, count: int) -> Plan | None:
    """A plan for ``policy``'s ``count`` new provisions, when indexing ahead pays: inside
    :func:`enabled`, more than one core, nothing running ahead yet, and a batch large enough to
    rebuild the entry table (see search.incremental)."""
    from policies.models import IssuingBody
    from search.incremental import in_bulk
    from search.models import DictionaryTerm, SearchEntry

    if not _enabled or _run is not None or (os.cpu_count() or 1) < 2 or count < PARALLEL_FROM:
        return None
    kept = SearchEntry.objects.count()
    if not in_bulk(count, kept):
        return None
    terms = set(DictionaryTerm.objects.values_list("term", flat=True))
    names = [name for body in IssuingBody.objects.all() for name in body.all_names]
    return Plan(policy, _body_ids(policy), terms, names, index_ahead=kept <= INDEX_AHEAD_KEPT)


def _body_ids(policy) -> list[int]:
    """The policy's issuing bodies, in its order (its entries' context)."""
    from policies.models import PolicyBody

    bodies = PolicyBody.objects.filter(policy=policy).order_by("order")
    return list(bodies.values_list("body_id", flat=True))


def _write_ahead(sources, texts, terms, body_names, sender, parent: int) -> None:
    """A child: learn the new texts' terms, cut with them, COPY into the build table."""
    from search.dictionary import learn_terms
    from search.rebuild import side_session

    _die_with_parent(parent)
    detach_inherited_connections()
    learned = set(learn_terms(texts, body_names))
    segment.set_extra_terms(terms | learned)
    clear_caches()
    with connection.cursor() as cursor:
        side_session(cursor, application_name=_session_name(parent))
    for start in range(0, len(sources), CHUNK):
        copy_lines(joined([entry_copy(s) for s in sources[start : start + CHUNK]]), _table())
    sender.send(segment.extra_frequencies())
    sender.close()


def _wait_and_index(run: _Run, index: bool) -> None:
    """In a thread of the load's process (it waits on pipes and sockets, holding no lock the
    load needs): collect what each child cut with, then build the table's indexes if asked —
    while the load still resolves references, checks foreign keys and learns the dictionary."""
    from search.rebuild import index_build_table

    try:
        for receiver, process in zip(run.receivers, run.processes, strict=True):
            try:
                run.frequencies.append(receiver.recv())
            except (EOFError, OSError):  # the child failed (its traceback is on stderr)
                run.frequencies.append(None)
            process.join()
        if index and None not in run.frequencies:
            index_build_table(workers=os.cpu_count() or 1)
    except Exception:  # the indexes are built at the swap instead
        logger.exception("building the indexes ahead failed")
    finally:
        connection.close()  # this thread's own


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this child when the load's process dies (a killed loader must leave
    nothing writing behind); elsewhere the server-side checks still end its session."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the load died before the request took effect
        os._exit(1)


def _table() -> str:
    from search.rebuild import build_name

    return build_name()


def sources_for(policy_ids: set[int]) -> dict[int, list[ProvisionSource]]:
    """The sources the run ahead was given, for its policy among ``policy_ids`` — when they are
    still what the database holds, so that the load need not read and lay them out again.

    A load only adds and deletes provisions (nothing updates one in place), so the same ids
    mean the same rows; the policy's context (type, status, year, bodies) is compared whole.
    """
    from policies.models import Policy, Provision

    if _run is None or _run.policy_id not in policy_ids:
        return {}
    policy = Policy.objects.filter(pk=_run.policy_id).first()
    if policy is None:
        return {}
    context = policy_context(policy, _body_ids(policy))
    ids = set(Provision.objects.filter(policy=policy).values_list("pk", flat=True))
    given = _run.sources
    if any(s.context != context for s in given[:1]) or ids != {s.provision_id for s in given}:
        return {}
    return {policy.pk: list(given)}


def adopt(sources: Sequence[ProvisionSource]) -> list[ProvisionSource] | None:
    """After the run ahead (if any) has finished: the sources its entries do not cover — the
    build table then holds the rest, committed — or None when there was no usable run (its
    table dropped)."""
    global _run
    run, _run = _run, None
    if run is None:
        return None
    run.waiter.join()
    loaded = segment.extra_frequencies()
    cut = run.frequencies
    if len(cut) != len(run.processes) or any(each != loaded for each in cut):
        _drop()
        return None
    try:
        return _left_over(sources)
    except Exception:  # an optimisation only: everything is computed again
        logger.exception("adopting the entries written ahead failed")
        _drop()
        return None


def _left_over(sources: Sequence[ProvisionSource]) -> list[ProvisionSource]:
    """Forget entries written ahead that differ from ``sources``; the sources still to write."""
    from search.rebuild import on_own_connection

    qn = connection.ops.quote_name

    def written() -> list[tuple[int, str]]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT provision_id, source_hash FROM {qn(_table())}")
            return cursor.fetchall()

    wanted = {source.provision_id: source.fingerprint() for source in sources}
    done: set[int] = set()
    stale: list[int] = []
    for pk, fingerprint in on_own_connection(written):
        if wanted.get(pk) == fingerprint:
            done.add(pk)
        else:
            stale.append(pk)
    if stale:

        def forget() -> None:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {qn(_table())} WHERE provision_id = ANY(%s::bigint[])", [stale]
                )

        on_own_connection(forget)
    left = [source for source in sources if source.provision_id not in done]
    if len(left) > INDEX_AHEAD_KEPT:
        # Many entries still to come: into an unindexed table, indexed once at the swap.
        from search.rebuild import drop_build_indexes

        drop_build_indexes()
    return left


def cancel() -> None:
    """Stop a run nobody adopted and drop its table."""
    global _run
    run, _run = _run, None
    if run is None:
        return
    for process in run.processes:
        process.kill()
    if run.waiter is not None:
        run.waiter.join()
    _end_sessions()
    _drop()


def _session_name(load: int | None = None) -> str:
    """The children's sessions are named after the load's process (see _end_sessions)."""
    return f"policykb-ahead-{load or os.getpid()}"


def _end_sessions() -> None:
    """End the killed children's sessions and wait for them (up to 5 s each): a session killed
    mid-COPY would hold its lock on the build table until the server noticed."""
    from search.rebuild import on_own_connection

    def end() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE application_name = %s AND pid <> pg_backend_pid()",
                [_session_name()],
            )

    try:
        on_own_connection(end)
    except Exception:  # best effort: the server ends them on its own soon after
        logger.exception("ending the sessions of a cancelled run ahead failed")


def _drop() -> None:
    from search.rebuild import drop_aside

    drop_aside()
