"""Curator workflow in the admin: upload a file with optional overrides → preview → publish or
discard, and re-parse stored sources after a parser change.

Only staff holding ``policies.publish_policy`` may upload, publish or re-parse. The file waits
between preview and publish in the curator's session (server-side, in the database), so any
web server behind a balancer can publish it; nothing is written to the records before publish.
"""

from __future__ import annotations

import base64
import re
import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from policies.curation import preview_source, publish_source, reparse_sources
from policies.ingest import IngestError
from policies.ingest.readers import sniff_format
from policies.models import Policy, SourceDocument

PERMISSION = "policies.publish_policy"
SESSION_KEY = "policy_uploads"
# Previews waiting for publish or discard per session; older ones are dropped (bounded session).
MAX_PENDING = 3
BODY_SEPARATORS = re.compile(r"[\n\r、，,；;]+")


class UploadForm(forms.Form):
    file = forms.FileField(
        label="源文件", help_text="txt、md、html/mhtml（网页另存）、docx 或带文字层的 pdf"
    )
    title = forms.CharField(label="标题", required=False, max_length=300)
    short_title = forms.CharField(label="简称", required=False, max_length=100)
    doc_number = forms.CharField(label="发文字号", required=False, max_length=100)
    doc_type = forms.CharField(
        label="类型", required=False, max_length=30, help_text="如 意见、通知、办法"
    )
    status = forms.CharField(
        label="状态", required=False, max_length=30, help_text="如 现行有效、征求意见稿"
    )
    bodies = forms.CharField(
        label="发文机关",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40}),
        help_text="按顺序，牵头机关在前；每行一个或用“、”分隔",
    )
    issued_on = forms.DateField(label="成文日期", required=False, widget=AdminDateWidget)
    published_on = forms.DateField(label="发布日期", required=False, widget=AdminDateWidget)
    source_url = forms.URLField(label="来源网址", required=False, assume_scheme="https")
    slug = forms.SlugField(
        label="标识", required=False, max_length=120, help_text="英文、数字和连字符"
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.POLICY_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"{upload.name}: 文件大小 {upload.size / 2**20:.1f} MB 超过上限 {limit / 2**20:.0f} MB"
            )
        if len(upload.name) > SourceDocument._meta.get_field("name").max_length:
            raise forms.ValidationError(f"{upload.name}: 文件名太长，请改短后再上传")
        data = upload.read()
        try:
            self.cleaned_data["format"] = sniff_format(upload.name, data)
        except IngestError as exc:
            raise forms.ValidationError(str(exc)) from exc
        self.cleaned_data["data"] = data
        return upload

    def overrides(self) -> dict[str, Any]:
        """The filled-in fields, in the shape of a curated metadata file (``[policy]``)."""
        policy: dict[str, Any] = {}
        for name in (
            "title",
            "short_title",
            "doc_number",
            "doc_type",
            "status",
            "source_url",
            "slug",
        ):
            if self.cleaned_data.get(name):
                policy[name] = self.cleaned_data[name].strip()
        for name in ("issued_on", "published_on"):
            if self.cleaned_data.get(name):
                policy[name] = self.cleaned_data[name].isoformat()
        bodies = [b.strip() for b in BODY_SEPARATORS.split(self.cleaned_data.get("bodies", ""))]
        if any(bodies):
            policy["bodies"] = [b for b in bodies if b]
        return {"policy": policy} if policy else {}


def _require_curator(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied("需要“上传并发布政策文件”权限")


def _pending(request: HttpRequest) -> dict[str, dict[str, Any]]:
    return request.session.get(SESSION_KEY, {})


def _friendly(exc: Exception, name: str) -> str:
    if isinstance(exc, IntegrityError) and "slug" in str(exc):
        return f"{name}: 标识（slug）已被另一个文件的政策使用，请在“标识”中另填一个"
    return str(exc)


class CuratorUploadMixin:
    """Adds upload/preview/publish/discard views and a re-parse action to a ModelAdmin of
    :class:`SourceDocument`."""

    change_list_template = "admin/policies/sourcedocument/change_list.html"
    change_form_template = "admin/policies/sourcedocument/change_form.html"
    actions = ("reparse",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Sources arrive through the upload (or load_policies), never as a blank form.
        return False

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PERMISSION)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple:
        return (*super().get_readonly_fields(request, obj), "format", "overrides", "policy_links")

    @admin.display(description="政策")
    def policy_links(self, obj: SourceDocument) -> str:
        links = [
            format_html(
                '<a href="{}">{}</a>', reverse("admin:policies_policy_change", args=[p.pk]), p.title
            )
            for p in obj.policies.order_by("pk")
        ]
        return format_html("<br>".join(["{}"] * len(links)), *links) if links else "—"

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("upload/", wrap(self.upload_view), name="policies_sourcedocument_upload"),
            path(
                "upload/<str:token>/publish/",
                wrap(require_POST(self.publish_view)),
                name="policies_sourcedocument_publish",
            ),
            path(
                "upload/<str:token>/discard/",
                wrap(require_POST(self.discard_view)),
                name="policies_sourcedocument_discard",
            ),
            path(
                "<path:object_id>/reparse/",
                wrap(require_POST(self.reparse_view)),
                name="policies_sourcedocument_reparse",
            ),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        extra = {"can_upload": self.has_publish_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        extra = {"can_reparse": self.has_publish_permission(request), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    def _context(self, request: HttpRequest, title: str, **more: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **more,
        }

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        _require_curator(request)
        form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data, overrides = form.cleaned_data["data"], form.overrides()
            try:
                preview = preview_source(upload.name, data, overrides)
            except (IngestError, IntegrityError) as exc:
                form.add_error(None, _friendly(exc, upload.name))
            else:
                token = secrets.token_urlsafe(16)
                pending = _pending(request)
                for old in list(pending)[: max(0, len(pending) - MAX_PENDING + 1)]:
                    del pending[old]
                pending[token] = {
                    "name": upload.name,
                    "data": base64.b64encode(data).decode("ascii"),
                    "overrides": overrides,
                }
                request.session[SESSION_KEY] = pending
                return TemplateResponse(
                    request,
                    "admin/policies/sourcedocument/preview.html",
                    self._context(request, f"预览：{upload.name}", preview=preview, token=token),
                )
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(
            request,
            "admin/policies/sourcedocument/upload.html",
            self._context(request, "上传政策文件", form=form, media=self.media + form.media),
            status=status,
        )

    def publish_view(self, request: HttpRequest, token: str) -> HttpResponse:
        _require_curator(request)
        pending = _pending(request)
        item = pending.pop(token, None)
        if item is None:
            messages.error(request, "这份预览已发布、已放弃或已过期，请重新上传")
            return redirect("admin:policies_sourcedocument_upload")
        try:
            result = publish_source(item["name"], base64.b64decode(item["data"]), item["overrides"])
        except (IngestError, IntegrityError) as exc:
            messages.error(request, _friendly(exc, item["name"]))
            return redirect("admin:policies_sourcedocument_upload")
        request.session[SESSION_KEY] = pending
        for policy in Policy.objects.filter(pk__in=result.policy_ids).order_by("pk"):
            messages.success(
                request,
                format_html(
                    '已发布：<a href="{}">{}</a>（{} 条条文）',
                    policy.get_absolute_url(),
                    policy.title,
                    policy.provisions.count(),
                ),
            )
        source = SourceDocument.objects.get(name=item["name"])
        return redirect("admin:policies_sourcedocument_change", source.pk)

    def discard_view(self, request: HttpRequest, token: str) -> HttpResponse:
        _require_curator(request)
        pending = _pending(request)
        item = pending.pop(token, None)
        request.session[SESSION_KEY] = pending
        if item is not None:
            messages.info(request, f"已放弃 {item['name']}，没有写入任何内容")
        return redirect("admin:policies_sourcedocument_changelist")

    def reparse_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        _require_curator(request)
        source = self.get_object(request, object_id)
        if source is None:
            messages.error(request, "没有这个源文件")
            return redirect("admin:policies_sourcedocument_changelist")
        self._reparse(request, [source])
        return HttpResponseRedirect(
            reverse("admin:policies_sourcedocument_change", args=[source.pk])
        )

    @admin.action(description="用当前解析器重新解析（保留人工指定）", permissions=["publish"])
    def reparse(self, request: HttpRequest, queryset: Any) -> None:
        self._reparse(request, list(queryset.order_by("name")))

    def _reparse(self, request: HttpRequest, sources: list[SourceDocument]) -> None:
        try:
            results = reparse_sources(sources)
        except (IngestError, IntegrityError) as exc:
            messages.error(request, _friendly(exc, "、".join(s.name for s in sources)))
            return
        count = sum(result.provisions for result in results)
        messages.success(
            request, f"已重新解析 {len(results)} 个源文件，共 {count} 条条文；人工指定的字段已保留"
        )
