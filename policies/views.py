"""Pages about policies and issuing bodies. Thin: fetch with the right prefetches, render."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from policies.models import (
    Goal,
    IssuingBody,
    Policy,
    Provision,
    Reference,
    Target,
    Task,
    TaskBody,
)
from policies.related import related_policies
from policies.schemas import newest_first, ordered_body_links

# Kinds that structure a document; they appear in the table of contents even without a heading.
STRUCTURAL_KINDS = {
    Provision.Kind.PART,
    Provision.Kind.CHAPTER,
    Provision.Kind.SECTION,
    Provision.Kind.BOX,
    Provision.Kind.ANNEX,
}


@dataclass
class TocEntry:
    provision: Provision
    children: list[TocEntry] = field(default_factory=list)


def filter_policies(queryset: QuerySet[Policy], params: dict[str, str]) -> QuerySet[Policy]:
    """Apply the list page's GET filters: 类型 (type), 状态 (status), 发文机关 (body slug)."""
    if params.get("type"):
        queryset = queryset.filter(doc_type=params["type"])
    if params.get("status"):
        queryset = queryset.filter(status=params["status"])
    if params.get("body"):
        queryset = queryset.filter(body_links__body__slug=params["body"])
    return queryset


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


def policy_list(request: HttpRequest) -> HttpResponse:
    params = {key: request.GET.get(key, "").strip() for key in ("type", "status", "body")}
    real = Policy.objects.real()
    policies = list(
        newest_first(filter_policies(real, params)).prefetch_related(ordered_body_links())
    )
    context = {
        "policies": policies,
        "params": params,
        "types": real.exclude(doc_type="")
        .order_by("doc_type")
        .values_list("doc_type", flat=True)
        .distinct(),
        "statuses": real.exclude(status="")
        .order_by("status")
        .values_list("status", flat=True)
        .distinct(),
        "bodies": IssuingBody.objects.filter(policy_links__policy__is_stub=False).distinct(),
        "filtered": any(params.values()),
    }
    return render(request, "policies/policy_list.html", context)


def policy_detail(request: HttpRequest, slug: str) -> HttpResponse:
    queryset = Policy.objects.select_related("interprets").prefetch_related(
        ordered_body_links(),
        "interpretations",
        Prefetch("references", queryset=Reference.objects.select_related("provision", "target")),
        Prefetch(
            "cited_by", queryset=Reference.objects.select_related("policy").order_by("policy__slug")
        ),
        Prefetch("goals", queryset=Goal.objects.select_related("provision")),
        Prefetch("targets", queryset=Target.objects.select_related("provision")),
        Prefetch(
            "tasks",
            queryset=Task.objects.select_related("provision").prefetch_related(
                Prefetch(
                    "body_links",
                    queryset=TaskBody.objects.select_related("body").order_by("role", "order"),
                )
            ),
        ),
    )
    policy = get_object_or_404(queryset, slug=slug)
    provisions = list(policy.provisions.order_by("order"))
    for provision in provisions:
        # 正文 is an <h2>; top-level provisions get <h3>, deeper ones down to <h6>.
        provision.heading_level = min(provision.depth + 3, 6)
    citing = {reference.policy_id: reference.policy for reference in policy.cited_by.all()}
    context = {
        "policy": policy,
        "bodies": [link.body for link in policy.body_links.all()],
        "provisions": provisions,
        "toc": build_toc(provisions),
        "citing_policies": list(citing.values()),
        "key_terms": list(policy.key_terms.all()[:30]),
        "related": related_policies(policy),
        # A division-of-labour table named bodies: show tasks as a matrix with them.
        "task_matrix": any(task.body_links.all() for task in policy.tasks.all()),
    }
    return render(request, "policies/policy_detail.html", context)


def body_list(request: HttpRequest) -> HttpResponse:
    bodies = IssuingBody.objects.annotate(
        policy_count=Count("policy_links", filter=Q(policy_links__policy__is_stub=False))
    ).order_by("-policy_count", "name")
    return render(request, "policies/body_list.html", {"bodies": bodies})


def body_detail(request: HttpRequest, slug: str) -> HttpResponse:
    body = get_object_or_404(IssuingBody, slug=slug)
    policies = newest_first(Policy.objects.real().filter(body_links__body=body)).prefetch_related(
        ordered_body_links()
    )
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
