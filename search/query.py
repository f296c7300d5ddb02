"""Clause search: :func:`search` is the one function the page and the API call.

How a query runs (all user text is data, passed as parameters; tsquery input is built here from
quoted lexemes, never parsed from user syntax):

1. Normalize (OpenCC t2s, full-width → half-width, lowercase) and split into terms:
   ``"quoted phrase"`` (exact), ``-term`` (exclusion), plain terms.
2. A plain term matches an entry when its words all occur (jieba, same dictionary as the index;
   function words dropped) **or** the term occurs as an exact substring — via the pg_trgm index
   on ``compact`` for 3+ characters, the character-bigram vector for 1–2 characters. A term that
   is an issuing body's name or alias matches any of that body's names (发改委 → 国家发展改革委).
3. Terms are ANDed; when that finds nothing, the query is relaxed to any of its significant
   words, ranked by how much of the query (IDF-weighted) an entry covers.
4. Ranking: cover density (``ts_rank_cd``, heading above body, policy context lowest), exact
   substring in the text and in the heading; document intent (the query names a body, a
   发文字号 or a title) lifts the best entry of each intended policy to the top. Ties break by
   policy and reading order, so results are stable.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field

from django.db import transaction

from portal.routers import read_alias, reading
from portal.routers import read_connection as connection
from search import segment
from search.candidates import ChampionCTE, champion_candidates
from search.dictionary import ensure_loaded
from search.highlight import snippet
from search.indexing import quote_lexeme
from search.normalize import compact, normalize_query

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
MAX_LIMIT = 100
MAX_OFFSET = 10_000
# Bigrams used to pre-filter a long substring through the grams index (LIKE then checks exactly).
MAX_PREFILTER_GRAMS = 6
# Cap on rows counted per word when estimating IDF for relaxed queries.
IDF_COUNT_CAP = 50_000
# Damping of each further entry of the same policy in the ranking (see _hits).
DIVERSITY = 0.85
BM25_K1 = 1.2
# Document types that comment on policies rather than set them, and their score factor.
SECONDARY_TYPES = ("文章", "解读", "评论", "新闻", "报道")
SECONDARY_FACTOR = 0.85
BM25_B = 0.75
# Score factor for entries that are only a heading (containers whose text is in their children).
CONTAINER_FACTOR = 0.6
# Match sets are counted exactly up to COUNT_CAP; beyond it the total is reported as
# "COUNT_CAP+" (``total_is_estimate``) and facets describe the first COUNT_CAP matches only:
# counting 187k matches of 数据 reads every one of them (over a second at 200k entries).
COUNT_CAP = 1000
# Let the planner scan the table sequentially for counting when at least this share of
# entries is estimated to match (数据: 94 %): the first rows then fill COUNT_CAP sooner than
# GIN can list 187k matches. Below it, counting goes through the indexes.
SEQSCAN_SELECTIVITY = 0.3
# With the RUM index, a match set larger than this is ranked in full only on the CANDIDATES
# entries RUM ranks highest (in the index, by cover density of the query words); see _hits.
CANDIDATES = 300
RUM_INDEX = "search_entry_words_rum"
# Extra weight when the entry's own text (heading first) starts with the term.
HEADING_START = 0.2

# Function and question words: they carry no topic, so a term's words-path ignores them.
STOPWORDS = frozenset(
    """的 了 吗 呢 吧 啊 和 与 及 或 在 是 对 为 把 被 将 于 以 之 其 这 那 有 要 也 都 就 并 而 等
    如何 怎么 怎样 什么 哪些 哪个 哪里 是否 有没有 有关 关于 请问 怎么样 为什么 多少 以及 进行
    相关 方面 一下 我们 我 你 他 它 哪 吗 么""".split()
)

_TERM_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_HAS_CONTENT_RE = re.compile(r"[\w]", re.UNICODE)


class InvalidQuery(ValueError):
    """The parameters cannot be searched (the message says why, for a 4xx answer)."""


@dataclass(frozen=True)
class SearchParams:
    q: str
    limit: int = 10
    offset: int = 0
    body: str | None = None  # IssuingBody.slug
    type: str | None = None  # Policy.doc_type
    status: str | None = None
    year_from: int | None = None
    year_to: int | None = None

    def validate(self) -> None:
        if not (1 <= self.limit <= MAX_LIMIT):
            raise InvalidQuery(f"limit must be between 1 and {MAX_LIMIT}")
        if not (0 <= self.offset <= MAX_OFFSET):
            raise InvalidQuery(f"offset must be between 0 and {MAX_OFFSET}")
        for name in ("year_from", "year_to"):
            value = getattr(self, name)
            if value is not None and not (1000 <= value <= 9999):
                raise InvalidQuery(f"{name} must be a four-digit year")


@dataclass
class Hit:
    policy_slug: str
    policy_title: str
    doc_number: str
    eid: str
    num: str
    heading: str
    path: list[str]
    text: str
    snippet: str
    score: float
    url: str


@dataclass
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class Results:
    query: str
    total: int = 0
    # True when total is a lower bound (COUNT_CAP) and facets describe only the first matches.
    total_is_estimate: bool = False
    items: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    limit: int = 10
    offset: int = 0
    relaxed: bool = False
    message: str = ""
    suggestions: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- query parsing --


@dataclass
class Variant:
    """One way a term can match: its words (AND) and/or its exact substring."""

    words: list[str]
    substring: str


@dataclass
class Term:
    text: str
    variants: list[Variant]
    phrase: bool = False
    negated: bool = False

    @property
    def all_words(self) -> list[str]:
        return [w for v in self.variants for w in v.words]


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _significant_words(text: str) -> list[str]:
    words = [slot.word for slot in segment.lexemes(text)]
    kept = [w for w in words if w not in STOPWORDS]
    return kept or words


def _make_variant(text: str, phrase: bool) -> Variant:
    return Variant(words=[] if phrase else _significant_words(text), substring=compact(text))


def parse_terms(normalized_query: str, catalog: Catalog) -> list[Term]:
    terms: list[Term] = []
    for match in _TERM_RE.finditer(normalized_query):
        if match.group(3) is not None:
            raw = match.group(3)
            negated = raw.startswith("-") and len(raw) > 1
            text, phrase = (raw[1:] if negated else raw), False
        else:
            negated, text, phrase = bool(match.group(1)), match.group(2).strip(), True
        if not _HAS_CONTENT_RE.search(text):
            continue  # operators and punctuation only: nothing to look for
        text = text[:MAX_QUERY_CHARS]
        variants = [_make_variant(text, phrase)]
        for alias in catalog.aliases_of(compact(text)):
            variants.append(_make_variant(alias, phrase=False))
        terms.append(Term(text=text, variants=variants, phrase=phrase, negated=negated))
        if len(terms) >= MAX_TERMS:
            break
    return terms


# ------------------------------------------------------------------------------- catalog --


@dataclass
class Catalog:
    """Policies and bodies as the query needs them (aliases, document intent, facet labels)."""

    version: tuple[int, int] = (-1, -1)
    # compact name/alias → all compact names of that body
    body_names: dict[str, list[str]] = field(default_factory=dict)
    body_by_name: dict[str, int] = field(default_factory=dict)
    body_label: dict[int, tuple[str, str]] = field(default_factory=dict)  # id → (slug, name)
    body_id_by_slug: dict[str, int] = field(default_factory=dict)
    avg_chars: float = 150.0  # mean length of an entry's compact text
    # (policy id, compact title, compact short title, compact 发文字号, lead body, body ids)
    policies: list[tuple[int, str, str, str, int | None, tuple[int, ...]]] = field(
        default_factory=list
    )

    # Share of entries containing each frequent lexeme (PostgreSQL's statistics of the words
    # vector); lexemes not listed are rarer than ``rare_share``.
    lexeme_share: dict[str, float] = field(default_factory=dict)
    rare_share: float = 0.0

    def selectivity(self, term: Term) -> float:
        """Estimated share of entries a term matches (its words' rarest lexeme, per variant)."""
        total = 0.0
        for variant in term.variants:
            words = variant.words or [variant.substring]
            total += min(self.lexeme_share.get(w, self.rare_share) for w in words)
        return min(total, 1.0)

    def aliases_of(self, compact_term: str) -> list[str]:
        names = self.body_names.get(compact_term, [])
        return [n for n in names if n != compact_term]


_catalog = Catalog()
_catalog_lock = threading.Lock()
_PUNCT_RE = re.compile(r"[^\w]", re.UNICODE)


def _load_catalog(version: tuple[int, int]) -> Catalog:
    from policies.models import IssuingBody, Policy, PolicyBody

    catalog = Catalog(version=version)
    for body in IssuingBody.objects.all():
        names = [compact(normalize_query(n)) for n in body.all_names if n]
        for name in names:
            catalog.body_names[name] = names
            catalog.body_by_name[name] = body.pk
        catalog.body_label[body.pk] = (body.slug, body.name)
        catalog.body_id_by_slug[body.slug] = body.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT avg(char_length(compact)) FROM search_searchentry")
        catalog.avg_chars = float(cursor.fetchone()[0] or 150.0)
        cursor.execute(
            """
            SELECT x.lexeme, x.share
            FROM pg_stats s,
                 unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs)
                     AS x(lexeme, share)
            WHERE s.tablename = 'search_searchentry' AND s.attname = 'words'
              AND x.lexeme IS NOT NULL
            """
        )
        catalog.lexeme_share = {lexeme: float(share) for lexeme, share in cursor.fetchall()}
        catalog.rare_share = min(catalog.lexeme_share.values(), default=0.0)
    links: dict[int, list[tuple[int, int]]] = {}
    for policy_id, order, body_id in PolicyBody.objects.values_list(
        "policy_id", "order", "body_id"
    ):
        links.setdefault(policy_id, []).append((order, body_id))
    for pk, title, short, number in Policy.objects.values_list(
        "pk", "title", "short_title", "doc_number"
    ):
        ordered = [b for _, b in sorted(links.get(pk, []))]
        catalog.policies.append(
            (
                pk,
                _PUNCT_RE.sub("", compact(normalize_query(title))),
                _PUNCT_RE.sub("", compact(normalize_query(short))),
                _PUNCT_RE.sub("", compact(normalize_query(number))),
                ordered[0] if ordered else None,
                tuple(ordered),
            )
        )
    return catalog


def current_catalog() -> Catalog:
    """Reload dictionary and catalog when another process changed the index (one cheap query)."""
    global _catalog
    from search.models import IndexState

    row = (
        IndexState.objects.filter(pk=1).values_list("dictionary_version", "catalog_version").first()
    )
    version = tuple(row) if row else (0, 0)
    ensure_loaded(version[0])
    if _catalog.version != version:
        with _catalog_lock:
            if _catalog.version != version:
                _catalog = _load_catalog(version)
    return _catalog


def document_intent(query_compact: str, catalog: Catalog) -> dict[int, float]:
    """Policies the query names (by body, 发文字号 or title) → how strongly."""
    bare = _PUNCT_RE.sub("", query_compact)
    if len(bare) < 2:
        return {}
    bodies = {bid for name, bid in catalog.body_by_name.items() if len(name) >= 2 and name in bare}
    intent: dict[int, float] = {}
    for pk, title, short, number, lead, body_ids in catalog.policies:
        weight = 0.0
        if bodies:
            if lead in bodies:
                weight = max(weight, 1.0)
            elif bodies & set(body_ids):
                weight = max(weight, 0.5)
        if number and len(bare) >= 4 and any(ch.isdigit() for ch in bare):
            if number in bare or bare in number:
                weight = max(weight, 2.0)
        for name in (title, short):
            if len(name) >= 4 and (
                name in bare or (len(bare) >= 5 and bare in name and len(bare) >= 0.5 * len(name))
            ):
                weight = max(weight, 2.0)
        if weight:
            intent[pk] = weight
    return intent


# ----------------------------------------------------------------------------------- SQL --


def _tsquery_and(words: list[str]) -> str:
    return " & ".join(quote_lexeme(w) for w in words)


def _tsquery_or(words: list[str]) -> str:
    return " | ".join(quote_lexeme(w) for w in dict.fromkeys(words))


def _substring_sql(substring: str) -> tuple[str, list]:
    bare = substring.replace(" ", "")
    if not bare:
        return "", []
    if len(bare) <= 2:
        return "e.grams @@ %s::tsquery", [quote_lexeme(bare)]
    grams = [bare[i : i + 2] for i in range(len(bare) - 1)]
    if len(grams) > MAX_PREFILTER_GRAMS:
        step = (len(grams) - 1) / (MAX_PREFILTER_GRAMS - 1)
        grams = [grams[round(i * step)] for i in range(MAX_PREFILTER_GRAMS)]
    return (
        "(e.grams @@ %s::tsquery AND e.compact LIKE %s)",
        [_tsquery_and(list(dict.fromkeys(grams))), _like_pattern(substring)],
    )


def _term_sql(term: Term) -> tuple[str, list]:
    parts: list[str] = []
    params: list = []
    for variant in term.variants:
        if variant.words:
            parts.append("e.words @@ %s::tsquery")
            params.append(_tsquery_and(variant.words))
        sql, p = _substring_sql(variant.substring)
        if sql:
            parts.append(sql)
            params.extend(p)
    if not parts:
        return "FALSE", []
    return "(" + " OR ".join(parts) + ")", params


def _exact_tf_sql(term: Term, avg_chars: float) -> tuple[str, list]:
    """BM25-style saturated count of verbatim occurrences of the term in the entry, in [0, 1).

    Short clauses that state a term beat long ones that mention it in passing (k1, b as BM25).
    """
    variants = [v.substring for v in term.variants if v.substring]
    if not variants:
        return "0", []
    counts = " + ".join(
        "(char_length(e.compact) - char_length(replace(e.compact, %s, ''))) / %s::float8"
        for _ in variants
    )
    args: list = [x for v in variants for x in (v, len(v))]
    sql = (
        f"(({counts}) / (({counts}) + {BM25_K1} * (1 - {BM25_B} + {BM25_B} * "
        f"char_length(e.compact) / {max(avg_chars, 1.0):.3f})))"
    )
    return sql, [*args, *args]


def _exact_sql(term: Term, column: str, *, prefix: bool = False) -> tuple[str, list]:
    """Does the entry's ``column`` contain (``prefix``: start with) the term verbatim? As 0/1."""
    pats = [_like_pattern(v.substring) for v in term.variants if v.substring]
    if prefix:
        pats = [p[1:] for p in pats]
    if not pats:
        return "0", []
    return f"(CASE WHEN e.{column} LIKE ANY(%s) THEN 1 ELSE 0 END)", [pats]


@dataclass
class _Plan:
    where: str
    params: list
    score: str
    score_params: list
    # The conditions other than the positive terms (exclusions, filters), for candidate retrieval.
    rest_where: str = "TRUE"
    rest_params: list = field(default_factory=list)
    selectivity: float = 0.0  # estimated share of entries that match (see Catalog.selectivity)


def _filters(params: SearchParams, catalog: Catalog) -> tuple[list[str], list]:
    where: list[str] = []
    args: list = []
    if params.body:
        body_id = catalog.body_id_by_slug.get(params.body)
        where.append("%s = ANY(e.body_ids)")
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
    return where, args


def _rank_sql(positive: list[Term]) -> tuple[str, list]:
    words = [w for t in positive for w in t.all_words]
    if not words:
        return "0", []
    # weights {D text, C context, B path, A heading}; 1|32: damp long texts, scale into [0, 1).
    return "ts_rank_cd('{0.35, 0.05, 0.5, 1.0}', e.words, %s::tsquery, 1|32)", [_tsquery_or(words)]


def _plan(
    terms: list[Term],
    params: SearchParams,
    catalog: Catalog,
    relaxed: bool,
    idf: list[float] | None = None,
) -> _Plan:
    positive = [t for t in terms if not t.negated]
    negative = [t for t in terms if t.negated]
    where: list[str] = []
    args: list = []
    term_conditions = [_term_sql(t) for t in positive]
    if relaxed:
        where.append("(" + " OR ".join(sql for sql, _ in term_conditions) + ")")
        for _, p in term_conditions:
            args.extend(p)
    else:
        for sql, p in term_conditions:
            where.append(sql)
            args.extend(p)
    rest: list[str] = []
    rest_args: list = []
    for term in negative:
        sql, p = _term_sql(term)
        rest.append(f"NOT {sql}")
        rest_args.extend(p)
    filter_sql, filter_args = _filters(params, catalog)
    rest.extend(filter_sql)
    rest_args.extend(filter_args)
    where.extend(rest)
    args.extend(rest_args)

    score_parts: list[str] = []
    score_args: list = []
    rank_sql, rank_args = _rank_sql(positive)
    score_parts.append(f"0.8 * {rank_sql}")
    score_args.extend(rank_args)
    n = max(len(positive), 1)
    for term in positive:
        sql, p = _exact_sql(term, "compact")
        score_parts.append(f"{0.5 / n:.6f} * {sql}")
        score_args.extend(p)
        sql, p = _exact_tf_sql(term, catalog.avg_chars)
        score_parts.append(f"{1.0 / n:.6f} * {sql}")
        score_args.extend(p)
        sql, p = _exact_sql(term, "topic_heading_compact")
        score_parts.append(f"{0.6 / n:.6f} * {sql}")
        score_args.extend(p)
        # A clause that opens with the term (its heading or first words) is about it, not
        # mentioning it among other topics.
        sql, p = _exact_sql(term, "compact", prefix=True)
        score_parts.append(f"{HEADING_START / n:.6f} * {sql}")
        score_args.extend(p)
    if relaxed and idf:
        total = sum(idf) or 1.0
        for (sql, p), weight in zip(term_conditions, idf, strict=True):
            score_parts.append(f"{2.0 * weight / total:.6f} * (CASE WHEN {sql} THEN 1 ELSE 0 END)")
            score_args.extend(p)
    # A heading without text of its own (a 章/节 container) says less than a clause: its
    # children carry the heading as context, so they should not be crowded out by it.
    # Commentary (articles, interpretations) ranks a little below the policies themselves when
    # both say the same thing: the knowledge base is about what policies set.
    score = (
        f"({' + '.join(score_parts)})"
        f" * (CASE WHEN e.compact = e.topic_heading_compact THEN {CONTAINER_FACTOR} ELSE 1 END)"
        f" * (CASE WHEN e.doc_type = ANY(%s) THEN {SECONDARY_FACTOR} ELSE 1 END)"
    )
    score_args.append(list(SECONDARY_TYPES))
    term_shares = [catalog.selectivity(t) for t in positive]
    if relaxed:
        selectivity = min(1.0, sum(term_shares))
    else:
        selectivity = math.prod(term_shares) if term_shares else 0.0
    return _Plan(
        " AND ".join(where) or "TRUE",
        args,
        score,
        score_args,
        " AND ".join(rest) or "TRUE",
        rest_args,
        selectivity,
    )


def _fetchall(
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
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('enable_seqscan', %s, true), set_config('enable_bitmapscan', %s, true)",
            ["on" if allow_seqscan else "off", "off" if ordered_index_scan else "on"],
        )
        cursor.execute(sql, params)
        return cursor.fetchall()


def _facets_and_total(
    plan: _Plan, catalog: Catalog
) -> tuple[int, bool, dict[str, list[FacetValue]]]:
    """(total, whether total is the COUNT_CAP lower bound, facets over the counted matches)."""
    sql = f"""
        WITH m AS MATERIALIZED (
            SELECT e.body_ids, e.doc_type, e.status, e.year
            FROM search_searchentry e WHERE {plan.where} LIMIT {COUNT_CAP + 1}
        ), f AS MATERIALIZED (SELECT * FROM m LIMIT {COUNT_CAP})
        SELECT 'total', NULL, count(*) FROM m
        UNION ALL SELECT 'type', doc_type, count(*) FROM f WHERE doc_type <> '' GROUP BY doc_type
        UNION ALL SELECT 'status', status, count(*) FROM f WHERE status <> '' GROUP BY status
        UNION ALL SELECT 'year', year::text, count(*) FROM f WHERE year IS NOT NULL GROUP BY year
        UNION ALL SELECT 'body', b::text, count(*) FROM f, unnest(f.body_ids) AS b GROUP BY b
    """
    rows = _fetchall(sql, plan.params, allow_seqscan=plan.selectivity >= SEQSCAN_SELECTIVITY)
    total = 0
    facets: dict[str, list[FacetValue]] = {"body": [], "type": [], "status": [], "year": []}
    for kind, value, count in rows:
        if kind == "total":
            total = count
        elif kind == "body":
            slug, name = catalog.body_label.get(int(value), (value, value))
            facets["body"].append(FacetValue(slug, name, count))
        else:
            facets[kind].append(FacetValue(value, value, count))
    for kind, values in facets.items():
        if kind == "year":
            values.sort(key=lambda f: f.value, reverse=True)
        else:
            values.sort(key=lambda f: (-f.count, f.label))
    if total > COUNT_CAP:
        return COUNT_CAP, True, facets
    return total, False, facets


def _hits(
    plan: _Plan,
    params: SearchParams,
    intent: dict[int, float],
    candidates: tuple[str, str] | ChampionCTE | None,
) -> list[tuple]:
    """Ranked provision ids with their final score.

    Within one policy every further entry is damped (DIVERSITY ** (rank in policy − 1)), so one
    long document that repeats a term cannot fill the whole first page; document intent lifts
    the best entry of each intended policy above everything else.

    ``candidates`` — (match tsquery, ranking tsquery) — restricts the full scoring to the
    entries the RUM index ranks highest (see :func:`_candidate_queries`); without it every
    match is scored. Either way the score expression is evaluated once per scored row.
    """
    intent_sql = "0"
    intent_args: list = []
    if intent:
        ids = list(intent)
        intent_sql = (
            "CASE WHEN s.rn = 1 THEN coalesce((SELECT 10 * w FROM unnest(%s::bigint[], "
            "%s::float8[]) AS t(pid, w) WHERE t.pid = s.policy_id), 0) ELSE 0 END"
        )
        intent_args = [ids, [intent[i] for i in ids]]
    candidate_sql = ""
    candidate_args: list = []
    if isinstance(candidates, ChampionCTE):
        candidate_sql, candidate_args = candidates.sql, candidates.params
    elif candidates is not None:
        candidate_sql = f"""
            c AS MATERIALIZED (
                SELECT e.id FROM search_searchentry e
                WHERE e.words @@ %s::tsquery AND {plan.rest_where}
                ORDER BY e.words <=> %s::tsquery LIMIT %s
            ),"""
        pool = max(CANDIDATES, params.offset + params.limit)
        candidate_args = [candidates[0], *plan.rest_params, candidates[1], pool]
    restrict = "AND e.id IN (SELECT id FROM c)" if candidates is not None else ""
    sql = f"""
        WITH {candidate_sql}
        scored AS MATERIALIZED (
            SELECT e.provision_id, e.policy_id, e."order", ({plan.score}) AS score
            FROM search_searchentry e WHERE {plan.where} {restrict}
        )
        SELECT s.provision_id,
               round(({intent_sql} + s.score * power(%s, s.rn - 1))::numeric, 6) AS final
        FROM (
            -- Near-equal scores (e.g. a match on the policy's context only) fall back to
            -- reading order, so a policy is represented by its opening clause, not a random one.
            SELECT scored.*, row_number() OVER (PARTITION BY policy_id
                                                ORDER BY round(score::numeric, 2) DESC,
                                                         "order") AS rn
            FROM scored
        ) s
        ORDER BY final DESC, s.policy_id, s."order"
        LIMIT %s OFFSET %s
    """
    args = [*candidate_args, *plan.score_params, *plan.params, *intent_args, DIVERSITY]
    ranked = _fetchall(
        sql, [*args, params.limit, params.offset], ordered_index_scan=candidates is not None
    )
    if not ranked:
        return []
    ids = [pid for pid, _ in ranked]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.id, p.eid, p.num, p.heading, p.text, e.path,
                   pol.slug, pol.title, pol.doc_number
            FROM policies_provision p
            JOIN policies_policy pol ON pol.id = p.policy_id
            JOIN search_searchentry e ON e.provision_id = p.id
            WHERE p.id = ANY(%s)
            """,
            [ids],
        )
        details = {row[0]: row[1:] for row in cursor.fetchall()}
    return [(details[pid], float(score)) for pid, score in ranked if pid in details]


_rum_ready: dict[str, bool] = {}


def rum_index_ready() -> bool:
    """Does this database have the RUM index on the words vector? (Checked once per process.)

    The index exists only where the ``rum`` extension could be installed (migration 0002);
    without it every match is scored (the GIN path), which is exact but slower on huge sets.
    """
    name = connection.settings_dict["NAME"]
    if name not in _rum_ready:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = %s)", [RUM_INDEX]
            )
            _rum_ready[name] = bool(cursor.fetchone()[0])
    return _rum_ready[name]


def _candidate_queries(terms: list[Term], relaxed: bool) -> tuple[str, str] | None:
    """(match, ranking) tsqueries over the words vector for RUM candidate retrieval.

    An entry qualifies when every positive term (any term, when relaxed) matches by words; a
    term without words (a quoted phrase) contributes its segmented words. Entries that match
    only by substring are not candidates — they take part when the match set is small enough
    to be scored in full.
    """
    positive = [t for t in terms if not t.negated]
    clauses: list[str] = []
    for term in positive:
        alternatives = []
        for variant in term.variants:
            words = variant.words or _significant_words(variant.substring)
            if words:
                alternatives.append("(" + _tsquery_and(words) + ")")
        if not alternatives:
            return None
        clauses.append("(" + " | ".join(alternatives) + ")")
    if not clauses:
        return None
    match = (" | " if relaxed else " & ").join(clauses)
    words = [w for t in positive for v in t.variants for w in (v.words or [])]
    words += [
        w for t in positive if t.phrase for v in t.variants for w in _significant_words(v.substring)
    ]
    return match, _tsquery_or(words)


def _idf(words_per_term: list[Term]) -> list[float]:
    """IDF of each term's words-or-substring condition (counts capped to stay cheap)."""
    selects: list[str] = []
    args: list = []
    for term in words_per_term:
        sql, p = _term_sql(term)
        selects.append(
            f"(SELECT count(*) FROM (SELECT 1 FROM search_searchentry e WHERE {sql} "
            f"LIMIT {IDF_COUNT_CAP}) x)"
        )
        args.extend(p)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT greatest(reltuples::bigint, 1) FROM pg_class WHERE relname = 'search_searchentry'"
        )
        row = cursor.fetchone()
        cursor.execute("SELECT " + ", ".join(selects), args)
        counts = cursor.fetchone()
    n = max(row[0] if row else 1, max(counts), 1)
    return [math.log(1 + (n - df + 0.5) / (df + 0.5)) for df in counts]


def _relaxed_terms(terms: list[Term]) -> list[Term]:
    """Each significant word of the positive terms on its own (aliases kept as they were)."""
    relaxed: list[Term] = [t for t in terms if t.negated]
    seen: set[str] = set()
    for term in terms:
        if term.negated:
            continue
        if len(term.variants) > 1 or term.phrase or len(term.variants[0].words) <= 1:
            if term.text not in seen:
                relaxed.append(term)
                seen.add(term.text)
            continue
        for word in term.variants[0].words:
            if word not in seen and (len(word) > 1 or not word.isascii()):
                relaxed.append(Term(text=word, variants=[Variant([word], word)]))
                seen.add(word)
    return relaxed


def suggestions(query: str, limit: int = 5) -> list[str]:
    """Dictionary terms and body names similar to the query (pg_trgm similarity)."""
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


# -------------------------------------------------------------------------------- search --


def search(params: SearchParams) -> Results:
    """Search provisions. Raises :class:`InvalidQuery` for bad limit/offset/years or empty q."""
    params.validate()
    # Read scaling: every query of this search on one connection, a replica when configured.
    alias = read_alias()
    with reading(alias):
        # One transaction, so that the planner settings of _fetchall end with this search.
        # Inside a caller's transaction they would outlive it: put them back for the caller.
        nested = connection.in_atomic_block
        with transaction.atomic(using=alias):
            results = _search(params)
            if nested:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('enable_seqscan', 'on', true), "
                        "set_config('enable_bitmapscan', 'on', true)"
                    )
    return results


def _search(params: SearchParams) -> Results:
    from policies.models import Policy, Provision

    q = normalize_query(params.q or "")[:MAX_QUERY_CHARS]
    results = Results(query=params.q or "", limit=params.limit, offset=params.offset)
    if not q:
        raise InvalidQuery("q must not be empty")
    catalog = current_catalog()
    terms = parse_terms(q, catalog)
    if not any(not t.negated for t in terms):
        results.message = "检索词中没有可检索的文字。"
        return results

    plan = _plan(terms, params, catalog, relaxed=False)
    total, estimate, facets = _facets_and_total(plan, catalog)
    if total == 0:
        relaxed_terms = _relaxed_terms(terms)
        positive = [t for t in relaxed_terms if not t.negated]
        if positive and (len(positive) > 1 or positive != [t for t in terms if not t.negated]):
            plan = _plan(relaxed_terms, params, catalog, relaxed=True, idf=_idf(positive))
            total, estimate, facets = _facets_and_total(plan, catalog)
            if total:
                results.relaxed = True
                results.message = "没有同时包含全部检索词的条款，以下为部分匹配的结果。"
                terms = relaxed_terms
    results.total, results.total_is_estimate, results.facets = total, estimate, facets
    if total == 0:
        results.message = "没有找到匹配的条款。"
        results.suggestions = suggestions(q)
        return results

    intent = document_intent(compact(q), catalog)
    marks = [
        ([v.substring for v in t.variants if v.substring], t.all_words)
        for t in terms
        if not t.negated
    ]
    candidates = None
    if total > CANDIDATES and rum_index_ready():
        # A frequent one-word query takes its candidates from the precomputed champion list.
        pool = max(CANDIDATES, params.offset + params.limit)
        candidates = champion_candidates(
            terms, plan.rest_where, results.relaxed, pool, catalog.version
        ) or _candidate_queries(terms, results.relaxed)
    for row, score in _hits(plan, params, intent, candidates):
        (eid, num, heading, text, path, slug, title, doc_number) = row
        full_text = "\n".join(part for part in (heading, text) if part)
        policy = Policy(slug=slug, title=title, doc_number=doc_number)
        url = Provision(policy=policy, eid=eid).get_absolute_url()
        results.items.append(
            Hit(
                policy_slug=slug,
                policy_title=title,
                doc_number=doc_number,
                eid=eid,
                num=num,
                heading=heading,
                path=list(path or []),
                text=full_text,
                snippet=snippet(full_text, marks),
                score=score,
                url=url,
            )
        )
    return results
