"""Pages about policies, issuing bodies, targets and key terms; comparison, exports and the
clause short links. Thin: read the filter, call a QuerySet method or a module, render."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce, ExtractYear
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from ninja import FilterSchema
from pydantic import ValidationError

from policies import compare as comparison
from policies.citations import clause_citation, gbt7714, policy_citation
from policies.exports import EXPORT_CAP, FORMATS, Export, stream
from policies.lineage import lineage_for, status_note
from policies.models import IssuingBody, KeyTerm, Policy, Provision, Target, Task, TaskBody
from policies.related import related_policies
from policies.schemas import PolicyFilter, TargetFilter
from policies.timeline import deadline_chart, timeline
from search.query import MAX_LIMIT, InvalidQuery, SearchParams, search

F = TypeVar("F", bound=FilterSchema)

# Kinds that structure a document; they appear in the table of contents even without a heading.
STRUCTURAL_KINDS = {
    Provision.Kind.PART,
    Provision.Kind.CHAPTER,
    Provision.Kind.SECTION,
    Provision.Kind.BOX,
    Provision.Kind.ANNEX,
}


def reject_nul(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A NUL byte in the path or a parameter is a 400: PostgreSQL text cannot hold one, and a
    query with it would fail as a 500."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        values = [request.path, *(v for vs in request.GET.lists() for v in vs[1])]
        if any("\x00" in value for value in values):
            return HttpResponseBadRequest(
                "请求中含有无效字符（NUL）".encode(), content_type="text/plain; charset=utf-8"
            )
        return view(request, *args, **kwargs)

    return wrapper


@dataclass
class TocEntry:
    provision: Provision
    children: list[TocEntry] = field(default_factory=list)


def read_filter(
    schema: type[F], request: HttpRequest, names: tuple[str, ...]
) -> tuple[F, dict[str, str], str]:
    """The GET filters through the API's own FilterSchema: the same names, types and limits on
    the page as in ``/api/v1``. Returns the filter, the raw values and an error naming the bad
    parameter (empty when all are fine; the filter is then empty too)."""
    raw = {name: request.GET.get(name, "").strip() for name in names}
    try:
        return schema.model_validate({k: v for k, v in raw.items() if v}), raw, ""
    except ValidationError as exc:
        problems = "；".join(
            f"参数 {'.'.join(str(part) for part in error['loc'])} 无效：{error['input']!s:.40}"
            for error in exc.errors()
        )
        return schema(), raw, problems


def build_toc(provisions: list[Provision]) -> list[TocEntry]:
    """Nest the headed provisions under their nearest headed ancestor, in reading order."""
    entries: dict[int, TocEntry] = {}
    by_id = {provision.id: provision for provision in provisions}
    roots: list[TocEntry] = []
    for provision in provisions:
        if not (provision.heading or provision.kind in STRUCTURAL_KINDS):
            continue
        entry = TocEntry(provision)
        entries[provision.id] = entry
        ancestor_id = provision.parent_id
        while ancestor_id is not None and ancestor_id not in entries:
            ancestor = by_id.get(ancestor_id)
            ancestor_id = ancestor.parent_id if ancestor else None
        (entries[ancestor_id].children if ancestor_id is not None else roots).append(entry)
    return roots


def _years(queryset: QuerySet[Policy]) -> list[int]:
    years = (
        queryset.annotate(y=ExtractYear(Coalesce("issued_on", "published_on")))
        .exclude(y__isnull=True)
        .order_by("-y")
        .values_list("y", flat=True)
        .distinct()
    )
    return list(years)


@reject_nul
def policy_list(request: HttpRequest) -> HttpResponse:
    filters, params, error = read_filter(PolicyFilter, request, ("type", "status", "body", "year"))
    real = Policy.objects.real()
    policies = list(filters.filter(real).with_bodies().newest_first())
    context = {
        "policies": policies,
        "params": params,
        "error": error,
        "types": real.exclude(doc_type="")
        .order_by("doc_type")
        .values_list("doc_type", flat=True)
        .distinct(),
        "statuses": real.exclude(status="")
        .order_by("status")
        .values_list("status", flat=True)
        .distinct(),
        "bodies": IssuingBody.objects.filter(policy_links__policy__is_stub=False).distinct(),
        "years": _years(real),
        "filtered": any(params.values()),
        "query": request.GET.urlencode(),
    }
    return render(request, "policies/policy_list.html", context, status=400 if error else 200)


@reject_nul
def policy_detail(request: HttpRequest, slug: str) -> HttpResponse:
    policy = get_object_or_404(Policy.objects.for_detail(), slug=slug)
    provisions = list(policy.provisions.order_by("order"))
    by_id = {provision.id: provision for provision in provisions}
    bodies = [link.body for link in policy.body_links.all()]
    for provision in provisions:
        # 正文 is an <h2>; top-level provisions get <h3>, deeper ones down to <h6>.
        provision.heading_level = min(provision.depth + 3, 6)
        provision.citation = clause_citation(policy, bodies, provision, by_id)
    groups = timeline(policy.targets.all())
    # A title cited from several clauses (or cited and interpreted) is listed once.
    lineage = lineage_for(policy)
    # Documents in the lineage chain are not listed again under 引用.
    in_chain = {link.other.pk for link in lineage.upstream if link.lineage}
    references: dict[int | str, object] = {}
    for reference in policy.references.all():
        if reference.target_id in in_chain:
            continue
        key = reference.target_id or reference.cited_title
        kept = references.setdefault(key, reference)
        kept.relations = [*getattr(kept, "relations", []), reference.get_relation_display()]
    context = {
        "policy": policy,
        "bodies": bodies,
        "provisions": provisions,
        "toc": build_toc(provisions),
        "references": list(references.values()),
        "lineage": lineage,
        "status_note": status_note(policy),
        "citation": policy_citation(policy, bodies),
        "article_citation": gbt7714(policy) if policy.doc_type == "文章" else "",
        "key_terms": list(policy.key_terms.all()[:30]),
        "related": related_policies(policy),
        "target_groups": groups,
        "chart": deadline_chart(groups),
        "description": _description(policy, bodies),
        # A division-of-labour table named bodies: show tasks as a matrix with them.
        "task_matrix": any(task.body_links.all() for task in policy.tasks.all()),
    }
    return render(request, "policies/policy_detail.html", context)


def _description(policy: Policy, bodies: list[IssuingBody]) -> str:
    if policy.abstract:
        return policy.abstract[:150]
    parts = ["、".join(body.name for body in bodies), policy.doc_number, policy.doc_type]
    return " ".join(part for part in parts if part) or policy.title


@reject_nul
def clause_redirect(request: HttpRequest, slug: str, eid: str) -> HttpResponse:
    """The stable short link of a clause: a permanent redirect to its anchor on the policy page."""
    provision = get_object_or_404(
        Provision.objects.select_related("policy"), policy__slug=slug, eid=eid
    )
    return redirect(provision.get_absolute_url(), permanent=True)


@reject_nul
def body_list(request: HttpRequest) -> HttpResponse:
    bodies = IssuingBody.objects.with_policy_counts().order_by("-policy_count", "name")
    return render(request, "policies/body_list.html", {"bodies": bodies})


@reject_nul
def body_detail(request: HttpRequest, slug: str) -> HttpResponse:
    body = get_object_or_404(IssuingBody, slug=slug)
    policies = Policy.objects.real().filter(body_links__body=body).with_bodies().newest_first()
    led_tasks = (
        Task.objects.filter(body_links__body=body, body_links__role=TaskBody.Role.LEAD)
        .select_related("policy", "provision")
        .order_by("policy__slug", "order")
        .distinct()
    )
    return render(
        request,
        "policies/body_detail.html",
        {"body": body, "policies": policies, "led_tasks": list(led_tasks)},
    )


TARGET_FILTERS = ("body", "policy", "year", "metric")


@reject_nul
def targets_page(request: HttpRequest) -> HttpResponse:
    """Every quantified target, filtered like ``GET /api/v1/targets``, as a deadline timeline."""
    filters, params, error = read_filter(TargetFilter, request, TARGET_FILTERS)
    targets = list(filters.filter(Target.objects.filter(policy__is_stub=False).for_listing()))
    groups = timeline(targets)
    with_targets = Policy.objects.real().filter(targets__isnull=False).distinct()
    context = {
        "groups": groups,
        "chart": deadline_chart(groups),
        "count": len(targets),
        "params": params,
        "error": error,
        "filtered": any(params.values()),
        "policies": with_targets.order_by("title"),
        "bodies": IssuingBody.objects.filter(policy_links__policy__in=with_targets)
        .distinct()
        .order_by("name"),
        "years": Target.objects.exclude(year__isnull=True)
        .order_by("year")
        .values_list("year", flat=True)
        .distinct(),
        "query": request.GET.urlencode(),
    }
    return render(request, "policies/targets.html", context, status=400 if error else 200)


@reject_nul
def compare_page(request: HttpRequest) -> HttpResponse:
    slugs = request.GET.getlist("p")
    choices = Policy.objects.real().order_by("title").only("slug", "title")
    context: dict = {"choices": choices, "chosen": slugs, "error": "", "result": None}
    # One document (the link from a policy page) is the start of a choice, not an error.
    if len({slug.strip() for slug in slugs if slug.strip()}) > 1 or len(slugs) > 3:
        try:
            context["result"] = comparison.compare(comparison.load(slugs))
        except comparison.CompareError as exc:
            context["error"] = str(exc)
    return render(
        request, "policies/compare.html", context, status=400 if context["error"] else 200
    )


@reject_nul
def key_term_page(request: HttpRequest, term: str) -> HttpResponse:
    """A key term: the documents that mark it and every clause whose text uses it."""
    marking = list(
        KeyTerm.objects.filter(term=term, policy__is_stub=False)
        .select_related("policy")
        .order_by("-occurrences", "policy__slug")
    )
    clauses = list(
        Provision.objects.filter(policy__is_stub=False)
        .filter(Q(text__contains=term) | Q(heading__contains=term))
        .select_related("policy")
        .order_by("policy__slug", "order")
    )
    if not marking and not clauses:
        raise Http404(f"no document uses {term!r}")
    return render(
        request, "policies/key_term.html", {"term": term, "marking": marking, "clauses": clauses}
    )


# --- exports -------------------------------------------------------------------------------


def _policy_rows(queryset: QuerySet[Policy]):
    for policy in queryset.iterator(chunk_size=500):
        yield {
            "slug": policy.slug,
            "title": policy.title,
            "doc_number": policy.doc_number,
            "doc_type": policy.doc_type,
            "status": policy.status,
            "bodies": [link.body.name for link in policy.body_links.all()],
            "issued_on": policy.issued_on,
            "published_on": policy.published_on,
            "url": policy.get_absolute_url(),
        }


def _target_rows(queryset: QuerySet[Target]):
    for target in queryset.iterator(chunk_size=500):
        yield {
            "policy": target.policy.slug,
            "policy_title": target.policy.title,
            "metric": target.metric,
            "comparator": target.comparator,
            "value": target.value.normalize(),
            "unit": target.unit,
            "year": target.year,
            "clause": target.provision.eid,
            "sentence": target.sentence,
            "url": target.get_absolute_url(),
        }


def _task_rows(queryset: QuerySet[Task]):
    for task in queryset.iterator(chunk_size=500):
        yield {
            "policy": task.policy.slug,
            "policy_title": task.policy.title,
            "title": task.title,
            "clause": task.provision.eid,
            "url": task.get_absolute_url(),
        }


def _search_rows(params: SearchParams, total: int):
    offset = 0
    while offset < min(total, EXPORT_CAP):
        page = search(dataclasses.replace(params, limit=MAX_LIMIT, offset=offset))
        if not page.items:
            return
        for hit in page.items:
            yield {
                "policy": hit.policy_slug,
                "policy_title": hit.policy_title,
                "doc_number": hit.doc_number,
                "clause": hit.eid,
                "path": " / ".join(hit.path),
                "text": hit.text,
                "score": round(hit.score, 4),
                "url": hit.url,
            }
        offset += MAX_LIMIT


def _bad_export(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "policies/export_error.html", {"error": message}, status=400)


@reject_nul
def export(request: HttpRequest, what: str, fmt: str) -> HttpResponse:
    """``/export/<policies|targets|tasks|search>.<csv|jsonl>`` with the pages' own filters."""
    if fmt not in FORMATS:
        return _bad_export(request, f"不支持的格式 {fmt!r}：可用 csv 或 jsonl")
    if what == "policies":
        filters, _, error = read_filter(PolicyFilter, request, ("type", "status", "body", "year"))
        if error:
            return _bad_export(request, error)
        queryset = filters.filter(Policy.objects.real()).newest_first()
        rows = _policy_rows(queryset.with_bodies()[:EXPORT_CAP])
        columns = ["slug", "title", "doc_number", "doc_type", "status", "bodies"]
        columns += ["issued_on", "published_on", "url"]
        data = Export("policies", columns, rows, queryset.count())
    elif what == "targets":
        filters, _, error = read_filter(TargetFilter, request, TARGET_FILTERS)
        if error:
            return _bad_export(request, error)
        queryset = filters.filter(Target.objects.filter(policy__is_stub=False).for_listing())
        columns = ["policy", "policy_title", "metric", "comparator", "value", "unit", "year"]
        columns += ["clause", "sentence", "url"]
        data = Export("targets", columns, _target_rows(queryset[:EXPORT_CAP]), queryset.count())
    elif what == "tasks":
        queryset = Task.objects.filter(policy__is_stub=False).select_related("policy", "provision")
        if request.GET.get("policy"):
            queryset = queryset.filter(policy__slug=request.GET["policy"])
        queryset = queryset.order_by("policy__slug", "order", "id")
        columns = ["policy", "policy_title", "title", "clause", "url"]
        data = Export("tasks", columns, _task_rows(queryset[:EXPORT_CAP]), queryset.count())
    elif what == "search":
        params = SearchParams(
            q=request.GET.get("q", "").strip(),
            limit=1,
            body=request.GET.get("body") or None,
            type=request.GET.get("type") or None,
            status=request.GET.get("status") or None,
        )
        try:
            total = search(params).total
        except InvalidQuery as exc:
            return _bad_export(request, f"搜索参数无效：{exc}")
        columns = ["policy", "policy_title", "doc_number", "clause", "path", "text", "score"]
        columns += ["url"]
        data = Export("search", columns, _search_rows(params, total), total)
    else:
        raise Http404(f"nothing to export as {what!r}")
    return stream(data, fmt)
