"""Digests: one source file carrying several signed articles, each closed by a （来源：…） note."""

from __future__ import annotations

import re

from policies.ingest.cleanup import Line
from policies.ingest.structure import TreeBuilder, fold_single_paragraphs
from policies.ingest.text import find_date, tidy
from policies.ingest.tree import Node, ParsedDocument

NAME_TOKEN = re.compile(r"^[\u4e00-\u9fff]{1,4}$")
ABSTRACT = re.compile(r"^摘\s*要\s*[:：]\s*")
ISSUE = re.compile(r"(\d{4})年第(\d+)期")


def parse_byline(text: str) -> list[str] | None:
    """'刘冬梅、杨 洋、李 哲' → [刘冬梅, 杨洋, 李哲]; 'Title words' → None."""
    if len(text) > 24 or re.search(r"[，。；：:,.!?！？“”《》\d]", text):
        return None
    names: list[str] = []
    for chunk in re.split(r"[、,，]", text):
        tokens = chunk.split()
        if not tokens or not all(NAME_TOKEN.match(token) for token in tokens):
            return None
        # PDF justification spreads two-character names: 杨 洋, 黄 鹤.
        merged: list[str] = []
        for token in tokens:
            if merged and len(token) == 1 and len(merged[-1]) == 1:
                merged[-1] += token
            else:
                merged.append(token)
        names.extend(merged)
    if not names or not all(2 <= len(name) <= 4 for name in names) or len(names) > 6:
        return None
    return names


def is_source_note(line: Line) -> bool:
    return line.text.startswith(("（来源", "(来源"))


def split_articles(lines: list[Line]) -> list[list[Line]]:
    """Cut after every （来源…） note; a note may wrap onto the next lines until its ）."""
    chunks: list[list[Line]] = []
    current: list[Line] = []
    in_note = False
    for line in lines:
        current.append(line)
        if is_source_note(line):
            in_note = True
        if in_note and line.text.rstrip().endswith(("）", ")")):
            chunks.append(current)
            current, in_note = [], False
    if any(line.text.strip() for line in current):
        chunks.append(current)
    return chunks


def parse_article(chunk: list[Line]) -> ParsedDocument:
    doc = ParsedDocument()
    note_start = next((i for i, line in enumerate(chunk) if is_source_note(line)), len(chunk))
    note = tidy(" ".join(line.text for line in chunk[note_start:]))
    body = chunk[:note_start]
    byline_at = next((i for i, line in enumerate(body[:4]) if parse_byline(line.text)), None)
    if byline_at is not None:
        doc.authors = parse_byline(body[byline_at].text) or []
        doc.title = re.sub(r"\s+", " ", " ".join(line.text for line in body[:byline_at])).strip()
        body = body[byline_at + 1 :]
    doc.source_note = note.strip("（）()")
    doc.published_on = find_date(note)
    builder = TreeBuilder(doc.root, unnumbered_headings=True)
    for line in body:
        if ABSTRACT.match(line.text) and not doc.abstract:
            doc.abstract = tidy(ABSTRACT.sub("", line.text))
            doc.root.add(Node(kind="paragraph", heading="摘要", text=doc.abstract))
            continue
        builder.feed(line)
    fold_single_paragraphs(doc.root)
    return doc


def parse_digest(lines: list[Line]) -> list[ParsedDocument]:
    return [parse_article(chunk) for chunk in split_articles(lines)]


def publication_of(note: str) -> str:
    """'来源：科技日报2025年1月6日第08版；作者…' → '科技日报'; '中国科技论坛，2025年第1期' → 中国科技论坛."""
    body = re.sub(r"^来源\s*[:：；;]\s*", "", note)
    match = re.match(r"^([\u4e00-\u9fff《》]+?)(?:[，,；;\s]|\d{4}年)", body)
    return match.group(1).strip("《》") if match else ""


def issue_of(note: str) -> str:
    match = ISSUE.search(note)
    return f"{match.group(1)}年第{match.group(2)}期" if match else ""
