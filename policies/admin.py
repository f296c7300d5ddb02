"""Admin for the records: editing, search, filters and CSV/XLSX import/export.

Imports run inside a transaction (django-import-export's IMPORT_EXPORT_USE_TRANSACTIONS,
which defaults to True), so a file with one bad row changes nothing.
"""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.contrib import admin
from django.db import models
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


class ProvisionInline(admin.TabularInline):
    model = Provision
    # The parent is left to the provision's own page: a select of every provision per row
    # would make a long policy's page unusable.
    fields = ("order", "depth", "kind", "num", "heading", "text", "eid")
    ordering = ("order",)
    formfield_overrides: ClassVar[dict] = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 60})}
    }
    extra = 0
    show_change_link = True


class TargetInline(admin.TabularInline):
    model = Target
    fields = ("order", "metric", "comparator", "value", "unit", "year", "provision")
    ordering = ("order",)
    raw_id_fields = ("provision",)
    extra = 0
    show_change_link = True


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
    readonly_fields = ("source",)
    inlines = (PolicyBodyInline, TargetInline, ProvisionInline)
    # Sources are cited over https; Django 5.x would otherwise prepend http:// to a bare host.
    formfield_overrides: ClassVar[dict] = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ["title", "short_title", "slug", "is_stub"]}),
        (
            "发文字号",
            {"fields": ["doc_number", "doc_agency_code", "doc_year", "doc_serial"]},
        ),
        (
            "类型与日期",
            {
                "fields": [
                    "doc_type",
                    "status",
                    "issued_on",
                    "published_on",
                    "comment_period_start",
                    "comment_period_end",
                ]
            },
        ),
        (
            "来源",
            {"fields": ["publisher", "source_url", "authors", "abstract", "interprets", "source"]},
        ),
    )


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


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "policy", "order")
    list_filter = ("policy",)
    list_select_related = ("policy",)
    search_fields = ("title", "policy__title")
    raw_id_fields = ("policy", "provision")


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
    list_display = ("term", "policy", "occurrences")
    list_filter = ("policy__doc_type",)
    list_select_related = ("policy",)
    search_fields = ("term", "policy__title")
    raw_id_fields = ("policy",)
