"""One document's metadata, assembled field by field with where each value came from.

Order of precedence: what the text itself prints ("text") or the page it was saved from states
("page"), then the curated TOML file ("curated"), then the curator's overrides from the admin
preview ("override"). ``field_sources`` records the winner for every field that has a value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from policies.ingest.blocks import SourceRead
from policies.ingest.cleanup import Line
from policies.ingest.metadata import as_date
from policies.ingest.text import find_date
from policies.ingest.textmeta import (
    Head,
    body_names_in,
    comment_period,
    doc_type_of,
    effective_on,
    expires_on,
    interprets_of,
    short_title_of,
    status_of,
)
from policies.ingest.tree import ParsedDocument
from policies.vocabulary import is_commentary

# Fields whose value is a date (ISO strings in ``info``).
DATE_FIELDS = (
    "issued_on",
    "published_on",
    "effective_on",
    "expires_on",
    "comment_period_start",
    "comment_period_end",
)


class Fields:
    """Field values with their source; the first value offered for a field wins."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.sources: dict[str, str] = {}

    def offer(self, name: str, value: Any, source: str) -> None:
        if value in (None, "", [], {}) or name in self.values:
            return
        self.values[name] = value.isoformat() if isinstance(value, dt.date) else value
        self.sources[name] = source

    def force(self, name: str, value: Any, source: str) -> None:
        self.values[name] = value
        self.sources[name] = source


def text_fields(
    read: SourceRead, lines: list[Line], head: Head, doc: ParsedDocument, known: set[str]
) -> Fields:
    """What the document says about itself (before any curated value)."""
    page = read.page_meta
    fields = Fields()
    fields.offer("title", head.title, head.title_source)
    fields.offer("doc_number", head.doc_number, head.doc_number_source)
    fields.offer("bodies", doc.signatories, "text")
    fields.offer("bodies", head.bodies, "text")
    fields.offer("bodies", body_names_in(page.get("发布机构", ""), known), "page")
    fields.offer("issued_on", doc.signed_on, "text")
    fields.offer("issued_on", find_date(page.get("成文日期", "")), "page")
    fields.offer("published_on", find_date(page.get("发布日期", "")), "page")
    fields.offer("published_on", find_date(page.get("date", "")), "page")
    fields.offer("published_on", doc.published_on, "text")
    fields.offer("publisher", head.publisher, "text")
    fields.offer("publisher", page.get("发布机构", "") or page.get("source", ""), "page")
    fields.offer("source_url", page.get("url", ""), "page")
    if doc.notice_text:
        fields.offer("notice_text", doc.notice_text, "text")
    if doc.notes:
        fields.offer("notes", doc.notes, "text")
    return fields


def derived_fields(
    fields: Fields, doc: ParsedDocument, known: set[str], body_text: str, head_text: str = ""
) -> None:
    """Fields that follow from others (type from the title, status from type and expiry…)."""
    title = fields.values.get("title", "")
    source = fields.sources.get("title", "text")
    fields.offer("doc_type", doc_type_of(title), source)
    doc_type = fields.values.get("doc_type", "")
    fields.offer("short_title", short_title_of(title, known), source)
    fields.offer("interprets", interprets_of(title, doc_type), source)
    issued = as_date(fields.values.get("issued_on"))
    published = as_date(fields.values.get("published_on"))
    if not is_commentary(doc_type):  # a 解读 quotes the dates of the policy it explains
        start = effective_on(body_text, issued, published)
        fields.offer("effective_on", start, "text")
        start = as_date(fields.values.get("effective_on")) or issued or published
        fields.offer("expires_on", expires_on(body_text, start), "text")
    opens, closes = comment_period(body_text)
    fields.offer("comment_period_start", opens, "text")
    fields.offer("comment_period_end", closes, "text")
    head_text = " ".join([title, fields.values.get("notice_title", ""), head_text])
    fields.offer(
        "status",
        status_of(
            title,
            head_text,
            doc_type,
            as_date(fields.values.get("expires_on")),
            timezone.localdate(),
        ),
        "text" if doc_type else source,
    )


def apply_curated(fields: Fields, curated: dict[str, Any], source: str) -> None:
    for name, value in curated.items():
        fields.force(name, value.isoformat() if isinstance(value, dt.date) else value, source)


def warnings_for(info: dict[str, Any], name: str) -> list[str]:
    """What a curator should check before publishing."""
    warnings = []
    if info.get("title_fallback"):
        warnings.append(f"{name}: no title found; the file name stands in for it")
    doc_type = info.get("doc_type", "")
    if not doc_type:
        warnings.append(f"{name}: no document type found in the title")
    if not is_commentary(doc_type):
        # A draft for comment carries no 发文字号 yet.
        if not info.get("doc_number") and info.get("status") != "征求意见稿":
            warnings.append(f"{name}: no 发文字号 found")
        if not info.get("issued_on"):
            warnings.append(f"{name}: no signature date (成文日期) found")
        if not info.get("bodies"):
            warnings.append(f"{name}: no issuing body found")
    return warnings
