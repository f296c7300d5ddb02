"""The curator's workflow: preview an upload, publish it, re-parse a stored source.

All three run the one ingestion code path, :func:`policies.ingest.load.ingest_source`. A preview
runs it for real inside ``transaction.atomic()``, reads back what it wrote and rolls back, so
what the curator sees is exactly what publishing will write; publishing runs it again and keeps
the result, then resolves references and refreshes the search index in the same transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from policies.ingest import IngestError
from policies.ingest.blocks import SourceRead
from policies.ingest.load import LoadResult, finish_load, ingest_source, sync_bodies
from policies.ingest.metadata import metadata_for
from policies.ingest.readers import read_source
from policies.models import IssuingBody, Policy, SourceDocument, Task

# Fields a curator may override, in the order the preview lists them (label as on the page).
OVERRIDABLE = {
    "title": "标题",
    "short_title": "简称",
    "doc_number": "发文字号",
    "doc_type": "类型",
    "status": "状态",
    "bodies": "发文机关",
    "issued_on": "成文日期",
    "published_on": "发布日期",
    "source_url": "来源网址",
    "slug": "标识",
}
# Where a field's value came from, as the preview names it.
FROM_OVERRIDE, FROM_CURATED, FROM_TEXT, FROM_NAME = "人工指定", "元数据文件", "正文", "文件名"
# What a format states outside its text: a web page's metadata box and tags, a file's properties.
FROM_PAGE = {"html": "网页元数据", "docx": "文件属性", "pdf": "文件属性"}


@dataclass
class ProvisionRow:
    depth: int
    kind: str
    num: str
    heading: str
    text: str
    eid: str


@dataclass
class PolicyPreview:
    title: str
    slug: str
    fields: list[tuple[str, str, str]]  # (label, value, where it came from)
    provisions: list[ProvisionRow]
    targets: list[str]
    goals: list[str]
    tasks: list[str]
    references: list[str]


@dataclass
class Preview:
    name: str
    format: str
    page_meta: dict[str, str]
    policies: list[PolicyPreview] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Titles of the policies this upload replaces (a source of the same name was loaded before).
    replaces: list[str] = field(default_factory=list)


def preview_source(name: str, data: bytes, overrides: dict[str, Any] | None = None) -> Preview:
    """What publishing this file would write, without writing anything. Raises IngestError."""
    read = read_source(name, data)
    replaces = list(
        Policy.objects.filter(source__name=name).order_by("pk").values_list("title", flat=True)
    )
    # A savepoint (or the transaction, outside one) that always rolls back: on an error by the
    # exception, otherwise by set_rollback once the preview has been read from the database.
    with transaction.atomic():
        result = ingest_source(
            name, data, sync_bodies(), overrides=overrides, force=True, log=_quiet
        )
        preview = Preview(name, read.format, read.page_meta, replaces=replaces)
        for policy in Policy.objects.filter(pk__in=result.policy_ids).order_by("pk"):
            preview.policies.append(_describe(policy, name, overrides or {}, read))
        preview.warnings = _warnings(result, preview.policies)
        transaction.set_rollback(True)
    return preview


def publish_source(name: str, data: bytes, overrides: dict[str, Any] | None = None) -> LoadResult:
    """Write the file's records in one transaction; searchable when it returns."""
    with transaction.atomic():
        result = ingest_source(
            name, data, sync_bodies(), overrides=overrides, force=True, log=_quiet
        )
        finish_load([result])
    return result


def reparse_sources(sources: list[SourceDocument]) -> list[LoadResult]:
    """Parse stored sources again with the current parser, keeping their curator overrides."""
    missing = [source.name for source in sources if not source.original]
    if missing:
        raise IngestError(
            f"{'、'.join(missing)}: the original file is not stored; load it again first"
        )
    with transaction.atomic():
        bodies = sync_bodies()
        results = [
            ingest_source(
                source.name,
                bytes(source.original),
                bodies,
                overrides=source.overrides or None,
                force=True,
                log=_quiet,
            )
            for source in sources
        ]
        finish_load(results)
    return results


def _quiet(message: str) -> None:
    """ingest_source logs to the console for the command; the admin shows the preview instead."""


def _describe(policy: Policy, name: str, overrides: dict, read: SourceRead) -> PolicyPreview:
    curated = metadata_for(Path(name)).get("policy", {})
    overridden = overrides.get("policy", {})
    values = {
        "title": policy.title,
        "short_title": policy.short_title,
        "doc_number": policy.doc_number,
        "doc_type": policy.doc_type,
        "status": policy.status,
        "bodies": "、".join(body.name for body in policy.ordered_bodies()),
        "issued_on": policy.issued_on.isoformat() if policy.issued_on else "",
        "published_on": policy.published_on.isoformat() if policy.published_on else "",
        "source_url": policy.source_url,
        "slug": policy.slug,
    }
    fields = [
        (
            label,
            values[key],
            _recorded_source(policy.field_sources.get(key), read)
            or _source(key, values[key], overridden, curated, read),
        )
        for key, label in OVERRIDABLE.items()
    ]
    return PolicyPreview(
        title=policy.title,
        slug=policy.slug,
        fields=fields,
        provisions=[
            ProvisionRow(p.depth, p.get_kind_display(), p.num, p.heading, p.text, p.eid)
            for p in policy.provisions.order_by("order")
        ],
        targets=[
            f"{t.metric} {t.comparator} {_number(t.value)}{t.unit}"
            + (f"（{t.year}年）" if t.year else "")
            for t in policy.targets.order_by("order")
        ],
        goals=[g.text for g in policy.goals.order_by("order")],
        tasks=[_task(task) for task in policy.tasks.order_by("order")],
        references=[
            r.cited_title + ("（解读对象）" if r.relation == "interprets" else "")
            for r in policy.references.order_by("pk")
        ],
    )


def _recorded_source(recorded: str | None, read: SourceRead) -> str:
    """The pipeline's own record of where a field came from, as the preview names it."""
    names = {"text": FROM_TEXT, "curated": FROM_CURATED, "override": FROM_OVERRIDE}
    if recorded == "page":
        return FROM_PAGE.get(read.format, "网页元数据")
    return names.get(recorded or "", "")


def _source(key: str, value: str, overridden: dict, curated: dict, read: SourceRead) -> str:
    """A guess for fields the pipeline does not record a source for (the slug, say)."""
    if not value:
        return ""
    if key in overridden:
        return FROM_OVERRIDE
    if key in curated:
        return FROM_CURATED
    if key == "slug":
        return FROM_NAME
    if any(_same(value, printed) for printed in read.page_meta.values()):
        return FROM_PAGE.get(read.format, FROM_TEXT)
    return FROM_TEXT


def _task(task: Task) -> str:
    """The task with the bodies it names (lead, partners…), whatever fields hold them."""
    parts = []
    for relation in Task._meta.get_fields():
        if relation.related_model is not IssuingBody or relation.auto_created:
            continue
        value = getattr(task, relation.name)
        names = (
            [b.name for b in value.all()]
            if relation.many_to_many
            else ([value.name] if value else [])
        )
        if names:
            parts.append(f"{relation.verbose_name}：{'、'.join(names)}")
    return task.title + (f"（{'；'.join(parts)}）" if parts else "")


def _number(value: Any) -> str:
    """800.0000 → 800, 12.5000 → 12.5."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _same(value: str, printed: str) -> bool:
    """A page prints dates as 2026年03月09日 where the record holds 2026-03-09."""
    if value == printed.strip():
        return True
    digits = re.findall(r"\d+", value)
    return bool(re.fullmatch(r"[\d-]+", value)) and [int(d) for d in digits] == [
        int(d) for d in re.findall(r"\d+", printed)
    ]


def _warnings(result: LoadResult, policies: list[PolicyPreview]) -> list[str]:
    """The pipeline's own warnings, then what the curator should fill in by hand."""
    warnings = list(result.warnings)
    for policy in policies:
        found = {label: value for label, value, _ in policy.fields}
        for label in ("发文字号", "成文日期", "发文机关", "类型"):
            if not found[label]:
                warning = f"{policy.title}：未找到{label}"
                if warning not in warnings:
                    warnings.append(warning)
        if not policy.provisions:
            warnings.append(f"{policy.title}：没有解析出任何条文")
    return warnings
