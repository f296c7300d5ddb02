"""“您是不是要找”: near-miss corrections (one character substituted, missing or extra).

Candidates come from pg_trgm ``word_similarity`` over the learned dictionary and the policy
titles, and from clause texts holding part of the query with one edit (through the grams
index); a candidate is offered when it is one edit away from part of the query and occurs far
more often than what was typed.
"""

from __future__ import annotations

import re

from portal.routers import read_connection as connection
from search import segment
from search.indexing import held_bigrams
from search.normalize import compact, normalize_query
from search.query.catalog import loaded_catalog
from search.query.params import MAX_QUERY_CHARS
from search.query.plan import like_escaped, substring_sql, tsquery_and

MIN_SIMILARITY = 0.3
MIN_CHARS = 3
MAX_WINDOW = 12
# Clause texts read for corrections (the learned dictionary holds only marked terms), and the
# near-miss patterns they are looked for by: characters of context on each side of an edit.
CORPUS_CANDIDATES = 5
CONTEXT = 3
MAX_PATTERNS = 40
MAX_PATTERN_ROWS = 5000
# Offer a correction when the typed text occurs nowhere and the correction does, or when the
# correction occurs at least FAR_BETTER times as often.
FAR_BETTER = 10
COUNT_CAP = 200
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_ALL_CJK_RE = re.compile(r"^[\u3400-\u9fff]+$")


def _occurrences(text: str) -> int:
    sql, params = substring_sql(text)
    if not sql:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM search_searchentry e WHERE {sql} "
            f"LIMIT {COUNT_CAP}) x",
            params,
        )
        return cursor.fetchone()[0]


def suspicious(text: str) -> bool:
    """Does the text segment into a stray single character (可信数据空问 → … 空 / 问)? A typo
    inside a word leaves one; a query of whole words (数据标注产业) is not second-guessed."""
    from search.query.parse import STOPWORDS

    return any(
        len(word) == 1 and _CJK_RE.match(word) and word not in STOPWORDS
        for word, _, _ in segment.segment(text)
    )


def _candidates(text: str) -> list[str]:
    """Dictionary terms and titles that contain something like the text (pg_trgm
    ``word_similarity``: small tables, no index), then clause texts that contain part of the
    text with one edit (:func:`near_miss_patterns`, through the grams index)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t FROM (
                SELECT term AS t FROM search_dictionaryterm
                UNION SELECT title FROM policies_policy
                UNION SELECT short_title FROM policies_policy WHERE short_title <> ''
            ) c
            WHERE word_similarity(%s, t) >= %s
            ORDER BY word_similarity(%s, t) DESC, t LIMIT 20
            """,
            [text, MIN_SIMILARITY, text],
        )
        found = [row[0] for row in cursor.fetchall()]
        # One clause per pattern, the most specific first, until enough are found.
        texts: dict[str, None] = {}
        for grams, pattern in near_miss_patterns(text)[:MAX_PATTERNS]:
            cursor.execute(
                "SELECT e.compact FROM search_searchentry e "
                "WHERE e.grams @@ %s::tsquery AND (e.compact || '') LIKE %s LIMIT 1",
                [grams, pattern],
            )
            texts.update((row[0], None) for row in cursor.fetchall())
            if len(texts) >= CORPUS_CANDIDATES:
                break
        return found + list(texts)


def near_miss_patterns(text: str) -> list[tuple[str, str]]:
    """``(grams tsquery, LIKE pattern)`` for every one-edit variant of a part of ``text``: a
    character substituted or missing (``_`` in its place) or one too many (left out), between
    up to CONTEXT characters of the text on each side. Longest contexts first: the most
    specific.

    A clause a pattern finds holds a part of the text one edit away, which is what
    :func:`_corrections` looks for (a trigram index over every clause text did this before, by
    similarity; it was the index phase's second-largest build, for this alone). The grams
    narrow each pattern down; a pattern whose rarest gram the statistics put in more than
    MAX_PATTERN_ROWS entries is left out — finding nothing, it would check all of them (据要 &
    要素 for 数_据要素: 144 ms at 200k entries).
    """
    catalog = loaded_catalog()
    found: dict[tuple[str, str], int] = {}

    def add(left: str, right: str, gap: str) -> None:
        # With nothing between them, the two sides join into one run of bigrams.
        parts = (left + right,) if not gap else (left, right)
        grams = list(dict.fromkeys(g for part in parts for g in held_bigrams(part)))
        if not grams or len(left) + len(right) + len(gap) < MIN_CHARS:
            return
        rarest = min(catalog.gram_share.get(g, 0.0) for g in grams)
        if rarest * catalog.entries > MAX_PATTERN_ROWS:
            return
        # The grams the statistics list as frequent add little to the rarest ones.
        rare = [g for g in grams if g not in catalog.gram_share]
        pattern = f"%{like_escaped(left)}{gap}{like_escaped(right)}%"
        found.setdefault((tsquery_and(rare or grams), pattern), len(left + right))

    for i in range(len(text) + 1):
        before = text[max(0, i - CONTEXT) : i]
        add(before, text[i : i + CONTEXT], "_")  # one missing before text[i] (or at the end)
        if i < len(text):
            after = text[i + 1 : i + 1 + CONTEXT]
            add(before, after, "_")  # text[i] substituted
            if before and after:
                add(before, after, "")  # text[i] one too many
    return sorted(found, key=lambda key: -found[key])


def _corrections(text: str, candidate: str) -> list[tuple[str, str]]:
    """(typed window, corrected window) pairs, largest windows first: a window of the query
    (MIN_CHARS to MAX_WINDOW characters) one edit away from a part of the candidate."""
    cand = compact(normalize_query(candidate))
    substituted: dict[str, str] = {}  # part with one character blanked → part
    shortened: dict[str, str] = {}  # part with one character dropped → part
    parts: set[str] = set()
    for size in range(MIN_CHARS, min(len(cand), MAX_WINDOW + 1) + 1):
        for j in range(len(cand) - size + 1):
            part = cand[j : j + size]
            parts.add(part)
            for i in range(size):
                substituted.setdefault(part[:i] + "\0" + part[i + 1 :], part)
                shortened.setdefault(part[:i] + part[i + 1 :], part)
    for size in range(min(len(text), MAX_WINDOW), MIN_CHARS - 1, -1):
        found: list[tuple[str, str]] = []
        for start in range(len(text) - size + 1):
            window = text[start : start + size]
            if window in parts or not _ALL_CJK_RE.match(window):
                continue
            for i in range(size):
                key = window[:i] + "\0" + window[i + 1 :]
                if key in substituted:
                    found.append((window, substituted[key]))  # one character substituted
                fewer = window[:i] + window[i + 1 :]
                # Interior only: dropping an end character just truncates the window.
                if 0 < i < size - 1 and len(fewer) >= MIN_CHARS and fewer in parts:
                    found.append((window, fewer))  # one character too many
            if window in shortened:
                found.append((window, shortened[window]))  # one character missing
        if found:
            return list(dict.fromkeys(found))
    return []


def corrected_queries(query: str, limit: int = 3) -> list[str]:
    """Queries with one near-miss part corrected, when the correction matches far better."""
    text = compact(normalize_query(query))[:MAX_QUERY_CHARS]
    if len(text) < MIN_CHARS or not _CJK_RE.search(text) or not suspicious(text):
        return []
    offers: list[tuple[int, int, str]] = []
    tried: set[tuple[str, str]] = set()
    for candidate in _candidates(text):
        for window, part in _corrections(text, candidate):
            if (window, part) in tried or len(tried) >= 6:
                continue
            tried.add((window, part))
            typed, fixed = _occurrences(window), _occurrences(part)
            if (typed == 0 and fixed > 0) or fixed >= FAR_BETTER * typed > 0:
                source = query if window in query else text
                offers.append((len(window), fixed, source.replace(window, part)))
    if not offers:
        return []
    # The correction that explains most of the query, then the most frequent wording.
    widest = max(size for size, _, _ in offers)
    offers = sorted((o for o in offers if o[0] == widest), key=lambda o: (-o[1], o[2]))
    return list(dict.fromkeys(q for _, _, q in offers))[:limit]


def similar_terms(query: str, limit: int = 5) -> list[str]:
    """Dictionary terms similar to the query (pg_trgm similarity), when nothing matches at all."""
    text = compact(normalize_query(query))[:MAX_QUERY_CHARS]
    if not text:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT term FROM search_dictionaryterm
            WHERE word_similarity(%s, term) > 0.3 OR similarity(term, %s) > 0.2
            ORDER BY greatest(word_similarity(%s, term), similarity(term, %s)) DESC, term
            LIMIT %s
            """,
            [text, text, text, text, limit],
        )
        return [row[0] for row in cursor.fetchall()]
