"""Champion lists in the search's own order, computed while the entries are built.

A frequent word's champion list (:mod:`search.candidates`) holds the entries a one-word search
for it should rank first. Taken from RUM's order (cover density, which ignores length), it put
long entries repeating the word first, where the score prefers short ones stating it: at 200k
entries the page from 区块链's first 300 had 2 of the 10 hits of scoring every match, 人工智能's
(with 300 more for AI) 2. The score of a one-word search (search.query.plan.build_plan) is a
function of the entry and the word alone, so it is computed here, in Python, from what building
the entry has in hand — the word's positions, the text, the topic heading, the type — for every
word of every entry that may get a list, and each word keeps its KEPT best entries. In this
order the first 100 give the exact page (search.candidates.SCORED_POOL).

Which words may get a list is decided before the build, from a sample of the provisions
(:func:`plan_lists`): a word must match CHAMPION_MIN_MATCHES entries for a list, and a word at
half of that share is tracked. A frequent word the sample missed gets RUM's list, as before.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from search.speedups import native

if TYPE_CHECKING:
    from search.query.weights import RankingWeights

# Entries per list (search.candidates.CHAMPIONS). A one-word search takes the first 100;
# several words walk a list until 100 hold them all, and at 1M about one in ten entries of
# 医疗's list held 共享 too: a shorter list would end such walks short.
KEPT = 3000
# Provisions segmented before the build to find the frequent words, evenly spread (all of them
# when fewer): 4.4 s at 1M entries where one in 50 took 22 s.
SAMPLE_SIZE = 4000
# A word is tracked when its share of the sample is at least this fraction of the least share
# that gets a list, and it is among the TRACK_RANKS × (lists kept) most frequent there. At 200k
# and 1M entries the 1,000th most frequent word is in 1.1 % of the entries (the lists are
# capped at 1,000): about 43 of the 4,000 sampled on average, and 28 or fewer for fewer than 1
# in 100 such words (Poisson), while the 1,500th has about 28.
TRACK_SHARE = 0.5
TRACK_RANKS = 1.5

# A list entry as one int64: the impact in millionths above the provision id's complement, so
# that sorting the ints descending puts the highest impact first and, among equal ones, the
# lowest provision id.
_ID_BITS = 40
_ID_MASK = (1 << _ID_BITS) - 1


@dataclass(frozen=True)
class ListPlan:
    """What the build computes lists for — the tracked words — and the score's parts: the
    corpus's mean text length (the BM25 part normalizes by it, as the query does), the ranking
    weights and the query plan's constants (search.query.plan), all read in the parent."""

    tracked: frozenset[str]
    avg_chars: float
    weights: RankingWeights
    # ts_rank_cd's weight of a position by its label's last character (search.vectors writes
    # "12A", "12B", and weight D unmarked: "12", looked up as "D").
    label_weights: dict[str, float]
    k1: float
    b: float
    secondary_types: frozenset[str]
    # A word whose one-word search has other wordings: the verbatim ones counted with it (the
    # word and its aliases, 发改委 and 国家发展改革委) and its synonyms' (人工智能: AI), which
    # count weights.synonym as much. Words not here have only themselves.
    wordings: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]


def plan_lists(
    entries: Sequence[tuple[Mapping[str, Sequence[str]], str]],
    total: int,
    min_matches: int,
    most_lists: int,
) -> ListPlan | None:
    """The words to track, from ``entries`` — ``(positions, compact text)`` of a sample of the
    ``total`` provisions (see :func:`sample`) — when lists are for words in at least
    ``min_matches`` entries, at most ``most_lists`` of them; None when no word can get one."""
    if total < min_matches or not entries:
        return None
    counts: dict[str, int] = {}
    for positions, _ in entries:
        for word in positions:
            counts[word] = counts.get(word, 0) + 1
    least = TRACK_SHARE * min_matches * len(entries) / total
    frequent = sorted((w for w, n in counts.items() if n >= least), key=lambda w: (-counts[w], w))
    # Here, not at the top: the query package imports the indexing modules this one serves.
    from search.query import plan
    from search.query.weights import active

    tracked = frozenset(frequent[: math.ceil(TRACK_RANKS * most_lists)])
    weights = active()
    return ListPlan(
        tracked=tracked,
        avg_chars=sum(len(own) for _, own in entries) / len(entries),
        weights=weights,
        label_weights=dict(zip("DCBA", plan.COVER_WEIGHTS, strict=True)),
        k1=plan.BM25_K1,
        b=plan.BM25_B,
        secondary_types=frozenset(plan.SECONDARY_TYPES),
        wordings=_wordings(tracked, weights),
    )


def _wordings(
    words: frozenset[str], weights: RankingWeights
) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """ListPlan.wordings: what the query parser makes of each word searched alone (it adds no
    synonyms where their weight is 0)."""
    from search.query.catalog import parsing_catalog
    from search.query.parse import parse_query

    catalog = parsing_catalog()
    out = {}
    for word in words:
        terms = parse_query(word, catalog, weights).terms
        if len(terms) != 1 or terms[0].variants[0].substring != word:
            continue  # not searched as itself (a date, a question word): its own wording only
        verbatim = [v.substring for v in terms[0].variants if v.kind != "synonym" and v.substring]
        synonyms = [v.substring for v in terms[0].variants if v.kind == "synonym" and v.substring]
        if verbatim != [word] or synonyms:
            out[word] = (tuple(verbatim), tuple(synonyms))
    return out


def sample(items: Sequence, size: int = SAMPLE_SIZE) -> Sequence:
    """About ``size`` of ``items``, evenly spread (every one of fewer)."""
    return items[:: max(1, len(items) // size)]


class TopLists:
    """Each word's best entries by impact, at most KEPT, as int64 keys (see _ID_BITS). With a
    ``plan``, entries are added as they are built (:meth:`add_entry`); without, lists are only
    merged."""

    def __init__(self, plan: ListPlan | None = None) -> None:
        self.plan = plan
        self.keys: dict[str, list[int]] = {}
        # Each pruned list's last kept key: a key below it can never be kept, so it is dropped
        # instead of being gathered and sorted (once a frequent word's list is full, most of
        # the entries after it fall below).
        self._floors: dict[str, int] = {}

    def add_entry(
        self,
        provision_id: int,
        positions: Mapping[str, Sequence[str]],
        own: str,
        topic: str,
        doc_type: str,
    ) -> None:
        """Put the entry on the lists of its tracked words, at the score a one-word search for
        each gives it: build_plan's, with the word's other wordings counted as its search counts
        them, and the cover density of the word's own positions (an alias's words would add a
        little to it).

        ``positions`` are the words vector's position labels per word (search.vectors), ``own``
        the entry's compact text, ``topic`` its compact topic heading. The build's hot path
        (about 57 tracked words an entry at 200k): one loop, no object per word; in C when
        built (``list_keys``, this loop's twin).
        """
        plan = self.plan
        if plan is None:
            return
        norm = plan.k1 * (1 - plan.b + plan.b * len(own) / max(plan.avg_chars, 1.0))
        weights = plan.weights
        weight_a, weight_b, unmarked = (plan.label_weights[w] for w in "ABD")
        cover, wordings = weights.cover_density, plan.wordings
        exact, exact_tf = weights.exact, weights.exact_tf
        in_heading, opening = weights.exact_heading, weights.heading_start
        # The factors, and the key's scale (millionths).
        scale = 1_000_000.0 * (weights.container if own == topic else 1.0)
        if doc_type in plan.secondary_types:
            scale *= weights.secondary
        low = _ID_MASK - provision_id
        keys, floors = self.keys, self._floors
        if native is not None:
            numbers = (norm, weight_a, weight_b, unmarked, cover, exact, exact_tf, in_heading)
            numbers += (opening, weights.synonym, scale)
            for word in native.list_keys(
                positions, plan.tracked, wordings, own, topic, keys, floors, numbers, low,
                2 * KEPT,
            ):  # fmt: skip
                best = keys[word] = _best(keys[word])
                floors[word] = best[-1]
            return
        words = plan.tracked.intersection(positions)
        if not words:
            return
        # ts_rank_cd(weights, words, 'w', 1|32) for one word: each occurrence is a cover worth
        # its weight; the sum is divided by log(1 + the vector's positions), then r / (r + 1).
        log_length = math.log(sum(map(len, positions.values())) + 1)
        label_weight = plan.label_weights.get

        def verbatim(n: int, in_topic: bool, opens: bool) -> float:
            """build_plan's verbatim parts: the wording's count ``n`` in the text (contains it;
            saturated, ``norm`` the BM25 length part), in the topic heading, opening the text."""
            return (
                exact_tf * n / (n + norm)
                + (exact if n else 0.0)
                + (in_heading if in_topic else 0.0)
                + (opening if opens else 0.0)
            )

        for word in words:
            labels = positions[word]
            if len(labels) == 1:
                density = label_weight(labels[0][-1], unmarked) / log_length
            else:
                # Labels end in A or B, or in a digit (D): counted in C.
                marks = "".join(labels)
                heading, path = marks.count("A"), marks.count("B")
                density = (
                    heading * weight_a + path * weight_b + (len(labels) - heading - path) * unmarked
                ) / log_length
            other = wordings.get(word)
            if other is None:  # the usual word: searched as itself only
                n = own.count(word)
                score = verbatim(n, word in topic, own.startswith(word))
            else:
                score = verbatim(*_found(other[0], own, topic))
                if other[1]:
                    score += weights.synonym * verbatim(*_found(other[1], own, topic))
            score += cover * density / (density + 1)
            key = (int(score * scale + 0.5) << _ID_BITS) | low
            held = keys.get(word)
            if held is None:
                keys[word] = [key]
            elif key > floors.get(word, -1):
                held.append(key)
                if len(held) >= 2 * KEPT:
                    best = keys[word] = _best(held)
                    floors[word] = best[-1]

    def merge(self, other: Mapping[str, Sequence[int]]) -> None:
        """Take in another builder's :attr:`keys` (a worker's chunk)."""
        keys, floors = self.keys, self._floors
        for word, theirs in other.items():
            floor = floors.get(word)
            if floor is not None:
                # Most of a chunk's keys of a frequent word fall below the kept ones: dropped
                # here instead of being sorted (the parent's share of the build's CPU).
                theirs = [key for key in theirs if key > floor]
            held = keys.get(word)
            if held is None:
                keys[word] = list(theirs)
            else:
                held.extend(theirs)
                if len(held) >= 2 * KEPT:
                    best = keys[word] = _best(held)
                    floors[word] = best[-1]

    def pruned(self) -> dict[str, array]:
        """:attr:`keys` with at most KEPT per word (what a worker sends back, as int64 arrays:
        eight bytes a key to pickle)."""
        return {
            word: array("q", _best(held) if len(held) > KEPT else held)
            for word, held in self.keys.items()
        }


def _found(wordings: tuple[str, ...], own: str, topic: str) -> tuple[int, bool, bool]:
    """(occurrences of the wordings in the text, one in the topic heading, the text opens with
    one): what build_plan's verbatim parts read, for a group of wordings."""
    return (
        sum([own.count(w) for w in wordings]),
        any(w in topic for w in wordings),
        own.startswith(wordings),
    )


def best_first(keys: Mapping[str, list[int]]) -> dict[str, list[int]]:
    """word → provision ids, best first, from :attr:`TopLists.keys`."""
    return {
        word: [_ID_MASK - (key & _ID_MASK) for key in sorted(held, reverse=True)[:KEPT]]
        for word, held in keys.items()
    }


def _best(held: list[int]) -> list[int]:
    # Sorted and cut only once twice KEPT have gathered: a sort per KEPT entries added.
    return sorted(held, reverse=True)[:KEPT]
