"""JSON API for policies, their provisions, targets and issuing bodies (mounted at /api/v1/).

Lists answer ``{items, count}`` and take ``limit``/``offset``; out-of-range values are a 422,
never a silent clamp. Unknown slugs are a 404. Both use the error shape set in portal/api.py.
"""

# No `from __future__ import annotations` here: django-ninja builds its query-parameter models
# from the handlers' annotations at import time and cannot resolve them as strings.

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

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
from policies.schemas import (
    BodyDetailOut,
    BodyOut,
    PolicyDetailOut,
    PolicyFilter,
    PolicyListOut,
    ProvisionOut,
    TargetFilter,
    TargetOut,
    newest_first,
    ordered_body_links,
)

router = Router(tags=["policies"])

# Postgres takes a bigint OFFSET; bound it well below that so absurd offsets are a 422, not a 500.
MAX_OFFSET = 1_000_000


class Pagination(LimitOffsetPagination):
    """limit 1..200 (default 20), offset >= 0."""

    class Input(Schema):
        limit: int = Field(20, ge=1, le=200, description="page size, 1..200")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="items to skip")

    def __init__(self, **kwargs) -> None:
        super().__init__(max_limit=200, **kwargs)


class ProvisionPagination(LimitOffsetPagination):
    """Provisions come in long runs: limit 1..500 (default 100), offset >= 0."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=500, description="page size, 1..500")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="items to skip")

    def __init__(self, **kwargs) -> None:
        super().__init__(max_limit=500, **kwargs)


def policy_list_queryset() -> QuerySet[Policy]:
    return newest_first(Policy.objects.prefetch_related(ordered_body_links()))


def bodies_with_counts() -> QuerySet[IssuingBody]:
    return IssuingBody.objects.annotate(
        policy_count=Count("policy_links", filter=Q(policy_links__policy__is_stub=False))
    )


def get_policy_or_404(queryset: QuerySet[Policy], slug: str) -> Policy:
    try:
        return queryset.get(slug=slug)
    except Policy.DoesNotExist:
        raise Http404(f"no policy with slug {slug!r}") from None


@router.get("/policies", response=list[PolicyListOut], summary="List policies")
@paginate(Pagination)
def list_policies(request: HttpRequest, filters: Query[PolicyFilter]) -> QuerySet[Policy]:
    """Policies held in full, newest first; stubs only with ``include_stubs=true``."""
    return filters.filter(policy_list_queryset())


@router.get(
    "/policies/{slug}", response=PolicyDetailOut, summary="One policy with everything it states"
)
def get_policy(request: HttpRequest, slug: str) -> Policy:
    queryset = (
        policy_list_queryset()
        .select_related("interprets")
        .prefetch_related(
            "interpretations",
            Prefetch(
                "references", queryset=Reference.objects.select_related("provision", "target")
            ),
            Prefetch(
                "cited_by",
                queryset=Reference.objects.select_related("policy").order_by("policy__slug"),
            ),
            Prefetch("goals", queryset=Goal.objects.select_related("provision")),
            Prefetch("targets", queryset=Target.objects.select_related("provision", "policy")),
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
    )
    return get_policy_or_404(queryset, slug)


@router.get(
    "/policies/{slug}/provisions",
    response=list[ProvisionOut],
    summary="A policy's provisions in reading order",
)
@paginate(ProvisionPagination)
def list_provisions(request: HttpRequest, slug: str) -> QuerySet[Provision]:
    policy = get_policy_or_404(Policy.objects.all(), slug)
    return (
        Provision.objects.filter(policy=policy).select_related("parent", "policy").order_by("order")
    )


@router.get("/targets", response=list[TargetOut], summary="Quantified targets")
@paginate(Pagination)
def list_targets(request: HttpRequest, filters: Query[TargetFilter]) -> QuerySet[Target]:
    queryset = Target.objects.select_related("policy", "provision").order_by(
        "policy__slug", "order", "id"
    )
    return filters.filter(queryset)


@router.get("/bodies", response=list[BodyOut], summary="Issuing bodies")
@paginate(Pagination)
def list_bodies(request: HttpRequest) -> QuerySet[IssuingBody]:
    return bodies_with_counts().order_by("name")


@router.get("/bodies/{slug}", response=BodyDetailOut, summary="One issuing body and its policies")
def get_body(request: HttpRequest, slug: str) -> IssuingBody:
    try:
        body = bodies_with_counts().get(slug=slug)
    except IssuingBody.DoesNotExist:
        raise Http404(f"no issuing body with slug {slug!r}") from None
    body.listed_policies = list(policy_list_queryset().real().filter(body_links__body=body))
    return body
