"""Response and filter schemas of the policies API. Every field is listed explicitly.

Resolvers read prefetched relations only (``.all()`` on a prefetch), so the handlers in
``policies/api.py`` decide the queries and a list never costs a query per row.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from django.db.models import Q
from ninja import Field, FilterLookup, FilterSchema, Schema

from policies.lineage import status_note
from policies.models import Policy, Provision
from policies.related import related_policies


def absolute(context: Any, path: str) -> str:
    """An absolute URL for ``path`` when the request is known (it always is inside a handler)."""
    request = (context or {}).get("request")
    return request.build_absolute_uri(path) if request is not None else path


class BodyRefOut(Schema):
    name: str
    slug: str


class PolicyRefOut(Schema):
    slug: str
    title: str


class PolicyListOut(Schema):
    slug: str
    title: str
    short_title: str
    doc_number: str
    doc_type: str
    status: str
    issued_on: date | None
    published_on: date | None
    url: str
    bodies: list[BodyRefOut]

    @staticmethod
    def resolve_url(obj: Policy, context: Any) -> str:
        return absolute(context, obj.get_absolute_url())

    @staticmethod
    def resolve_bodies(obj: Policy) -> list:
        # body_links is prefetched in signature order with its body selected.
        return [link.body for link in obj.body_links.all()]


class ReferenceOut(Schema):
    cited_title: str
    relation: str
    provision: str | None = Field(None, description="eid of the citing provision")
    target: str | None = Field(None, description="slug of the cited policy, null when unknown")
    resolved: bool

    @staticmethod
    def resolve_provision(obj: Any) -> str | None:
        return obj.provision.eid if obj.provision_id else None

    @staticmethod
    def resolve_target(obj: Any) -> str | None:
        return obj.target.slug if obj.target_id else None


class GoalOut(Schema):
    text: str
    provision: str

    @staticmethod
    def resolve_provision(obj: Any) -> str:
        return obj.provision.eid


class TaskOut(Schema):
    title: str
    provision: str
    lead: list[BodyRefOut] = Field(..., description="牵头 bodies from a division-of-labour table")
    partners: list[BodyRefOut] = Field(..., description="配合 bodies")

    @staticmethod
    def resolve_provision(obj: Any) -> str:
        return obj.provision.eid

    @staticmethod
    def resolve_lead(obj: Any) -> list:
        return obj.leads

    @staticmethod
    def resolve_partners(obj: Any) -> list:
        return obj.partners


class TargetOut(Schema):
    metric: str
    comparator: str
    value: float
    unit: str
    year: int | None
    sentence: str
    policy: PolicyRefOut
    provision: str = Field(..., description="eid of the provision stating the target")
    url: str

    @staticmethod
    def resolve_provision(obj: Any) -> str:
        return obj.provision.eid

    @staticmethod
    def resolve_url(obj: Any, context: Any) -> str:
        return absolute(context, f"{obj.policy.get_absolute_url()}#{obj.provision.eid}")


class RelatedOut(Schema):
    slug: str
    title: str
    shared_terms: list[str]


class PolicyDetailOut(PolicyListOut):
    doc_agency_code: str
    doc_year: int | None
    doc_serial: int | None
    publisher: str
    source_url: str
    authors: list[str]
    abstract: str
    comment_period_start: date | None
    comment_period_end: date | None
    status_reason: str = Field(..., description="状态说明: 征求意见至 …, 被《…》废止, 有效期至 …")
    status_date: date | None
    effective_on: date | None = Field(..., description="施行日期")
    expires_on: date | None = Field(..., description="有效期至")
    notice_title: str = Field(..., description="印发通知标题（本文件为其附件时）")
    notice_text: str
    notes: dict[str, Any] = Field(
        ..., description="文末信息：（此件公开发布）、抄送、印发、附件列表"
    )
    field_sources: dict[str, str] = Field(
        ...,
        description="各字段来源：text 正文 / page 网页元数据 / curated 人工整理 / override 人工指定",
    )
    is_stub: bool
    interprets: PolicyRefOut | None
    interpretations: list[PolicyRefOut]
    references: list[ReferenceOut]
    cited_by: list[PolicyRefOut] = Field(..., description="policies that cite this one")
    goals: list[GoalOut]
    targets: list[TargetOut]
    tasks: list[TaskOut]
    key_terms: list[str] = Field(..., description="terms the document marks (“quoted”, 以下简称)")
    related: list[RelatedOut] = Field(..., description="held documents sharing key terms")

    @staticmethod
    def resolve_status_reason(obj: Policy) -> str:
        note = status_note(obj)
        return note.reason if note else ""

    @staticmethod
    def resolve_status_date(obj: Policy) -> date | None:
        note = status_note(obj)
        return note.on if note else None

    @staticmethod
    def resolve_key_terms(obj: Policy) -> list[str]:
        return [term.term for term in obj.key_terms.all()]

    @staticmethod
    def resolve_related(obj: Policy) -> list[dict]:
        return [
            {"slug": other.slug, "title": other.title, "shared_terms": shared}
            for other, shared in related_policies(obj)
        ]

    @staticmethod
    def resolve_interpretations(obj: Policy) -> list:
        return list(obj.interpretations.all())

    @staticmethod
    def resolve_references(obj: Policy) -> list:
        return list(obj.references.all())

    @staticmethod
    def resolve_cited_by(obj: Policy) -> list:
        # One entry per citing policy, even when it cites this one several times.
        seen: dict[int, Policy] = {}
        for reference in obj.cited_by.all():
            seen.setdefault(reference.policy_id, reference.policy)
        return list(seen.values())

    @staticmethod
    def resolve_goals(obj: Policy) -> list:
        return list(obj.goals.all())

    @staticmethod
    def resolve_targets(obj: Policy) -> list:
        return list(obj.targets.all())

    @staticmethod
    def resolve_tasks(obj: Policy) -> list:
        return list(obj.tasks.all())


class ProvisionOut(Schema):
    eid: str
    kind: str
    num: str
    heading: str
    text: str
    depth: int
    parent: str | None = Field(None, description="eid of the enclosing provision")
    rows: list[list[str]] = Field(..., description="a table's cells, header row first")
    url: str

    @staticmethod
    def resolve_parent(obj: Provision) -> str | None:
        return obj.parent.eid if obj.parent_id else None

    @staticmethod
    def resolve_url(obj: Provision, context: Any) -> str:
        return absolute(context, obj.get_absolute_url())


class BodyOut(Schema):
    name: str
    slug: str
    aliases: list[str]
    policy_count: int
    url: str

    @staticmethod
    def resolve_url(obj: Any, context: Any) -> str:
        return absolute(context, obj.get_absolute_url())


class BodyDetailOut(BodyOut):
    policies: list[PolicyListOut]

    @staticmethod
    def resolve_policies(obj: Any) -> list:
        # Set by the handler: the body's real policies with their bodies prefetched.
        return obj.listed_policies


class PolicyFilter(FilterSchema):
    type: Annotated[str | None, FilterLookup("doc_type")] = Field(
        None, description="类型, e.g. 意见"
    )
    status: Annotated[str | None, FilterLookup("status")] = Field(None, description="状态")
    body: Annotated[str | None, FilterLookup("body_links__body__slug")] = Field(
        None, description="issuing body slug"
    )
    year: int | None = Field(
        None, ge=1949, le=2100, description="year of 成文日期 (else 发布日期), e.g. 2024"
    )
    include_stubs: bool = Field(
        False, description="also list stubs created for citations the knowledge base does not hold"
    )

    def filter_year(self, value: int | None) -> Q:
        if value is None:
            return Q()
        return Q(issued_on__year=value) | Q(issued_on__isnull=True, published_on__year=value)

    def filter_include_stubs(self, value: bool) -> Q:
        return Q() if value else Q(is_stub=False)


class TargetFilter(FilterSchema):
    """Shared by ``GET /api/v1/targets``, the /targets/ page and its CSV export."""

    policy: Annotated[str | None, FilterLookup("policy__slug")] = Field(
        None, description="policy slug"
    )
    body: Annotated[str | None, FilterLookup("policy__body_links__body__slug")] = Field(
        None, description="issuing body slug"
    )
    year: Annotated[int | None, FilterLookup("year")] = Field(
        None, ge=1949, le=2100, description="deadline year"
    )
    metric: Annotated[str | None, FilterLookup("metric__icontains")] = Field(
        None, max_length=100, description="words in the metric, e.g. 数据产业"
    )
