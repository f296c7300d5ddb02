"""JSON API for clause search: ``GET /api/v1/search`` (mounted by portal/api.py).

A thin layer over :func:`search.query.search`; invalid parameters answer 422 in the project's one
error shape ``{"detail", "errors"}``.
"""

# No `from __future__ import annotations`: django-ninja reads the handlers' annotations at import.

from dataclasses import asdict

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from search.query import MAX_LIMIT, MAX_OFFSET, MAX_QUERY_CHARS, InvalidQuery, SearchParams, search

router = Router(tags=["search"])


class SearchPolicyOut(Schema):
    # Not named PolicyRefOut: that schema (without doc_number) belongs to policies/api.py, and
    # OpenAPI components are keyed by class name.
    slug: str
    title: str
    doc_number: str


class ProvisionRefOut(Schema):
    eid: str
    num: str
    heading: str
    path: list[str]


class SearchHitOut(Schema):
    policy: SearchPolicyOut
    provision: ProvisionRefOut
    text: str
    snippet: str
    score: float
    url: str
    matched_all: bool = Field(
        description="the clause matches every term (itself, or through its document's body, "
        "发文字号 or date); false for the partial matches that fill a page"
    )
    group: str = Field(
        description="grouping key: the policy slug (clause hits grouped by document)"
    )
    document_matches: int = Field(
        description="matching clauses of this document among those ranked"
    )


class DocumentHitOut(Schema):
    slug: str
    title: str
    doc_number: str
    doc_type: str
    date: str
    bodies: list[str]
    reasons: list[str] = Field(
        description="why it matched: 标题, 发文机关, 发文字号, 日期, 作者, 来源"
    )
    url: str


class FacetValueOut(Schema):
    value: str
    label: str
    count: int


class FacetsOut(Schema):
    body: list[FacetValueOut]
    type: list[FacetValueOut]
    status: list[FacetValueOut]
    year: list[FacetValueOut]


class SearchOut(Schema):
    query: str
    total: int
    total_is_estimate: bool = Field(
        False,
        description="true when more entries match than are counted: total is then a lower "
        "bound and facet counts describe `facet_basis` of the matches only",
    )
    facet_basis: int = Field(
        description="how many matching clauses the facet counts describe: all of them, the "
        "first `total` when counting stopped at the cap, or — for match sets the statistics "
        "put far above the cap, which are not counted — the best matches ranked in full"
    )
    total_full: int = Field(description="clauses matching every term (the rest match some)")
    limit: int
    offset: int
    relaxed: bool
    message: str
    suggestions: list[str] = Field(description="您是不是要找: corrected queries, or similar terms")
    searched_instead: str = Field(
        description="the one-edit correction these are the results of, when no clause matched "
        "every word as typed (empty otherwise; a quoted query is never corrected)"
    )
    also_searched: list[str] = Field(description="aliases and synonyms searched as well")
    ignored: list[str] = Field(description="question and filler words left out of the search")
    items: list[SearchHitOut]
    documents: list[DocumentHitOut] = Field(
        description="documents matching through their title, bodies, 发文字号, dates or other "
        "metadata, each listed once (first page only; document_total counts them all)"
    )
    document_total: int
    facets: FacetsOut


class ErrorOut(Schema):
    detail: str
    errors: list


class SearchQueryIn(Schema):
    q: str = Query(..., min_length=1, max_length=MAX_QUERY_CHARS, description="检索词")
    limit: int = Query(10, ge=1, le=MAX_LIMIT)
    offset: int = Query(0, ge=0, le=MAX_OFFSET)
    body: str | None = Query(None, max_length=100, description="issuing body slug")
    type: str | None = Query(None, max_length=30, description="document type, e.g. 意见")
    status: str | None = Query(None, max_length=30)
    year_from: int | None = Query(None, ge=1000, le=9999)
    year_to: int | None = Query(None, ge=1000, le=9999)
    policy: str | None = Query(None, max_length=120, description="policy slug: its clauses only")


@router.get("/search", response={200: SearchOut, 422: ErrorOut}, summary="Search provisions")
def search_provisions(request: HttpRequest, filters: Query[SearchQueryIn]):
    try:
        results = search(SearchParams(**filters.dict()))
    except InvalidQuery as exc:
        return Status(422, {"detail": str(exc), "errors": []})
    return Status(
        200,
        {
            "query": results.query,
            "total": results.total,
            "total_is_estimate": results.total_is_estimate,
            "facet_basis": results.facet_basis,
            "limit": results.limit,
            "offset": results.offset,
            "total_full": results.total_full,
            "relaxed": results.relaxed,
            "message": results.message,
            "suggestions": results.suggestions,
            "searched_instead": results.searched_instead,
            "also_searched": results.also_searched,
            "ignored": results.ignored,
            "documents": [asdict(d) for d in results.documents],
            "document_total": results.document_total,
            "items": [
                {
                    "policy": {
                        "slug": h.policy_slug,
                        "title": h.policy_title,
                        "doc_number": h.doc_number,
                    },
                    "provision": {"eid": h.eid, "num": h.num, "heading": h.heading, "path": h.path},
                    "text": h.text,
                    "snippet": h.snippet,
                    "score": h.score,
                    "url": h.url,
                    "matched_all": h.matched_all,
                    "group": h.policy_slug,
                    "document_matches": h.document_matches,
                }
                for h in results.items
            ],
            "facets": {
                kind: [{"value": f.value, "label": f.label, "count": f.count} for f in values]
                for kind, values in results.facets.items()
            }
            | {k: [] for k in ("body", "type", "status", "year") if k not in results.facets},
        },
    )
