"""Blocks: what every format reader hands to the one ingestion pipeline.

A reader's only job is to turn a format into blocks that keep the layout signals the format has
(a Word heading style, ``<h1>``/``<strong>``, right alignment of a signature, a table's rows, a
page break, a web page's metadata table). Cleanup, structure and metadata work on blocks and never
ask which format they came from; plain text simply carries fewer hints.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Block:
    text: str = ""
    kind: str = "para"  # "para" | "heading" | "table" | "page_break"
    level: int = 0  # heading level when the format says so (1 = the document title)
    bold: bool = False  # the whole block is bold
    align: str = ""  # "" | "center" | "right" (signatures are right-aligned in Word/PDF)
    rows: list[list[str]] = field(default_factory=list)  # cells of a "table" block, header first
    page: int | None = None  # page number (PDF) when known
    raw: bool = False  # plain-text line that may still carry markdown/HTML markup to strip


@dataclass
class SourceRead:
    """One decoded source file."""

    name: str
    format: str  # "txt" | "md" | "html" | "docx" | "pdf"
    blocks: list[Block]
    # Metadata the format states outside the text: a government page's 索引号/发布机构/成文日期/
    # 发布日期/文号/主题分类 table, <meta> tags, YAML front matter, docx core properties.
    # Keys are the Chinese labels as printed (normalised: no spaces or colons), plus "url"/"title".
    page_meta: dict[str, str] = field(default_factory=dict)
