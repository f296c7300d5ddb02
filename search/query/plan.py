"""The SQL of a search: which entries match (the plan) and the score expression.

A clause matches a term by its own text, heading or heading path — the words vector restricted
to weights A, B and D, the exact substring of ``compact`` (heading + text), or, for a term the
document's metadata answers (its body, 发文字号, date, publication, authors), by belonging to that
document, provided it matches at least one term itself. A match through the policy title alone
is a document result (see :mod:`search.query.documents`), never all of its clauses.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from policies.vocabulary import COMMENTARY_TYPES
from portal.routers import read_connection as connection
from search.indexing import GRAM_RUN_RE, quote_lexeme, run_bigrams
from search.query.catalog import Catalog, loaded_catalog
from search.query.params import SearchParams
from search.query.parse import Term
from search.query.weights import RankingWeights

# Bigrams used to pre-filter a long substring through the grams index (LIKE then checks exactly).
MAX_PREFILTER_GRAMS = 6
# Cap on rows counted per word when estimating IDF for partial matches.
IDF_COUNT_CAP = 50_000
# ts_rank_cd's weights of the words vector's positions: {D text, C context, B path, A heading}.
COVER_WEIGHTS = (0.35, 0.05, 0.5, 1.0)
BM25_K1 = 1.2
BM25_B = 0.75
# Document types that comment on policies rather than set them.
SECONDARY_TYPES = COMMENTARY_TYPES
# Weights of the words vector a clause's own match may use: all it has (A heading, B heading
# path, D text; see search.vectors). No restriction, so GIN answers the match without a recheck.
OWN_WEIGHTS = ""


def f8(value: float, spec: str = "") -> str:
    """A constant of the score, typed float8: a bare ``0.5`` is numeric in SQL, and with it the
    score did numeric arithmetic per row and converted the sum to float8 through text — scoring
    C2M's 687 matches at 200k took 10.8 ms, 7.2 with float8 constants."""
    return f"{value:{spec}}::float8"


def like_escaped(text: str) -> str:
    """``text`` matched literally inside a LIKE pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_pattern(text: str) -> str:
    return f"%{like_escaped(text)}%"


# ``@@@`` is ``@@`` (the same function) that only the GIN index supports, not RUM: a match
# that is not ranked in the index is a bitmap scan, and RUM's bitmap scans read its positions
# and orderings too — 数据安全 保障 体系 at 1M entries: 71 ms through RUM, 22 ms through GIN,
# which the planner's costs would not pick. The RUM index serves only ``ORDER BY <=>``.
MATCH = "@@@"


def tsquery_and(words: list[str], weights: str = "") -> str:
    suffix = f":{weights}" if weights else ""
    return " & ".join(quote_lexeme(w) + suffix for w in words)


def tsquery_or(words: list[str]) -> str:
    return " | ".join(quote_lexeme(w) for w in dict.fromkeys(words))


def substring_sql(substring: str) -> tuple[str, list]:
    text = substring.replace(" ", "")
    runs = GRAM_RUN_RE.findall(text)
    if not runs:
        return "", []  # punctuation alone (the parser drops such terms): no grams hold it
    if runs == [text] and len(text) <= 2:
        # A held bigram is a lexeme; a held character begins one (see gram_lexemes). Exact.
        return "e.grams @@ %s::tsquery", [quote_lexeme(text) + (":*" if len(text) == 1 else "")]
    grams = run_bigrams(runs)  # the runs found above: held_bigrams(text) would find them again
    if grams:
        # A bigram in most entries (数据) filters out little and its posting list is most of
        # the table: leave it to the LIKE check, as long as two others remain.
        common = loaded_catalog().common_grams()
        rarer = [g for g in grams if g not in common]
        if len(rarer) >= 2:
            grams = rarer
        if len(grams) > MAX_PREFILTER_GRAMS:
            step = (len(grams) - 1) / (MAX_PREFILTER_GRAMS - 1)
            grams = [grams[round(i * step)] for i in range(MAX_PREFILTER_GRAMS)]
        prefilter = tsquery_and(list(dict.fromkeys(grams)))
    else:  # single characters between punctuation: entries holding each of them
        prefilter = " & ".join(quote_lexeme(c) + ":*" for c in dict.fromkeys(runs))
    # The LIKE is only the recheck of the grams' candidates, written so that no index on
    # ``compact`` could serve it: the planner misjudges how many entries bigrams match, and when
    # a trigram index existed ANDing both bitmaps cost their sum (at 1M entries, counting the
    # bench's six-character quoted phrase took 92–99 ms with both, 54–62 ms by the grams alone).
    return "(e.grams @@ %s::tsquery AND (e.compact || '') LIKE %s)", [
        prefilter,
        like_pattern(substring),
    ]


def own_sql(term: Term) -> tuple[str, list]:
    """Does the entry's own text, heading or heading path match the term (any variant)?"""
    parts: list[str] = []
    params: list = []
    for variant in term.variants:
        if variant.words:
            parts.append(f"e.words {MATCH} %s::tsquery")
            params.append(tsquery_and(variant.words, OWN_WEIGHTS))
        sql, p = substring_sql(variant.substring)
        if sql:
            parts.append(sql)
            params.extend(p)
    if not parts:
        return "FALSE", []
    return "(" + " OR ".join(parts) + ")", params


def term_sql(term: Term, policy_ids: list[int] | None = None) -> tuple[str, list]:
    """own_sql, or the entry belongs to a document whose metadata answers the term."""
    sql, params = own_sql(term)
    if policy_ids:
        return f"({sql} OR e.policy_id = ANY(%s))", [*params, policy_ids]
    return sql, params


def _substrings(term: Term, synonyms: bool) -> list[str]:
    return [v.substring for v in term.variants if v.substring and (v.kind == "synonym") == synonyms]


def occurrences_sql(substrings: list[str]) -> tuple[str, list]:
    """Verbatim occurrences of the substrings in the entry's ``compact`` text, as float8.

    A row feature (see :class:`Plan`): computed once per row, read by the exact-match and the
    occurrence-count parts of the score.
    """
    # Occurrences counted in bytes: the same count (the server matches whole characters), and
    # octet_length reads the length word where char_length walks the text — it was four
    # walks per term and row, a third of the scoring's text work.
    sql = " + ".join(
        "(octet_length(e.compact) - octet_length(replace(e.compact, %s, ''))) "
        "/ octet_length(%s)::float8"
        for _ in substrings
    )
    return f"({sql})", [x for v in substrings for x in (v, v)]


def saturated_sql(count: str, avg_chars: float) -> str:
    """BM25-style saturation of an occurrence count (a row feature), in [0, 1): short clauses
    that state a term beat long ones that mention it in passing (k1, b as BM25). Reads the
    row feature ``e._chars``, the text's length in characters."""
    return (
        f"({count} / ({count} + {f8(BM25_K1)} * (1 - {f8(BM25_B)} + {f8(BM25_B)} * "
        f"e._chars / {f8(max(avg_chars, 1.0), '.3f')})))"
    )


def exact_sql(substrings: list[str], column: str, *, prefix: bool = False) -> tuple[str, list]:
    """Does the entry's ``column`` contain (``prefix``: start with) one of them? As 0/1."""
    pats = [like_pattern(s) for s in substrings]
    if prefix:
        pats = [p[1:] for p in pats]
    if not pats:
        return "0", []
    return f"(CASE WHEN e.{column} LIKE ANY(%s) THEN 1 ELSE 0 END)", [pats]


@dataclass
class Plan:
    where: str
    params: list
    score: str
    score_params: list
    # Row features the score reads as ``e._n0``, ``e._chars``…: SELECT-list items over the
    # entry ``e``, each computed once per scored row (PostgreSQL would evaluate an expression
    # as often as it is written).
    features: str = ""
    feature_params: list = field(default_factory=list)
    coverage: str = "0"
    coverage_params: list = field(default_factory=list)
    # Does the entry match every term of the query (the strict conjunction)?
    full: str = "TRUE"
    full_params: list = field(default_factory=list)
    # The conditions other than the positive terms (exclusions, filters), for candidate retrieval.
    rest_where: str = "TRUE"
    rest_params: list = field(default_factory=list)
    selectivity: float = 0.0  # estimated share of entries that match (see Catalog.selectivity)
    # What the statistics allow at most: the least frequent term's share (any term: the sum).
    most_share: float = 0.0
    # The share of entries the statistics vouch match (see Catalog.known_share), or None.
    known_share: float | None = None
    partial: bool = False  # entries matching only some terms take part
    # One tsquery an entry matching by its own words alone satisfies, and that implies every
    # positive term: a cheap lower bound of the match set (see facets.facets_and_total), or "".
    words_probe: str = ""


def filters(params: SearchParams, catalog: Catalog) -> tuple[list[str], list]:
    where: list[str] = []
    args: list = []
    if params.body:
        body_id = catalog.body_id_by_slug.get(params.body)
        where.append("e.body_ids @> ARRAY[%s]::integer[]")  # as the filters' index answers
        args.append(body_id if body_id is not None else -1)
    if params.type:
        where.append("e.doc_type = %s")
        args.append(params.type)
    if params.status:
        where.append("e.status = %s")
        args.append(params.status)
    if params.year_from is not None:
        where.append("e.year >= %s")
        args.append(params.year_from)
    if params.year_to is not None:
        where.append("e.year <= %s")
        args.append(params.year_to)
    if params.policy:
        policy = catalog.policy_by_slug.get(params.policy)
        where.append("e.policy_id = %s")
        args.append(policy.pk if policy else -1)
    return where, args


def full_match(terms: list[Term], meta_ids: list[list[int]]) -> tuple[str, list]:
    """Every positive term matched (own or through metadata), at least one by the clause itself."""
    parts: list[str] = []
    args: list = []
    for term, ids in zip(terms, meta_ids, strict=True):
        sql, p = term_sql(term, ids)
        parts.append(sql)
        args.extend(p)
    if any(meta_ids):
        owns = [own_sql(t) for t in terms]
        parts.append("(" + " OR ".join(sql for sql, _ in owns) + ")")
        for _, p in owns:
            args.extend(p)
    return " AND ".join(parts) or "TRUE", args


def build_plan(
    terms: list[Term],
    meta_ids: list[list[int]],
    params: SearchParams,
    catalog: Catalog,
    weights: RankingWeights,
    *,
    defines: str = "",
    partial_terms: list[Term] | None = None,
    idf: list[float] | None = None,
) -> Plan:
    """The plan for ``terms`` (all required) or, with ``partial_terms``, for any of those.

    ``meta_ids[i]`` lists the documents whose metadata answers positive term ``i``.
    """
    positive = [t for t in terms if not t.negated]
    negative = [t for t in terms if t.negated]
    full, full_args = full_match(positive, meta_ids)
    rest: list[str] = []
    rest_args: list = []
    for term in negative:
        sql, p = own_sql(term)
        rest.append(f"NOT {sql}")
        rest_args.extend(p)
    filter_sql, filter_args = filters(params, catalog)
    rest.extend(filter_sql)
    rest_args.extend(filter_args)

    # Verbatim features score the terms as typed, so that clauses matching everything rank as
    # they would without partial matches; partial matches add coverage and cover density.
    scoring = positive
    words_of = positive
    where: list[str] = []
    args: list = []
    partial_conditions: list[tuple[str, list]] = []
    if partial_terms is not None:
        words_of = [t for t in partial_terms if not t.negated]
        partial_conditions = [own_sql(t) for t in words_of]
        where.append("(" + " OR ".join(sql for sql, _ in partial_conditions) + ")")
        for _, p in partial_conditions:
            args.extend(p)
    else:
        where.append(full)
        args.extend(full_args)
    where.extend(rest)
    args.extend(rest_args)

    score_parts: list[str] = []
    score_args: list = []
    words = [w for t in words_of for w in t.typed_words]
    if words and weights.cover_density:
        # COVER_WEIGHTS; 1|32: damp long texts, into [0, 1). (search.impacts computes the same
        # for one word while building the entries.)
        cover = "{" + ", ".join(map(str, COVER_WEIGHTS)) + "}"
        score_parts.append(
            f"{f8(weights.cover_density)} * ts_rank_cd('{cover}', e.words, %s::tsquery, 1|32)"
        )
        score_args.append(tsquery_or(words))
    n = max(len(scoring), 1)
    features: list[str] = []
    feature_args: list = []
    for term in scoring:
        for synonyms, factor in ((False, 1.0), (True, weights.synonym)):
            subs = _substrings(term, synonyms)
            if not subs or not factor:
                continue
            count = "0"
            if weights.exact or weights.exact_tf:
                # One count per row, for both parts below (it was a LIKE and two counts).
                count = f"e._n{len(features)}"
                sql, p = occurrences_sql(subs)
                features.append(f"{sql} AS _n{len(features)}")
                feature_args.extend(p)
            for sql, p, weight in (
                # Contains the term: a LIKE would say the same, at another read of the text.
                (f"(CASE WHEN {count} > 0 THEN 1 ELSE 0 END)", [], weights.exact),
                (saturated_sql(count, catalog.avg_chars), [], weights.exact_tf),
                (*exact_sql(subs, "topic_heading_compact"), weights.exact_heading),
                # A clause that opens with the term (its heading or first words) is about it.
                (*exact_sql(subs, "compact", prefix=True), weights.heading_start),
            ):
                if weight:
                    score_parts.append(f"{f8(weight * factor / n, '.6f')} * {sql}")
                    score_args.extend(p)
    if features:
        features.append("char_length(e.compact) AS _chars")
    if defines and weights.definition:
        patterns = [
            like_pattern(f"{defines}{verb}")
            for verb in ("是", "指", "即", "主要是", "是指", "就是")
        ] + [like_pattern(f"所谓{defines}"), like_pattern(f"{defines}(以下简称")]
        score_parts.append(
            f"{f8(weights.definition)} * (CASE WHEN e.compact LIKE ANY(%s) THEN 1 ELSE 0 END)"
        )
        score_args.append(patterns)
    # Partial matches rank by how much of the query (IDF-weighted) they cover; added after the
    # per-document damping (see rank.ranked_hits), and only to clauses that miss a term.
    coverage_parts: list[str] = []
    coverage_args: list = []
    if partial_conditions and idf and weights.coverage:
        total = sum(idf) or 1.0
        for (sql, p), weight in zip(partial_conditions, idf, strict=True):
            coverage_parts.append(
                f"{f8(weights.coverage * weight / total, '.6f')} * (CASE WHEN {sql} THEN 1 ELSE 0 END)"
            )
            coverage_args.extend(p)
    # A heading without text of its own (a 章/节 container) says less than a clause: its
    # children carry the heading as context, so they should not be crowded out by it.
    # Commentary (articles, interpretations) ranks a little below the policies themselves when
    # both say the same thing: the knowledge base is about what policies set.
    # A clause that has a term only through a synonym counts less than one with the words typed.
    for term in positive:
        typed = [v for v in term.variants if v.kind != "synonym"]
        if weights.synonym and len(typed) < len(term.variants):
            sql, p = own_sql(Term(text=term.text, variants=typed))
            score_parts = [f"({' + '.join(score_parts) or '0'})"]
            score_parts[0] += f" * (CASE WHEN {sql} THEN 1 ELSE {f8(weights.synonym)} END)"
            score_args.extend(p)
    score = (
        f"({' + '.join(score_parts) or '0'})"
        f" * (CASE WHEN e.compact = e.topic_heading_compact THEN {f8(weights.container)} ELSE 1 END)"
        f" * (CASE WHEN e.doc_type = ANY(%s) THEN {f8(weights.secondary)} ELSE 1 END)"
    )
    score_args.append(list(SECONDARY_TYPES))
    shares = [catalog.selectivity(t) for t in words_of]
    if partial_terms is not None:
        selectivity = min(1.0, sum(shares))
    else:
        selectivity = math.prod(shares) if shares else 0.0
    return Plan(
        where=" AND ".join(where) or "TRUE",
        params=args,
        score=score,
        score_params=score_args,
        features=", ".join(features),
        feature_params=feature_args,
        coverage=" + ".join(coverage_parts) or "0",
        coverage_params=coverage_args,
        full=full,
        full_params=full_args,
        rest_where=" AND ".join(rest) or "TRUE",
        rest_params=rest_args,
        selectivity=selectivity,
        # At most the rarest term's share, or — any term matching — their sum.
        most_share=selectivity if partial_terms is not None else min(shares, default=0.0),
        known_share=known_share(words_of, catalog) if partial_terms is None else None,
        partial=partial_terms is not None,
        # One term: the full conditions count little more than its words alone (C2M at 200k:
        # 9.5 ms, and 7.7 ms more for the probe first).
        words_probe=words_probe(positive) if partial_terms is None and len(positive) > 1 else "",
    )


def words_probe(terms: list[Term]) -> str:
    """A tsquery requiring, for every term, all words of one of its variants ("" when a term has
    no words: a quoted phrase or an unsegmentable string). An entry that matches it matches
    each term by its own words (own_sql), so it satisfies the whole conjunction: one GIN scan,
    which skips through the frequent words' posting lists, instead of a bitmap per word and
    per substring path."""
    clauses = []
    for term in terms:
        alternatives = [
            tsquery_and(v.words, OWN_WEIGHTS) for v in term.variants if v.words and not term.phrase
        ]
        if not alternatives:
            return ""
        clauses.append("(" + " | ".join(f"({a})" for a in dict.fromkeys(alternatives)) + ")")
    return " & ".join(clauses)


def known_share(terms: list[Term], catalog: Catalog) -> float | None:
    """Share of entries matching every term by the statistics (independent terms), or None
    when a term's share is not known."""
    shares = [catalog.known_share(t) for t in terms]
    if not shares or None in shares:
        return None
    return math.prod(shares)


def fetchall(
    sql: str, params: list, *, allow_seqscan: bool = False, ordered_index_scan: bool = False
) -> list[tuple]:
    """Run a search query, by default with index access forced.

    Every search condition is indexable, but with a LIMIT the planner often prefers a
    sequential scan that evaluates ``@@`` on every row until enough rows passed; it
    underestimates what that costs (detoasting each vector), so conjunctions such as 金融 风险
    took 150–250 ms that way instead of 25 ms. ``allow_seqscan`` is for match sets so large
    that the first rows of the table already fill the LIMIT. ``ordered_index_scan`` also rules
    out bitmap scans, so that RUM returns rows in distance order and stops at the LIMIT.
    """
    # Transaction-local settings: search() runs inside one transaction (one savepoint).
    wanted = ("on" if allow_seqscan else "off", "off" if ordered_index_scan else "on")
    with connection.cursor() as cursor:
        if _planner.get() == wanted:
            cursor.execute(sql, params)
            return cursor.fetchall()
        # Sent with the statement, in one round trip: its result is the second.
        cursor.execute(
            "SELECT set_config('enable_seqscan', %s, true), "
            f"set_config('enable_bitmapscan', %s, true); {sql}",
            [*wanted, *params],
        )
        cursor.nextset()
        if _planner.get() is not _OUTSIDE:
            _planner.set(wanted)
        return cursor.fetchall()


# The planner settings fetchall() left in effect in the current search's transaction, so that
# a statement wanting the same ones skips a round trip; _OUTSIDE when no search() began one
# (then every call sets them).
_OUTSIDE = ("outside a search",)
_planner: ContextVar[tuple[str, ...]] = ContextVar("planner_settings", default=_OUTSIDE)


@contextmanager
def planner_settings_tracked():
    """Within one search's transaction: remember the settings fetchall() made (they last
    until the transaction ends, and so must this)."""
    token = _planner.set(("unknown",))
    try:
        yield
    finally:
        _planner.reset(token)


def idf(terms: list[Term], catalog: Catalog) -> list[float]:
    """IDF of each term's own-match condition.

    A term whose words PostgreSQL's statistics list as frequent (数据: 94 % of entries) is
    estimated from them: counting it would read tens of thousands of rows. The others are
    counted, capped at IDF_COUNT_CAP, in one query.
    """
    counts: list[float] = [0.0] * len(terms)
    selects: list[str] = []
    args: list = []
    counted: list[int] = []
    for i, term in enumerate(terms):
        words = term.variants[0].words if len(term.variants) == 1 else []
        if words and catalog.entries and all(w in catalog.lexeme_share for w in words):
            counts[i] = min(catalog.lexeme_share[w] for w in words) * catalog.entries
            continue
        sql, p = own_sql(term)
        selects.append(
            f"(SELECT count(*) FROM (SELECT 1 FROM search_searchentry e WHERE {sql} "
            f"LIMIT {IDF_COUNT_CAP}) x)"
        )
        args.extend(p)
        counted.append(i)
    if selects:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(selects), args)
            for i, count in zip(counted, cursor.fetchone(), strict=True):
                counts[i] = float(count)
    n = max(catalog.entries, max(counts, default=1.0), 1.0)
    return [math.log(1 + (n - df + 0.5) / (df + 0.5)) for df in counts]
