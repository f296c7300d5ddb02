"""Clause and document search. :func:`search` is the one function the page and the API call.

The package holds the steps of a query, each in its own module: :mod:`.parse` (terms, question
words, dates, synonyms), :mod:`.catalog` (policies and bodies in memory, metadata matching),
:mod:`.documents` (document-level results), :mod:`.plan` (the SQL), :mod:`.facets` (totals and
facets), :mod:`.rank` (scoring and candidate retrieval), :mod:`.suggest` (“您是不是要找”),
:mod:`.weights` (every ranking knob) and :mod:`.run` (the entry point).
"""

from __future__ import annotations

from search.query.facets import COUNT_CAP
from search.query.params import (
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_QUERY_CHARS,
    DocumentHit,
    FacetValue,
    Hit,
    InvalidQuery,
    Results,
    SearchParams,
)
from search.query.rank import CANDIDATES, rum_index_ready
from search.query.run import search

# CANDIDATES, COUNT_CAP and rum_index_ready are read by bench/search_bench.py.
__all__ = [
    "CANDIDATES",
    "COUNT_CAP",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "MAX_QUERY_CHARS",
    "DocumentHit",
    "FacetValue",
    "Hit",
    "InvalidQuery",
    "Results",
    "SearchParams",
    "rum_index_ready",
    "search",
]
