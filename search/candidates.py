"""Champion lists: precomputed, impact-ordered candidates for the most frequent lexemes.

A one-word query for a frequent lexeme (数据 is in 94 % of the entries) used to rank every match
in the RUM index at query time — reading all of them — only to keep the top few hundred for full
scoring. The ranking of one lexeme alone does not depend on the query, so it is done once at
index time: for each lexeme matching at least CHAMPION_MIN_MATCHES entries, its CHAMPIONS best
entries by the search's own score for it alone, computed while the entries are built
(:mod:`search.impacts`) — or, for a word that build did not track, the entries the RUM index
ranks highest for it — stored best first in :class:`search.models.TermCandidates`.

At query time (:func:`champion_candidates`) such a query takes its candidates from the list —
one index look-up — and scores them in full exactly as before. Entries indexed since the list
was built are kept in ``added`` and always scored too; a list that has collected more than
MAX_ADDED of them is dropped (the query falls back to the RUM stage) until the next rebuild.

Several frequent words searched together (医疗 数据 共享) walk the lists of the rarest term
(:func:`walked_candidates`), keeping the entries that meet every condition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple, Protocol

from django.db import connection

from portal.compression import fast_compression
from portal.routers import read_connection
from search.impacts import KEPT
from search.vectors import copy_field, copy_int_array, quote_lexeme

# Below this many matches the RUM stage ranks them in a few milliseconds anyway.
CHAMPION_MIN_MATCHES = 2000
# Entries per list (computed with the entries, search.impacts).
CHAMPIONS = KEPT
# Of a list in the search's own order (``scored``, see search.impacts) a one-word search takes
# this many, and a walk stops at this many holding every word: the first 100 gave the page of
# scoring every match for the bench's single words at 200k (all 10 hits of each of 区块链,
# 人工智能, 数据, 数据要素), where RUM's first 300 gave 2, 2, 6 and 7 of them.
SCORED_POOL = 100
# Entries indexed since a list was built are scored with it every time: a list that has
# collected more than this many is dropped until the next rebuild.
MAX_ADDED = 1000
# At most this many lists (the most frequent lexemes first): as many as ANALYZE lists most
# common elements of the words (ten times the statistics target, 100 by default). With 400,
# which words got lists turned on a few places of rank in the sample: 空间 was 389th at 200k
# and 402nd at 1M, so 可信数据空间 took 26 ms there one rebuild and 50–90 ms (RUM) the next;
# 区块链 (4,667 entries at 200k) was left to RUM too. 1,000 lists build in 10.6 s at 200k
# (400: 6.3 s), 34.7 s at 1M (20.8 s).
MAX_LISTS = 1000

TABLE = "search_termcandidates"


class CandidateClauses(Protocol):
    """What candidate retrieval looks for (search.query.rank.CandidateQuery)."""

    clauses: tuple[tuple[tuple[str, ...], ...], ...]
    partial: bool


class MatchedClauses(CandidateClauses, Protocol):
    """:class:`CandidateClauses` with the tsquery an entry holding every term matches."""

    match: str


class ChampionCTE(NamedTuple):
    """SQL of the candidate CTE ``c`` (for ``WITH``) and its parameters. Its column is
    ``provision_id``, as the lists hold them: the scoring stage finds the entries by it once,
    instead of a join here and a second look-up there (3 ms of 300 look-ups)."""

    sql: str
    params: list


def frequent_lexemes(table: str) -> list[str]:
    """Lexemes of ``table``'s words that match at least CHAMPION_MIN_MATCHES entries, by the
    statistics ANALYZE gathered (most common elements of the tsvector column)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT x.lexeme
            FROM pg_stats s
            JOIN pg_class c ON c.relname = s.tablename
                           AND c.relnamespace = to_regnamespace(s.schemaname)
            CROSS JOIN LATERAL unnest(s.most_common_elems::text::text[],
                                      s.most_common_elem_freqs) AS x(lexeme, share)
            WHERE s.schemaname = current_schema() AND s.tablename = %s AND s.attname = 'words'
              AND x.lexeme IS NOT NULL AND x.share * c.reltuples >= %s
            ORDER BY x.share DESC, x.lexeme
            LIMIT %s
            """,
            [table, CHAMPION_MIN_MATCHES, MAX_LISTS],
        )
        return [row[0] for row in cursor.fetchall()]


class ChampionList(NamedTuple):
    lexeme: str
    provision_ids: list[int]
    # In the search's own order (search.impacts), else RUM's.
    scored: bool


def _lists(table: str, lexemes: Sequence[str]) -> list[ChampionList]:
    """The champion list of each lexeme: RUM's own order for the one-lexeme query."""
    qn = connection.ops.quote_name
    out: list[ChampionList] = []
    with connection.cursor() as cursor:
        # RUM must return rows in distance order and stop at the LIMIT: no bitmap scan.
        cursor.execute("SET enable_bitmapscan = off")
        cursor.execute("SET enable_seqscan = off")
        try:
            for lexeme in lexemes:
                query = quote_lexeme(lexeme)
                cursor.execute(
                    f"SELECT array_agg(provision_id) FROM (SELECT e.provision_id FROM {qn(table)} e "
                    "WHERE e.words @@ %s::tsquery ORDER BY e.words <=> %s::tsquery LIMIT %s) s",
                    [query, query, CHAMPIONS],
                )
                out.append(ChampionList(lexeme, cursor.fetchone()[0] or [], False))
        finally:
            cursor.execute("RESET enable_bitmapscan")
            cursor.execute("RESET enable_seqscan")
    return out


def compute(
    table: str, *, workers: int = 1, scored: Mapping[str, list[int]] | None = None
) -> list[ChampionList]:
    """Champion lists of ``table`` (analyzed, with its RUM index); ``workers`` connections at once
    need ``table`` committed. ``scored``: lists in the search's own order computed while the
    entries were built (search.impacts), taken for the lexemes that have one; the others get
    RUM's."""
    frequent = frequent_lexemes(table)
    scored = scored or {}
    done = [ChampionList(w, scored[w], True) for w in frequent if w in scored]
    lexemes = [w for w in frequent if w not in scored]
    if workers <= 1 or len(lexemes) < 2:
        return done + _lists(table, lexemes)

    def run(part: Sequence[str]) -> list[ChampionList]:
        try:
            return _lists(table, part)
        finally:
            connection.close()  # this thread's own connection

    parts = [lexemes[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(run, parts))
    return done + [row for part in results for row in part]


def store(lists: Sequence[ChampionList]) -> None:
    """Replace every champion list (inside the caller's transaction: the swap's).

    The 1,000 lists of 3,000 ids at 200k entries took 6.6 s: pglz compressing them 6.2 s
    (lz4, where the server has it: 0.5 s), adapting each id on the client 1.5 s (one block of
    COPY text: 0.6 s).
    """
    with connection.cursor() as cursor:
        fast_compression(cursor)
        cursor.execute(f"DELETE FROM {TABLE}")
        columns = "lexeme, provision_ids, scored, added"
        with cursor.cursor.copy(f"COPY {TABLE} ({columns}) FROM STDIN") as copy:
            copy.write(
                "".join(
                    f"{copy_field(lexeme)}\t{copy_int_array(ids)}\t"
                    f"{'t' if scored else 'f'}\t{copy_int_array(())}\n"
                    for lexeme, ids, scored in lists
                )
            )


def note_entries(provision_ids: Sequence[int]) -> None:
    """Entries just (re)written by incremental indexing join the lists of the lexemes they hold,
    so that a list never misses an entry that could now rank at the top."""
    if not provision_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {TABLE} t SET added = ARRAY(SELECT DISTINCT unnest(t.added || x.ids))
            FROM (
                SELECT c.lexeme, array_agg(e.provision_id) AS ids
                FROM {TABLE} c
                JOIN search_searchentry e
                  ON e.provision_id = ANY(%s::bigint[])
                 AND tsvector_to_array(e.words) @> ARRAY[c.lexeme::text]
                GROUP BY c.lexeme
            ) x
            WHERE x.lexeme = t.lexeme
            """,
            [list(provision_ids)],
        )
        cursor.execute(f"DELETE FROM {TABLE} WHERE cardinality(added) > %s", [MAX_ADDED])


_listed: dict[tuple, dict[str, bool]] = {}


def listed_lexemes(version: tuple) -> dict[str, bool]:
    """Lexemes that have a list, and whether it is in the search's own order (``scored``),
    loaded once per index version (``IndexState``'s, which every rebuild and incremental run
    bumps — the only writers of the lists)."""
    key = (read_connection.settings_dict["NAME"], *version)
    if key not in _listed:
        with read_connection.cursor() as cursor:  # the search's connection (a replica, maybe)
            cursor.execute(f"SELECT lexeme, scored FROM {TABLE}")
            lexemes = dict(cursor.fetchall())
        _listed.clear()
        _listed[key] = lexemes
    return _listed[key]


def _taken(pool: int, reach: int) -> int:
    """Entries a search takes of a scored list: SCORED_POOL, or as deep as its page reaches."""
    return min(pool, max(SCORED_POOL, reach))


def champion_candidates(
    wanted: MatchedClauses | None,
    rest_where: str,
    rest_params: list,
    pool: int,
    version: tuple,
    reach: int = 0,
) -> ChampionCTE | None:
    """The champion-list candidate CTE ``c`` (entry ids) for a one-term search, or None.

    ``wanted`` is what candidate retrieval looks for (search.query.rank.CandidateQuery: its
    terms, each a tuple of alternatives, each a tuple of words), once common words are set
    aside — 数据 共享 looks for 共享. One term whose alternatives are one word each (a word and
    its synonyms) takes the first ``pool`` entries of each word's list — what the RUM stage
    would rank first for that word alone —, or of a list in the search's own order the first
    SCORED_POOL (or as many as the page's end, ``reach``, is deep). A word without a list is
    rare (its matches are few) and the RUM stage ranks those (with the query's filters and
    exclusions, ``rest_where``) — only those without the searched word when its list is in the
    search's own order. Under filters or exclusions the lists are walked, as for
    several words, until as many pass them (数据 共享 of type 规划 at 200k: it took the first
    1,000 of 共享's list, most of which the filter drops). Several words: see
    :func:`walked_candidates`.

    The scoring stage then requires every term and filter; the caller falls back to the next
    stage when too few survive. None when the lists cannot serve. ``version`` is the catalog's
    index version.
    """
    if not wanted or wanted.partial or _several_words(wanted.clauses):
        return None
    words = [words[0] for words in wanted.clauses[0]]
    listed = listed_lexemes(version)
    have = [w for w in words if w in listed]
    if not have:
        return None
    rare = [w for w in words if w not in listed]
    taken = _taken(pool, reach) if all(listed[w] for w in have) else pool
    if rest_where != "TRUE":
        heads, params = f"({_walk_sql(rest_where)})", [have, wanted.match, *rest_params, taken]
    else:
        heads = f"""SELECT u.provision_id
            FROM {TABLE} t
            CROSS JOIN LATERAL unnest(t.provision_ids[1:%s] || t.added) AS u(provision_id)
            WHERE t.lexeme = ANY(%s)"""
        params = [taken, have]
    if rare:
        query = " | ".join(quote_lexeme(w) for w in rare)
        match = query
        if listed.get(words[0]):
            # The searched word's list is in this search's own order, its other wordings
            # counted (search.impacts): the entries holding it are ranked there, and RUM ranks
            # only those holding a rare wording alone — 人工智能's AI at 200k: none of its 713
            # entries, 2.6 ms instead of 3.5 ms of RUM and 300 more entries scored (10 ms).
            match = f"({query}) & !{quote_lexeme(words[0])}"
        heads += f"""
            UNION
            (SELECT e.provision_id FROM search_searchentry e
             WHERE e.words @@ %s::tsquery AND {rest_where}
             ORDER BY e.words <=> %s::tsquery LIMIT %s)"""
        params += [match, *rest_params, query, pool]
    return ChampionCTE(f"c AS MATERIALIZED ({heads}),", params)


def _walk_sql(where: str) -> str:
    """The entries of the lists of some lexemes, merged by list position, that match a tsquery
    and ``where``, up to a limit. Parameters: the lexemes, the tsquery, ``where``'s, the
    limit.

    The order is stated twice: the ordered subquery (not pulled up: it sorts) lets a nested-loop
    semi join keep it and the LIMIT stop the walk; the outer ORDER BY keeps the result right
    when the planner joins otherwise (a merge join by provision id, on a fresh test database).
    An entry on two lists may come twice; the scoring stage reads the candidates as a set.
    """
    return f"""SELECT x.provision_id
            FROM (SELECT u.provision_id, u.position
                  FROM {TABLE} t,
                       unnest(t.provision_ids || t.added) WITH ORDINALITY u(provision_id, position)
                  WHERE t.lexeme = ANY(%s)
                  ORDER BY u.position, u.provision_id) x
            WHERE EXISTS (SELECT FROM search_searchentry e
                          WHERE e.provision_id = x.provision_id
                            AND e.words @@ %s::tsquery AND {where})
            ORDER BY x.position, x.provision_id
            LIMIT %s"""


def _several_words(clauses: Sequence[Sequence[Sequence[str]]]) -> bool:
    """Several terms, or a term one of whose alternatives needs several words (可信 and 空间)."""
    return len(clauses) > 1 or any(len(words) > 1 for words in clauses[0])


def walked_candidates(
    wanted: MatchedClauses | None,
    where: str,
    where_params: list,
    pool: int,
    version: tuple,
    shares: Mapping[str, float],
    reach: int = 0,
) -> ChampionCTE | None:
    """Entries of the rarest term's lists that meet every condition: the list walked from its
    head, each entry checked against its own words and ``where`` (the plan's conditions), until
    ``pool`` are found; or None.

    For several words searched together, when they match too many entries to count. The RUM
    stage ranks every entry holding all of them, and frequent words hold many together (医疗
    and 共享: 16,003 of 1M entries, 80 ms of RUM). An entry high on the list of the rarest word
    is one where that word weighs most, and of those about the share the other words have in
    the whole index hold them too (346 of 医疗's 3,000 hold 共享 and 数据), so a walk finds
    ``pool`` after a few thousand checks of 5–10 µs each (30–35 ms at 1M). One term is walked:
    the one whose alternatives' rarest words (by ``shares``, each lexeme's share of all
    entries) are rarest — and all of its words' lists, merged by position: a phrase's rarest
    word's list may hold few entries with the phrase (at 1M, 8 of 规模's 3,000 held
    "数据产业规模", 154 of 数据产业's). Every word needs a list — a word without one is rare,
    and RUM ranks what holds it quickly.

    The entries on every word's list (the stage this replaced) are those each word alone ranks
    high: long entries repeating it, where the score prefers short ones holding all the words.
    At 200k, 医疗 数据 共享's page from them had none of the 10 hits of scoring every match
    (89.9 % of its score); from the walk, all 10. Below the count cap every match is scored
    instead (search.query.run): exact, and better than the walk (区块链 医疗, 914 of 1M
    entries: the walk's candidates gave none of the exact page).
    """
    if not wanted or wanted.partial or not _several_words(wanted.clauses):
        return None  # one word: its list is ranked for it already
    clauses = wanted.clauses
    listed = listed_lexemes(version)
    if any(w not in listed for alternatives in clauses for ws in alternatives for w in ws):
        return None

    def rarest(words: Sequence[str]) -> str:
        return min(words, key=lambda w: (shares.get(w, 0.0), w))

    # The term whose alternatives' rarest words are rarest: every word of it is walked.
    chosen = min(
        clauses,
        key=lambda alternatives: (
            sum(shares.get(rarest(ws), 0.0) for ws in alternatives),
            [rarest(ws) for ws in alternatives],
        ),
    )
    walked = [w for ws in chosen for w in ws]
    if all(listed[w] for w in walked):
        pool = _taken(pool, reach)
    sql = f"c AS MATERIALIZED ({_walk_sql(where)}),"
    return ChampionCTE(sql, [sorted(set(walked)), wanted.match, *where_params, pool])
