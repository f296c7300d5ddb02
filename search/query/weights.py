"""Every ranking knob in one object, so that evaluation can switch each rule off (ablation).

A weight of 0 turns its rule off; ``evaluate_search --ablate`` does that one rule at a time and
reports what each is worth. The factors (diversity, container, secondary) turn off at 1.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class RankingWeights:
    # ts_rank_cd of the typed words (cover density; heading above path above text).
    cover_density: float = 0.8
    # The term occurs verbatim in the clause / its saturated count / in its heading.
    exact: float = 0.5
    exact_tf: float = 1.0
    exact_heading: float = 0.6
    # The clause (its heading or first words) opens with the term.
    heading_start: float = 0.2
    # Partial matches: share (IDF-weighted) of the query's words a clause covers.
    coverage: float = 2.0
    # A query naming a body, 发文字号 or title lifts that document's best clause (×10 per unit).
    intent: float = 10.0
    # Synonyms and learned abbreviations: their verbatim matches count this much of a typed word's.
    synonym: float = 0.5
    # 什么是X / X是什么: a clause that defines X (X是…, X指…, 所谓X).
    definition: float = 0.6
    # Question and filler words (怎么, 有哪些…) are dropped from the query.
    drop_question_words: float = 1.0
    # Switches (1 on, 0 off): fill a page with clauses matching some terms after those matching
    # all; list documents whose metadata matches as document results; offer typo corrections.
    partial_fill: float = 1.0
    document_results: float = 1.0
    typo_suggestions: float = 1.0
    # Every further clause of the same document is damped by this factor (1 = off).
    diversity: float = 0.85
    # Heading-only containers (章/节 without text) count this much (1 = off).
    container: float = 0.6
    # Commentary (articles, interpretations) counts this much (1 = off).
    secondary: float = 0.85

    def without(self, name: str) -> RankingWeights:
        """These weights with one rule switched off."""
        off = 1.0 if name in FACTORS else 0.0
        return replace(self, **{name: off})


FACTORS = frozenset({"diversity", "container", "secondary"})
DEFAULT = RankingWeights()
RULES = tuple(f.name for f in fields(RankingWeights))

_active: contextvars.ContextVar[RankingWeights] = contextvars.ContextVar(
    "ranking_weights", default=DEFAULT
)


def active() -> RankingWeights:
    return _active.get()


@contextmanager
def using(weights: RankingWeights) -> Iterator[None]:
    """Search with other weights inside the block (evaluation and its ablation only)."""
    token = _active.set(weights)
    try:
        yield
    finally:
        _active.reset(token)
