"""Policies, bodies and synonyms as a query needs them, cached per process.

The catalog is reloaded when ``IndexState.catalog_version`` changes (one cheap query per search).
It answers the metadata side of a query: which documents a term names through their title,
bodies, 发文字号, dates, publication or authors — without touching the clause index.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from portal.routers import read_connection as connection
from search.dictionary import ensure_loaded
from search.normalize import compact, normalize_query
from search.query.lookup import PolicySets, SubstringIndex, date_keys, grouped, within
from search.query.parse import Term

_PUNCT_RE = re.compile(r"[^\w]", re.UNICODE)
_SERIAL_RE = re.compile(r"^(\d{1,5})号?$")
# A lexeme in this share of all entries or more is "common" for candidate retrieval (see
# search.query.rank.candidate_queries).
COMMON_SHARE = 0.2

# Why a document matched (shown on the page), in the order they are listed.
REASON_TITLE = "标题"
REASON_BODY = "发文机关"
REASON_NUMBER = "发文字号"
REASON_DATE = "日期"
REASON_PUBLISHER = "来源"
REASON_AUTHOR = "作者"
# Reasons that stand in for a clause's own match of a term (a clause of a 发改委 document is a
# 发改委 clause); a title match does not — the title is already shown as a document result.
CLAUSE_REASONS = frozenset(
    {REASON_BODY, REASON_NUMBER, REASON_DATE, REASON_PUBLISHER, REASON_AUTHOR}
)


def bare(text: str) -> str:
    return _PUNCT_RE.sub("", compact(normalize_query(text or "")))


@dataclass
class PolicyMeta:
    pk: int
    slug: str
    title: str  # as printed
    doc_number: str
    doc_type: str
    status: str
    year: int | None
    dates: tuple[dt.date, ...]
    title_key: str  # bare forms, for matching
    short_key: str
    number_key: str
    agency_key: str
    doc_year: int | None
    doc_serial: int | None
    publisher_key: str
    author_keys: tuple[str, ...]
    lead_body: int | None
    body_ids: tuple[int, ...]
    latest: int = 0  # ordinal of the newest of ``dates`` (0: none)
    # (facet, value) pairs the document adds to the facet counts (search.query.facets).
    facet_keys: tuple[tuple[str, str], ...] = ()


@dataclass
class Catalog:
    version: tuple[int, int] = (-1, -1)
    # compact name/alias → all compact names of that body
    body_names: dict[str, list[str]] = field(default_factory=dict)
    body_by_name: dict[str, int] = field(default_factory=dict)
    body_label: dict[int, tuple[str, str]] = field(default_factory=dict)  # id → (slug, name)
    body_id_by_slug: dict[str, int] = field(default_factory=dict)
    avg_chars: float = 150.0  # mean length of an entry's compact text
    entries: float = 0.0  # PostgreSQL's estimate of the number of entries (0: not analyzed)
    policies: list[PolicyMeta] = field(default_factory=list)
    policy_by_slug: dict[str, PolicyMeta] = field(default_factory=dict)
    policy_by_pk: dict[int, PolicyMeta] = field(default_factory=dict)
    # compact term → compact alternatives searched with it (curated and learned pairs).
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    # Share of entries containing each frequent lexeme (PostgreSQL's statistics of the words
    # vector); lexemes not listed are rarer than ``rare_share``.
    lexeme_share: dict[str, float] = field(default_factory=dict)
    rare_share: float = 0.0
    _lookups: Lookups | None = field(default=None, repr=False)
    _common: frozenset[str] | None = field(default=None, repr=False)
    # Share of entries holding each frequent character or bigram (statistics of ``grams``).
    gram_share: dict[str, float] = field(default_factory=dict)
    _common_grams: frozenset[str] | None = field(default=None, repr=False)
    _newest: dict[int, int] | None = field(default=None, repr=False)
    _sets: PolicySets | None = field(default=None, repr=False)

    def selectivity(self, term: Term) -> float:
        """Estimated share of entries a term matches (its words' rarest lexeme, per variant)."""
        total = 0.0
        for variant in term.variants:
            words = variant.words or [variant.substring]
            total += min(self.lexeme_share.get(w, self.rare_share) for w in words)
        return min(total, 1.0)

    def known_share(self, term: Term) -> float | None:
        """The share of entries the statistics vouch the term matches at least: its best
        variant whose every word they list (a variant's other alternatives only add), or None.
        A word they do not list is only known to be rarer than ``rare_share``."""
        shares = [
            min(self.lexeme_share[w] for w in variant.words)
            for variant in term.variants
            if variant.words and all(w in self.lexeme_share for w in variant.words)
        ]
        return max(shares) if shares else None

    def aliases_of(self, compact_term: str) -> list[str]:
        names = self.body_names.get(compact_term, [])
        return [n for n in names if n != compact_term]

    def metadata_matches(self, term: Term) -> dict[int, str]:
        """Documents whose metadata matches the term → the reason (see REASON_*).

        One reason per document, the first that applies of: body, 发文字号 (a bare serial number
        asks for nothing else), title, the agency code of the 发文字号, publisher, author.
        """
        found: dict[int, str] = {}
        look = self.lookups()
        if term.date is not None:
            for pk in look.by_date.get(term.date, ()):
                found[pk] = REASON_DATE
            return found
        key = bare(term.text)
        if not key:
            return found
        body = self.body_by_name.get(key)
        if body is not None:
            for pk in look.by_body.get(body, ()):
                found[pk] = REASON_BODY
        serial = _SERIAL_RE.match(key)
        if serial:
            for pk in look.by_serial.get(int(serial.group(1)), ()):
                found.setdefault(pk, REASON_NUMBER)
            return found
        checks: list[tuple[bool, list[SubstringIndex], str]] = [
            (any(ch.isdigit() for ch in key), [look.numbers], REASON_NUMBER),
            (True, [look.titles, look.short_titles], REASON_TITLE),
            (len(key) >= 3, [look.agencies], REASON_NUMBER),  # the agency code alone: 发改数据
            (True, [look.publishers], REASON_PUBLISHER),
            (True, [look.authors], REASON_AUTHOR),
        ]
        if len(key) >= 2:
            for applies, indexes, reason in checks:
                if applies:
                    for index in indexes:
                        for pk in index.containing(key):
                            found.setdefault(pk, reason)
        return found

    def common_lexemes(self) -> frozenset[str]:
        """Lexemes in at least COMMON_SHARE of all entries (数据 in most of them)."""
        if self._common is None:
            self._common = frozenset(
                w for w, share in self.lexeme_share.items() if share >= COMMON_SHARE
            )
        return self._common

    def common_grams(self) -> frozenset[str]:
        """Characters and bigrams in at least COMMON_SHARE of all entries."""
        if self._common_grams is None:
            self._common_grams = frozenset(
                g for g, share in self.gram_share.items() if share >= COMMON_SHARE
            )
        return self._common_grams

    def newest_first(self) -> dict[int, int]:
        """Policy → its place with the newest first (then by id): the order of documents
        that answer a query equally well."""
        if self._newest is None:
            ordered = sorted(self.policies, key=lambda p: (-p.latest, p.pk))
            self._newest = {p.pk: n for n, p in enumerate(ordered)}
        return self._newest

    def sets(self) -> PolicySets:
        """The policies as sets by their facet values (for filters and document facets)."""
        if self._sets is None:
            self._sets = PolicySets((p.pk, p.facet_keys) for p in self.policies)
        return self._sets

    def lookups(self) -> Lookups:
        if self._lookups is None:
            self._lookups = Lookups.of(self)
        return self._lookups


@dataclass
class Lookups:
    """The catalog's policies indexed for :meth:`Catalog.metadata_matches` and
    :func:`document_intent` (see :mod:`.lookup`)."""

    by_body: dict[int, list[int]]
    led_by: dict[int, list[int]]
    by_serial: dict[int, list[int]]
    by_date: dict[tuple, list[int]]
    number_keys: dict[str, list[int]]
    title_keys: dict[str, list[int]]
    numbers: SubstringIndex
    titles: SubstringIndex
    short_titles: SubstringIndex
    agencies: SubstringIndex
    publishers: SubstringIndex
    authors: SubstringIndex

    @classmethod
    def of(cls, catalog: Catalog) -> Lookups:
        ps = catalog.policies
        return cls(
            by_body=grouped((b, p.pk) for p in ps for b in p.body_ids),
            led_by=grouped((p.lead_body, p.pk) for p in ps if p.lead_body is not None),
            by_serial=grouped((p.doc_serial, p.pk) for p in ps if p.doc_serial is not None),
            by_date=grouped((k, p.pk) for p in ps for d in p.dates for k in date_keys(d)),
            number_keys=grouped((p.number_key, p.pk) for p in ps if p.number_key),
            title_keys=grouped(
                (k, p.pk) for p in ps for k in dict.fromkeys((p.title_key, p.short_key)) if k
            ),
            numbers=SubstringIndex((p.pk, p.number_key) for p in ps),
            titles=SubstringIndex((p.pk, p.title_key) for p in ps),
            short_titles=SubstringIndex((p.pk, p.short_key) for p in ps),
            agencies=SubstringIndex((p.pk, p.agency_key) for p in ps),
            publishers=SubstringIndex((p.pk, p.publisher_key) for p in ps),
            authors=SubstringIndex((p.pk, a) for p in ps for a in p.author_keys),
        )


_catalog = Catalog()
_catalog_lock = threading.Lock()


def curated_synonyms(path: Path | None = None) -> dict[str, list[str]]:
    """``fixtures/dictionary/synonyms.txt``: ``typed word = wording, wording`` per line."""
    path = path or settings.FIXTURES_DIR / "dictionary" / "synonyms.txt"
    pairs: dict[str, list[str]] = {}
    if not path.exists():
        return pairs
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "=" not in line:
            continue
        left, right = line.split("=", 1)
        key = compact(normalize_query(left))
        for alternative in re.split(r"[,，、\s]+", right.strip()):
            alternative = compact(normalize_query(alternative))
            if key and alternative and alternative != key:
                pairs.setdefault(key, [])
                if alternative not in pairs[key]:
                    pairs[key].append(alternative)
    return pairs


def _load_catalog(version: tuple[int, int]) -> Catalog:
    from policies.models import Policy, PolicyBody

    catalog = Catalog(version=version)
    _add_bodies_and_synonyms(catalog)
    with connection.cursor() as cursor:
        cursor.execute("SELECT avg(char_length(compact)) FROM search_searchentry")
        catalog.avg_chars = float(cursor.fetchone()[0] or 150.0)
        cursor.execute(
            "SELECT greatest(reltuples, 0) FROM pg_class WHERE relname = 'search_searchentry'"
        )
        row = cursor.fetchone()
        catalog.entries = float(row[0]) if row else 0.0
        cursor.execute(
            """
            SELECT s.attname, x.lexeme, x.share
            FROM pg_stats s,
                 unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs)
                     AS x(lexeme, share)
            WHERE s.tablename = 'search_searchentry' AND s.attname IN ('words', 'grams')
              AND x.lexeme IS NOT NULL
            """
        )
        for column, lexeme, share in cursor.fetchall():
            shares = catalog.lexeme_share if column == "words" else catalog.gram_share
            shares[lexeme] = float(share)
        catalog.rare_share = min(catalog.lexeme_share.values(), default=0.0)
    links: dict[int, list[tuple[int, int]]] = {}
    for policy_id, order, body_id in PolicyBody.objects.values_list(
        "policy_id", "order", "body_id"
    ):
        links.setdefault(policy_id, []).append((order, body_id))
    rows = Policy.objects.values_list(
        "pk", "slug", "title", "short_title", "doc_number", "doc_agency_code", "doc_year",
        "doc_serial", "doc_type", "status", "issued_on", "published_on", "publisher", "authors",
    )  # fmt: skip
    for (pk, slug, title, short, number, agency, doc_year, serial, doc_type, status, issued,
         published, publisher, authors) in rows.filter(is_stub=False):  # fmt: skip
        ordered = [b for _, b in sorted(links.get(pk, []))]
        day = issued or published
        meta = PolicyMeta(
            pk=pk,
            slug=slug,
            title=title,
            doc_number=number,
            doc_type=doc_type,
            status=status,
            year=day.year if day else None,
            dates=tuple(d for d in (issued, published) if d),
            title_key=bare(title),
            short_key=bare(short),
            number_key=bare(number),
            agency_key=bare(agency),
            doc_year=doc_year,
            doc_serial=serial,
            publisher_key=bare(publisher),
            author_keys=tuple(bare(a) for a in authors or [] if a),
            lead_body=ordered[0] if ordered else None,
            body_ids=tuple(ordered),
        )
        meta.latest = max(meta.dates).toordinal() if meta.dates else 0
        meta.facet_keys = tuple(
            [(k, str(v)) for k, v in (("type", doc_type), ("status", status), ("year", meta.year))
             if v not in ("", None)]
            + [("body", str(b)) for b in ordered]
        )  # fmt: skip
        catalog.policies.append(meta)
        catalog.policy_by_slug[slug] = meta
        catalog.policy_by_pk[pk] = meta
    return catalog


def _add_bodies_and_synonyms(catalog: Catalog) -> None:
    """The issuing bodies' names and the synonyms: what the query parser reads of a catalog."""
    from policies.models import IssuingBody
    from search.models import Synonym

    for body in IssuingBody.objects.all():
        names = [compact(normalize_query(n)) for n in body.all_names if n]
        for name in names:
            catalog.body_names[name] = names
            catalog.body_by_name[name] = body.pk
        catalog.body_label[body.pk] = (body.slug, body.name)
        catalog.body_id_by_slug[body.slug] = body.pk
    catalog.synonyms = curated_synonyms()
    for term, alternative in Synonym.objects.values_list("term", "alternative"):
        catalog.synonyms.setdefault(term, [])
        if alternative not in catalog.synonyms[term]:
            catalog.synonyms[term].append(alternative)


def parsing_catalog() -> Catalog:
    """A catalog holding only what :func:`search.query.parse.parse_query` reads (bodies' names
    and synonyms), for parsing words outside a search: the index build's champion lists
    (search.impacts) parsed their words with the whole catalog — every policy, and the live
    table's statistics and mean length (a scan of it) —, 1.3 s at 200k entries thrown away by
    the rebuild's own catalog bump."""
    catalog = Catalog()
    _add_bodies_and_synonyms(catalog)
    return catalog


def loaded_catalog() -> Catalog:
    """The catalog this process has (no version check: for the SQL builders within a search,
    which :func:`current_catalog` began)."""
    return _catalog


def current_catalog() -> Catalog:
    """Reload dictionary and catalog when another process changed the index (one cheap query)."""
    global _catalog
    from search.models import IndexState

    # A plain cursor: this runs before every search, and the ORM's query building cost more
    # than the query.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT dictionary_version, catalog_version FROM {IndexState._meta.db_table} "
            "WHERE id = 1"
        )
        row = cursor.fetchone()
    version = tuple(row) if row else (0, 0)
    ensure_loaded(version[0])
    if _catalog.version != version:
        with _catalog_lock:
            if _catalog.version != version:
                loaded = _load_catalog(version)
                _out_of_collection(loaded)
                _catalog = loaded  # published whole: other threads read it without the lock
    return _catalog


def _out_of_collection(catalog: Catalog) -> None:
    """The catalog (with its look-ups) and the dictionary live until the next load, unchanged:
    moved out of the cyclic garbage collector's sight (``gc.freeze``).

    A search allocates thousands of objects (数据 names 10,000 documents at 1M entries), which
    sets off collections; each full one walked every object of the catalog and the dictionary —
    62 ms a search at 1M entries, 7 ms with them frozen. Reference counting still frees them
    when a newer catalog replaces this one. The freeze takes whatever else is alive (a request's
    cycles, say): unfrozen and collected at the next load, so such garbage outlives its request
    by one load at most, and the collection before the freeze clears what is already garbage.
    """
    catalog.lookups()
    catalog.sets()
    catalog.newest_first()
    catalog.common_lexemes()
    catalog.common_grams()
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def document_intent(query_compact: str, catalog: Catalog) -> dict[int, float]:
    """Policies the query names (by body, 发文字号 or title) → how strongly.

    A body named in the query: 1.0 for the documents it leads, 0.5 for those it co-signs. A
    发文字号 within the query or containing it (with a digit, 4+ characters), or a title (or
    short title, 4+ characters) within the query, or containing a query of 5+ characters that
    is at least half of it: 2.0.
    """
    key = _PUNCT_RE.sub("", query_compact)
    if len(key) < 2:
        return {}
    look = catalog.lookups()
    intent: dict[int, float] = {}

    def lift(pks, weight: float) -> None:
        for pk in pks:
            if intent.get(pk, 0.0) < weight:
                intent[pk] = weight

    bodies = {bid for name, bid in catalog.body_by_name.items() if len(name) >= 2 and name in key}
    for body in bodies:
        lift(look.by_body.get(body, ()), 0.5)
        lift(look.led_by.get(body, ()), 1.0)
    if len(key) >= 4 and any(ch.isdigit() for ch in key):
        lift(within(key, look.number_keys, 1), 2.0)
        lift(look.numbers.containing(key), 2.0)
    lift(within(key, look.title_keys, 4), 2.0)
    if len(key) >= 5:
        for index, attr in ((look.titles, "title_key"), (look.short_titles, "short_key")):
            for pk in index.containing(key):
                name = getattr(catalog.policy_by_pk[pk], attr)
                if len(name) >= 4 and len(key) >= 0.5 * len(name):
                    lift((pk,), 2.0)
    return intent
