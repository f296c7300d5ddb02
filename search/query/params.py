"""What a search takes and what it answers: parameters, limits and result records."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
MAX_LIMIT = 100
MAX_OFFSET = 10_000
# Document-level results shown with the first page (all of them are counted).
DOCUMENT_LIMIT = 5


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
    policy: str | None = None  # Policy.slug: clauses of one document ("N more in this document")

    def validate(self) -> None:
        if not (1 <= self.limit <= MAX_LIMIT):
            raise InvalidQuery(f"limit must be between 1 and {MAX_LIMIT}")
        if not (0 <= self.offset <= MAX_OFFSET):
            raise InvalidQuery(f"offset must be between 0 and {MAX_OFFSET}")
        for name in ("year_from", "year_to"):
            value = getattr(self, name)
            if value is not None and not (1000 <= value <= 9999):
                raise InvalidQuery(f"{name} must be a four-digit year")
        if (
            self.year_from is not None
            and self.year_to is not None
            and self.year_from > self.year_to
        ):
            raise InvalidQuery(
                f"year_from ({self.year_from}) must not be after year_to ({self.year_to})"
            )


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
    # Every term (or its alias/synonym, or the document's metadata) matched this clause.
    matched_all: bool = True
    # Matching clauses of this document among those ranked (the page's "N more in this document").
    document_matches: int = 1


@dataclass
class DocumentHit:
    """A document that matches through its title, bodies, 发文字号, dates or other metadata."""

    slug: str
    title: str
    doc_number: str
    doc_type: str
    date: str
    bodies: list[str]
    reasons: list[str]  # why it matched: 标题, 发文机关, 发文字号, 日期, 作者, 来源
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
    # How many matching clauses the facet counts describe: all of them, the first COUNT_CAP, or
    # (for match sets too large to count) the candidates ranked in full.
    facet_basis: int = 0
    # Clauses that matched every term (the rest of ``total`` matched most of them).
    total_full: int = 0
    items: list[Hit] = field(default_factory=list)
    documents: list[DocumentHit] = field(default_factory=list)
    document_total: int = 0
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    limit: int = 10
    offset: int = 0
    relaxed: bool = False
    message: str = ""
    suggestions: list[str] = field(default_factory=list)
    # What else was searched: aliases and synonyms of the words typed (同时检索：…).
    also_searched: list[str] = field(default_factory=list)
    # The one-edit correction these are the results of, when nothing matched every word as
    # typed (``query`` stays what was typed).
    searched_instead: str = ""
    # Words of the query that were dropped as question or filler words.
    ignored: list[str] = field(default_factory=list)
