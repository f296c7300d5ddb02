"""Which rankings a search makes: rank.ranked_hits spied on, for the search tests."""

from __future__ import annotations

from collections.abc import Callable

from search.query import facets, rank


def spy_on_rankings(monkeypatch, record: Callable[[object], None]) -> None:
    """Call ``record`` with the candidates of each ranking the searches that follow make (None:
    every match scored). The statement counting a match set ranks it only within the count
    cap (facets.Counting): beyond it, it only counted, and is not recorded."""
    hits = rank.ranked_hits

    def spy(plan, limit, offset, intent, candidates, *args, **kwargs):
        result = hits(plan, limit, offset, intent, candidates, *args, **kwargs)
        if kwargs.get("counting") is None or result[1]["n"] <= facets.COUNT_CAP:
            record(candidates)
        return result

    monkeypatch.setattr(rank, "ranked_hits", spy)
