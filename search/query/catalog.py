"""Policies, bodies and synonyms as a query needs them, cached per process.

The catalog is reloaded when ``IndexState.catalog_version`` changes (one cheap query per search).
It answers the metadata side of a query: which documents a term names through their title,
bodies, 发文字号, dates, publication or authors — without touching the clause index.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from portal.routers import read_connection as connection
from search.dictionary import ensure_loaded
from search.normalize import compact, normalize_query
from search.query.parse import Term

_PUNCT_RE = re.compile(r"[^\w]", re.UNICODE)
_SERIAL_RE = re.compile(r"^(\d{1,5})号?$")

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

    def metadata_matches(self, term: Term) -> dict[int, str]:
        """Documents whose metadata matches the term → the reason (see REASON_*)."""
        found: dict[int, str] = {}
        if term.date is not None:
            year, month, day = term.date
            for p in self.policies:
                for d in p.dates:
                    if (
                        (year is None or d.year == year)
                        and (month is None or d.month == month)
                        and (day is None or d.day == day)
                    ):
                        found[p.pk] = REASON_DATE
                        break
            return found
        key = bare(term.text)
        if not key:
            return found
        body = self.body_by_name.get(key)
        serial = _SERIAL_RE.match(key)
        has_digit = len(key) >= 2 and any(ch.isdigit() for ch in key)
        for p in self.policies:
            reason = ""
            if body is not None and body in p.body_ids:
                reason = REASON_BODY
            elif serial:
                if p.doc_serial is not None and int(serial.group(1)) == p.doc_serial:
                    reason = REASON_NUMBER
            elif has_digit and p.number_key and key in p.number_key:
                reason = REASON_NUMBER
            elif len(key) >= 2 and (key in p.title_key or (p.short_key and key in p.short_key)):
                reason = REASON_TITLE
            elif len(key) >= 3 and p.agency_key and key in p.agency_key:
                reason = REASON_NUMBER  # the agency code alone: 发改数据
            elif len(key) >= 2 and p.publisher_key and key in p.publisher_key:
                reason = REASON_PUBLISHER
            elif len(key) >= 2 and any(key in a for a in p.author_keys):
                reason = REASON_AUTHOR
            if reason:
                found[p.pk] = reason
        return found


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
    from policies.models import IssuingBody, Policy, PolicyBody
    from search.models import Synonym

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
            "SELECT greatest(reltuples, 0) FROM pg_class WHERE relname = 'search_searchentry'"
        )
        row = cursor.fetchone()
        catalog.entries = float(row[0]) if row else 0.0
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
        catalog.policies.append(meta)
        catalog.policy_by_slug[slug] = meta
        catalog.policy_by_pk[pk] = meta
    catalog.synonyms = curated_synonyms()
    for term, alternative in Synonym.objects.values_list("term", "alternative"):
        catalog.synonyms.setdefault(term, [])
        if alternative not in catalog.synonyms[term]:
            catalog.synonyms[term].append(alternative)
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
    key = _PUNCT_RE.sub("", query_compact)
    if len(key) < 2:
        return {}
    bodies = {bid for name, bid in catalog.body_by_name.items() if len(name) >= 2 and name in key}
    intent: dict[int, float] = {}
    for p in catalog.policies:
        weight = 0.0
        if bodies:
            if p.lead_body in bodies:
                weight = max(weight, 1.0)
            elif bodies & set(p.body_ids):
                weight = max(weight, 0.5)
        number = p.number_key
        if number and len(key) >= 4 and any(ch.isdigit() for ch in key):
            if number in key or key in number:
                weight = max(weight, 2.0)
        for name in (p.title_key, p.short_key):
            if len(name) >= 4 and (
                name in key or (len(key) >= 5 and key in name and len(key) >= 0.5 * len(name))
            ):
                weight = max(weight, 2.0)
        if weight:
            intent[p.pk] = weight
    return intent
