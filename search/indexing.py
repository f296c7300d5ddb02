"""Building the search index: one :class:`search.models.SearchEntry` per provision.

The work is split by what it touches:

* :mod:`search.vectors` — pure vector building (a provision's row, no database);
* :mod:`search.sources` — reading the policies and provisions entries are computed from;
* :mod:`search.chunks` — the one chunk runner (segment + COPY, in worker processes when many);
* :mod:`search.incremental` — :func:`index_policies` after edits and loads (changed entries only);
* :mod:`search.rebuild` — :func:`rebuild_index` for ``manage.py reindex`` (new table, swap);
* :mod:`search.ahead` — a large new policy's entries computed while its load goes on.

This module keeps the names other apps import.
"""

from __future__ import annotations

from search import ahead
from search.chunks import run_chunks, write_rows
from search.incremental import bump_catalog_version, index_policies
from search.rebuild import RebuildReport, rebuild_index
from search.sources import provision_sources
from search.vectors import (
    COLUMNS,
    GRAM_RUN_RE,
    PolicyContext,
    ProvisionSource,
    entry_row,
    gram_lexemes,
    grams_vector,
    held_bigrams,
    quote_lexeme,
    run_bigrams,
    words_vector,
)

__all__ = [
    "COLUMNS",
    "GRAM_RUN_RE",
    "PolicyContext",
    "ProvisionSource",
    "RebuildReport",
    "ahead",
    "bump_catalog_version",
    "entry_row",
    "gram_lexemes",
    "grams_vector",
    "held_bigrams",
    "index_policies",
    "provision_sources",
    "quote_lexeme",
    "rebuild_index",
    "run_bigrams",
    "run_chunks",
    "words_vector",
    "write_rows",
]
