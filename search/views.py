"""The /search page: parse the query string, call search.query.search, render.

Clause hits are grouped under their document on the page (the API keeps them flat); document
results come first; facets sit in a sidebar that folds away on a phone.
"""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import urlencode

from search.query import MAX_OFFSET, Hit, InvalidQuery, Results, SearchParams, search

PAGE_SIZE = 10
FILTERS = ("body", "type", "status", "year_from", "year_to", "policy")
# Clauses shown per document before "N more in this document".
SHOWN_PER_DOCUMENT = 2
FACET_TITLES = (("body", "发文机关"), ("type", "类型"), ("status", "状态"), ("year", "年份"))


@functools.cache
def examples() -> tuple[str, ...]:
    """The empty page's example searches: curated data for the collection held, not code."""
    path = Path(settings.FIXTURES_DIR) / "search_examples.txt"
    if not path.exists():
        return ()
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


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
    context: dict = {"q": q, "chosen": chosen, "results": None, "error": "", "examples": examples()}
    if not q:
        return render(request, "search/page.html", context)
    year_from, year_to = _int(chosen["year_from"]), _int(chosen["year_to"])
    params = SearchParams(
        q=q,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        body=chosen["body"] or None,
        type=chosen["type"] or None,
        status=chosen["status"] or None,
        year_from=year_from,
        year_to=year_to,
        policy=chosen["policy"] or None,
    )
    try:
        results = search(params)
    except InvalidQuery as exc:
        context["error"] = _message(str(exc))
        return render(request, "search/page.html", context, status=422)
    pages = max((results.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if page > pages:
        # Past the end (an old link, a hand-edited URL): the last page that has results.
        return HttpResponseRedirect(_query_string(q, chosen, page=pages if pages > 1 else None))
    context["results"] = results
    context["facets"] = _facet_links(q, chosen, results)
    context["selected"] = _selected(q, chosen, results)
    context["groups"] = _groups(q, chosen, results.items)
    context.update(_pagination(q, chosen, page, pages))
    return render(request, "search/page.html", context)


def _message(error: str) -> str:
    """The page's wording of a parameter error (the API keeps the technical one)."""
    if error.startswith("year_from ("):
        return "起始年份晚于截止年份，请调换或修改年份范围。"
    if "four-digit year" in error:
        return "年份须为四位数字，如 2024。"
    return error


def _query_string(q: str, chosen: dict[str, str], **changes: str | int | None) -> str:
    params = {"q": q, **{k: v for k, v in chosen.items() if v}}
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(params)


def _facet_links(q: str, chosen: dict[str, str], results: Results) -> list[dict]:
    """Facet groups; each value links to the search narrowed by it, or widened again if chosen."""
    groups = []
    for kind, title in FACET_TITLES:
        values = []
        for facet in results.facets.get(kind, []):
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
            groups.append({"kind": kind, "title": title, "values": values})
    return groups


def _selected(q: str, chosen: dict[str, str], results: Results) -> list[dict]:
    """The filters in force, each with a link that removes it."""
    labels = {
        f.value: f.label for values in results.facets.values() for f in values
    }  # slug → body name
    selected = []
    for kind, title in (("body", "发文机关"), ("type", "类型"), ("status", "状态")):
        if chosen[kind]:
            selected.append(
                {
                    "label": f"{title}：{labels.get(chosen[kind], chosen[kind])}",
                    "url": _query_string(q, chosen, **{kind: None}),
                }
            )
    if chosen["year_from"] or chosen["year_to"]:
        span = (
            chosen["year_from"]
            if chosen["year_from"] == chosen["year_to"]
            else f"{chosen['year_from'] or '…'}–{chosen['year_to'] or '…'}"
        )
        selected.append(
            {
                "label": f"年份：{span}",
                "url": _query_string(q, chosen, year_from=None, year_to=None),
            }
        )
    if chosen["policy"]:
        title = next(
            (h.policy_title for h in results.items if h.policy_slug == chosen["policy"]),
            chosen["policy"],
        )
        selected.append({"label": f"文件：{title}", "url": _query_string(q, chosen, policy=None)})
    return selected


def _groups(q: str, chosen: dict[str, str], items: list[Hit]) -> list[dict]:
    """The page's clause hits under their documents, in the order of each document's best hit."""
    groups: dict[str, dict] = {}
    for hit in items:
        group = groups.get(hit.policy_slug)
        if group is None:
            group = groups[hit.policy_slug] = {
                "slug": hit.policy_slug,
                "title": hit.policy_title,
                "doc_number": hit.doc_number,
                "hits": [],
                "matches": hit.document_matches,
                "all_url": _query_string(q, chosen, policy=hit.policy_slug, page=None),
            }
        group["hits"].append(hit)
    out = []
    for group in groups.values():
        shown, rest = group["hits"][:SHOWN_PER_DOCUMENT], group["hits"][SHOWN_PER_DOCUMENT:]
        group["shown"], group["rest"] = shown, rest
        group["more"] = max(group["matches"] - len(shown), len(rest))
        group["in_document"] = bool(chosen["policy"])
        out.append(group)
    return out


def _pagination(q: str, chosen: dict[str, str], page: int, pages: int) -> dict:
    return {
        "page": page,
        "pages": pages,
        "prev_url": _query_string(q, chosen, page=page - 1) if page > 1 else "",
        "next_url": _query_string(q, chosen, page=page + 1) if page < pages else "",
    }
