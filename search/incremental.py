"""Incremental indexing: bring the entries of some policies up to date after an edit or a load.

Only provisions whose inputs changed are segmented and written: each entry stores the
fingerprint of its inputs (``source_hash``), and an entry whose fingerprint still matches is
left alone. A newly learned dictionary term is the other reason to re-segment: every entry (of
any policy) whose text contains one is rewritten, so index and queries keep one dictionary.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from search import ahead, candidates
from search.chunks import run_chunks
from search.dictionary import refresh_dictionary
from search.sources import provision_sources
from search.vectors import clear_caches

# Fewer new entries than this are always inserted into the live table (a rebuild has a fixed
# cost: a table, its indexes, the champion lists).
BULK_FROM = 2000


def bump_catalog_version() -> None:
    """Tell every process that policies, bodies or entries changed (see search.query)."""
    from django.db.models import F

    from search.models import IndexState

    if not IndexState.objects.filter(pk=1).update(catalog_version=F("catalog_version") + 1):
        IndexState.objects.get_or_create(pk=1, defaults={"catalog_version": 1})


def index_policies(policy_ids: Iterable[int]) -> int:
    """Bring the entries of these policies up to date; returns the number of entries written.

    Also re-learns the dictionary from every policy, and re-segments entries of any policy
    whose text contains a newly learned term. Safe to call inside the caller's transaction.
    """
    from search.models import SearchEntry

    policy_ids = set(policy_ids)
    with transaction.atomic():
        new_terms = refresh_dictionary()
        clear_caches()
        stale: set[int] = set()
        if new_terms:
            pattern = "|".join(_regex_escape(t) for t in sorted(new_terms))
            for policy_id, provision_id in SearchEntry.objects.filter(
                compact__regex=pattern
            ).values_list("policy_id", "provision_id"):
                policy_ids.add(policy_id)
                stale.add(provision_id)
        stored = dict(
            SearchEntry.objects.filter(policy_id__in=policy_ids).values_list(
                "provision_id", "source_hash"
            )
        )
        # A large policy indexed ahead (search.ahead) brings its sources along.
        known = ahead.sources_for(policy_ids)
        sources = [source for group in known.values() for source in group]
        sources += provision_sources(policy_ids - known.keys())
        changed = [
            s
            for s in sources
            if s.provision_id in stale or stored.get(s.provision_id) != s.fingerprint()
        ]
        current = {s.provision_id for s in sources}
        gone = [pk for pk in stored if pk not in current]
        rewrite = [s.provision_id for s in changed if s.provision_id in stored]
        if in_bulk(len(changed), SearchEntry.objects.count() - len(gone) - len(rewrite)):
            from search.rebuild import rewrite_in_bulk  # rebuild imports this module

            # Also recomputes the champion lists from the whole new table.
            written = rewrite_in_bulk(changed, [*gone, *rewrite])
        else:
            if gone or rewrite:
                SearchEntry.objects.filter(provision_id__in=[*gone, *rewrite]).delete()
            written = run_chunks(changed, SearchEntry._meta.db_table).written
            candidates.note_entries([s.provision_id for s in changed])
        bump_catalog_version()
    # The saves that led here (a load saves its Policy rows) queued the same policies for a
    # re-index on commit; they are up to date now, so that would relearn the dictionary twice.
    from search.signals import settled  # signals imports this module

    settled(policy_ids)
    return written


def in_bulk(new: int, kept: int) -> bool:
    """Whether ``new`` entries joining ``kept`` ones are written by rebuilding the table (see
    :func:`search.rebuild.rewrite_in_bulk`) rather than inserted into the live indexes."""
    return new >= BULK_FROM and new >= kept


def _regex_escape(term: str) -> str:
    """Escape for a PostgreSQL ARE (Python's re.escape is close enough, but be explicit)."""
    return "".join("\\" + ch if not ch.isalnum() else ch for ch in term)
