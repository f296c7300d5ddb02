"""Admin for the records: editing, search, filters and CSV/XLSX import/export.

Imports run inside a transaction (django-import-export's IMPORT_EXPORT_USE_TRANSACTIONS,
which defaults to True), so a file with one bad row changes nothing.
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from import_export.admin import ImportExportModelAdmin

from policies.admin_upload import CuratorUploadMixin
from policies.models import (
    Goal,
    IssuingBody,
    KeyTerm,
    Policy,
    PolicyBody,
    Provision,
    Reference,
    SourceDocument,
    Target,
    Task,
    TaskBody,
)
from policies.resources import (
    IssuingBodyResource,
    PolicyResource,
    ProvisionResource,
    TargetResource,
)


class PolicyBodyInline(admin.TabularInline):
    model = PolicyBody
    fields = ("order", "body")
    ordering = ("order",)
    autocomplete_fields = ("body",)
    extra = 0


class TargetInline(admin.TabularInline):
    model = Target
    fields = ("order", "metric", "comparator", "value", "unit", "year", "provision")
    # The clause is shown, not edited here (a raw-id widget costs a query per row); change it on
    # the target's own page.
    readonly_fields = ("provision",)
    ordering = ("order",)
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provision")


class ReferenceInline(admin.TabularInline):
    """The document's citations and lineage; a curator sets or corrects the relation here."""

    model = Reference
    fk_name = "policy"
    fields = ("relation", "cited_title", "target", "provision")
    raw_id_fields = ("target", "provision")
    extra = 0
    verbose_name = "引用与沿革"
    verbose_name_plural = "引用与沿革（依据、贯彻落实、修订、替代、废止、正式文本）"


@admin.register(Policy)
class PolicyAdmin(ImportExportModelAdmin):
    resource_classes = (PolicyResource,)
    list_display = (
        "title",
        "doc_number",
        "doc_type",
        "status",
        "issued_on",
        "published_on",
        "is_stub",
    )
    list_filter = ("is_stub", "doc_type", "status", "bodies")
    search_fields = ("title", "short_title", "doc_number", "slug")
    date_hierarchy = "published_on"
    autocomplete_fields = ("interprets",)
    readonly_fields = ("source", "clause_list", "field_sources_display")
    inlines = (PolicyBodyInline, ReferenceInline, TargetInline)
    # Sources are cited over https; Django 5.x would otherwise prepend http:// to a bare host.
    formfield_overrides: ClassVar[dict] = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ["title", "short_title", "slug", "is_stub"]}),
        ("状态", {"fields": ["status", "status_reason", "status_date"]}),
        (
            "发文字号",
            {"fields": ["doc_number", "doc_agency_code", "doc_year", "doc_serial"]},
        ),
        (
            "类型与日期",
            {
                "fields": [
                    "doc_type",
                    "issued_on",
                    "published_on",
                    "comment_period_start",
                    "comment_period_end",
                    "effective_on",
                    "expires_on",
                ]
            },
        ),
        (
            "来源",
            {"fields": ["publisher", "source_url", "authors", "abstract", "interprets", "source"]},
        ),
        ("印发通知与文末信息", {"fields": ["notice_title", "notice_text", "notes"]}),
        ("字段来源", {"fields": ["field_sources_display"]}),
        ("条款", {"fields": ["clause_list"], "classes": ["collapse"]}),
    )

    @admin.display(description="条款")
    def clause_list(self, obj: Policy) -> str:
        """The clauses as one read-only table, each linked to its own change page.

        A formset of 100+ clauses takes seconds to render and invites editing eIds in bulk; a
        clause is edited on its own page, where the eId is read-only."""
        # One reverse(), not one per clause: the URL differs only in the primary key.
        change_url = reverse("admin:policies_provision_change", args=[0]).replace("/0/", "/{}/")
        rows = format_html_join(
            "",
            '<tr><td>{}</td><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>',
            (
                (
                    p.order,
                    change_url.format(p.pk),
                    f"{p.num} {p.heading}".strip() or p.get_kind_display(),
                    p.get_kind_display(),
                    p.text[:60] + ("…" if len(p.text) > 60 else ""),
                    p.eid,
                )
                for p in obj.provisions.order_by("order").only(
                    "id", "policy_id", "order", "num", "heading", "kind", "text", "eid"
                )
            ),
        )
        head = (
            "<tr><th>顺序</th><th>编号与标题</th><th>层级</th><th>正文摘要</th><th>锚点</th></tr>"
        )
        return format_html(
            '<table class="clause-list"><thead>{}</thead><tbody>{}</tbody></table>',
            mark_safe(head),
            rows,
        )

    @admin.display(
        description="字段来源（text 正文 / page 网页元数据 / curated 人工整理 / override 预览修改）"
    )
    def field_sources_display(self, obj: Policy) -> str:
        # Read-only: the loader records where each field came from; a curator edits values,
        # not their provenance.
        return ", ".join(f"{name}: {source}" for name, source in sorted(obj.field_sources.items()))


@admin.register(IssuingBody)
class IssuingBodyAdmin(ImportExportModelAdmin):
    resource_classes = (IssuingBodyResource,)
    list_display = ("name", "slug", "aliases")
    list_filter = (("policy_links", admin.EmptyFieldListFilter),)
    search_fields = ("name", "slug", "aliases")
    fields = ("name", "slug", "aliases")


@admin.register(Provision)
class ProvisionAdmin(ImportExportModelAdmin):
    resource_classes = (ProvisionResource,)
    list_display = ("eid", "policy", "kind", "num", "heading", "order", "depth")
    list_filter = ("kind", "depth", "policy")
    list_select_related = ("policy",)
    search_fields = ("eid", "num", "heading", "text", "policy__title")
    raw_id_fields = ("policy", "parent")
    readonly_fields = ("eid",)
    ordering = ("policy", "order")


@admin.register(Target)
class TargetAdmin(ImportExportModelAdmin):
    resource_classes = (TargetResource,)
    list_display = ("metric", "comparator", "value", "unit", "year", "policy")
    list_filter = ("year", "unit", "policy")
    list_select_related = ("policy",)
    search_fields = ("metric", "sentence", "policy__title")
    raw_id_fields = ("policy", "provision")


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ("text", "policy", "order")
    list_filter = ("policy",)
    list_select_related = ("policy",)
    search_fields = ("text", "policy__title")
    raw_id_fields = ("policy", "provision")


class TaskBodyInline(admin.TabularInline):
    model = TaskBody
    fields = ("role", "order", "body")
    autocomplete_fields = ("body",)
    extra = 0


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "policy", "order")
    list_filter = ("policy",)
    list_select_related = ("policy",)
    search_fields = ("title", "policy__title")
    raw_id_fields = ("policy", "provision")
    inlines = (TaskBodyInline,)


@admin.register(TaskBody)
class TaskBodyAdmin(admin.ModelAdmin):
    list_display = ("task", "role", "body", "order")
    list_filter = ("role",)
    list_select_related = ("task", "body")
    search_fields = ("task__title", "body__name")
    raw_id_fields = ("task", "body")


@admin.register(Reference)
class ReferenceAdmin(admin.ModelAdmin):
    list_display = ("cited_title", "policy", "relation", "target")
    list_filter = ("relation", ("target", admin.EmptyFieldListFilter), "policy")
    list_select_related = ("policy", "target")
    search_fields = ("cited_title", "policy__title", "target__title")
    raw_id_fields = ("policy", "provision", "target")


@admin.register(PolicyBody)
class PolicyBodyAdmin(admin.ModelAdmin):
    list_display = ("policy", "body", "order")
    list_filter = ("body",)
    list_select_related = ("policy", "body")
    search_fields = ("policy__title", "body__name")
    raw_id_fields = ("policy", "body")


@admin.register(SourceDocument)
class SourceDocumentAdmin(CuratorUploadMixin, admin.ModelAdmin):
    list_display = ("name", "sha256", "loaded_at")
    list_filter = ("loaded_at",)
    search_fields = ("name", "sha256")
    readonly_fields = ("name", "sha256", "loaded_at")


@admin.register(KeyTerm)
class KeyTermAdmin(admin.ModelAdmin):
    list_display = ("term", "policy", "occurrences", "curated")
    list_filter = ("curated", "policy__doc_type")
    list_select_related = ("policy",)
    search_fields = ("term", "policy__title")
    raw_id_fields = ("policy",)
