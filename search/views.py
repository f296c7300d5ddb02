"""The /search page: parse the query string, call search.query.search, render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from search.query import MAX_OFFSET, InvalidQuery, SearchParams, search

PAGE_SIZE = 10
FILTERS = ("body", "type", "status", "year_from", "year_to")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def search_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    page = max(_int(request.GET.get("page")) or 1, 1)
    page = min(page, MAX_OFFSET // PAGE_SIZE + 1)
    chosen = {name: request.GET.get(name, "").strip() for name in FILTERS}
    context: dict = {"q": q, "chosen": chosen, "results": None, "error": ""}
    if q:
        year_from, year_to = _int(chosen["year_from"]), _int(chosen["year_to"])
        params = SearchParams(
            q=q,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            body=chosen["body"] or None,
            type=chosen["type"] or None,
            status=chosen["status"] or None,
            year_from=year_from if year_from and 1000 <= year_from <= 9999 else None,
            year_to=year_to if year_to and 1000 <= year_to <= 9999 else None,
        )
        try:
            results = search(params)
        except InvalidQuery as exc:
            context["error"] = str(exc)
        else:
            context["results"] = results
            context["facets"] = _facet_links(q, chosen, results.facets)
            context.update(_pagination(q, chosen, page, results.total))
    status = 400 if context["error"] else 200
    return render(request, "search/page.html", context, status=status)


def _query_string(q: str, chosen: dict[str, str], **changes: str | int | None) -> str:
    params = {"q": q, **{k: v for k, v in chosen.items() if v}}
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(params)


def _facet_links(q: str, chosen: dict[str, str], facets: dict) -> list[dict]:
    """Facet groups for the template; each value links to the search narrowed (or widened) by it."""
    groups = []
    for kind, title in (
        ("body", "发文机关"),
        ("type", "类型"),
        ("status", "状态"),
        ("year", "年份"),
    ):
        values = []
        for facet in facets.get(kind, []):
            if kind == "year":
                active = chosen["year_from"] == facet.value and chosen["year_to"] == facet.value
                value = None if active else facet.value
                link = _query_string(q, chosen, year_from=value, year_to=value)
            else:
                active = chosen[kind] == facet.value
                link = _query_string(q, chosen, **{kind: None if active else facet.value})
            values.append(
                {"label": facet.label, "count": facet.count, "url": link, "active": active}
            )
        if values:
            groups.append({"title": title, "values": values})
    return groups


def _pagination(q: str, chosen: dict[str, str], page: int, total: int) -> dict:
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return {
        "page": page,
        "pages": pages,
        "prev_url": _query_string(q, chosen, page=page - 1) if page > 1 else "",
        "next_url": _query_string(q, chosen, page=page + 1) if page < pages else "",
    }
