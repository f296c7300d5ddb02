"""Lines → provision tree, with hierarchy taken from Chinese numbering (never markdown levels).

Numbering schemes get their depth in the order a document first uses them (一、 then （一） then
1. …), the way drafters nest them; 专栏 boxes nest inside the current section; 附件 starts the
annex. Paragraphs that open with a short lead phrase (数据采集。…) keep it as their heading.
"""

from __future__ import annotations

import re

from policies.ingest.cleanup import Line, ends_sentence
from policies.ingest.numbering import Numbering, parse_decimal_heading, parse_numbering
from policies.ingest.text import find_date, squash, tidy
from policies.ingest.tree import Node, ParsedDocument

ANNEX_START = re.compile(r"^附\s*件\s*(\d+)?\s*[:：]?\s*$")
DOC_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,12}[〔［\[(（]\d{4}[〕］\])）]\s*\d+\s*号$")
DATELINE = re.compile(
    r"^\s*(\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日)\s*(来源[:：].*)?$"
)
SOURCE_LINE = re.compile(r"^[（(]\s*来源\s*[:：；;]\s*(.*?)[）)]?$")
LEAD_PHRASE = re.compile(r"^([^，。；：,;:“”]{2,20})。\s*(.+)$", re.S)


def is_unnumbered_heading(line: Line) -> bool:
    text = line.text
    if line.bullet or text.startswith("附件") or ends_sentence(text):
        return False
    if re.search(r"[\d，。；,;]", text):
        return False
    return len(text) <= 24


def split_lead(text: str) -> tuple[str, str]:
    """ "数据采集。推动…" → ("数据采集", "推动…"); ("", text) when there is no lead phrase."""
    match = LEAD_PHRASE.match(text)
    if match and match.group(2).strip():
        return match.group(1).strip(), match.group(2).strip()
    return "", text


def numbered_node(num: Numbering) -> Node:
    rest = tidy(num.rest)
    node = Node(kind=num.kind, num=num.label)
    # An article (第X条) carries text, not a title; other labels mostly introduce headings.
    heading_punct = r"[。；：，,:;]" if num.kind == "article" else r"[。；]"
    if len(rest) <= 40 and not re.search(heading_punct, rest):
        node.heading = rest
    else:
        node.heading, node.text = split_lead(rest)
    return node


class TreeBuilder:
    """Feeds lines into a tree; `unnumbered_headings` lets short standalone lines open sections."""

    def __init__(self, root: Node, *, unnumbered_headings: bool) -> None:
        self.root = root
        self.stack: list[tuple[str, Node]] = []
        self.unnumbered_headings = unnumbered_headings
        self.in_annex = False

    @property
    def top(self) -> Node:
        return self.stack[-1][1] if self.stack else self.root

    def feed(self, line: Line) -> None:
        text = line.text
        if ANNEX_START.match(text):
            annex = self.root.add(Node(kind="annex", num=tidy(text).rstrip("：:")))
            self.stack = [("annex", annex)]
            self.in_annex = True
            return
        if (
            self.in_annex
            and self.top.kind == "annex"
            and not self.top.heading
            and not self.top.children
        ):
            if not ends_sentence(text) and len(text) <= 40:
                self.top.heading = tidy(text)
                return
        num = parse_numbering(text) or parse_decimal_heading(text)
        if num is not None:
            self.open(num.family, numbered_node(num))
            return
        if self.unnumbered_headings and is_unnumbered_heading(line):
            self.open("unnumbered", Node(kind="section", heading=tidy(text)))
            return
        self.paragraph(text)

    def open(self, family: str, node: Node) -> None:
        if family == "box":
            while self.stack and self.stack[-1][0] in ("box", "unnumbered"):
                self.stack.pop()
        else:
            # Bare headings are the lowest level: numbered structure never nests inside them.
            while family != "unnumbered" and self.stack and self.stack[-1][0] == "unnumbered":
                self.stack.pop()
            families = [f for f, _ in self.stack]
            if family in families:
                del self.stack[families.index(family) :]
        # Inside an article the same labels mark 项 and 目: （一） under 第三条 is an item.
        if self.top.kind == "article" and node.kind in ("section", "item"):
            node.kind = "item"
        elif self.top.kind == "item" and node.kind in ("section", "item"):
            node.kind = "subitem"
        self.top.add(node)
        self.stack.append((family, node))

    def paragraph(self, text: str) -> None:
        text = tidy(text)
        if not text:
            return
        heading, body = split_lead(text)
        if not heading and self.top.kind == "box" and self.top.children:
            # A box is a list of lead-phrase items; a plain paragraph after them is body text again.
            self.stack.pop()
        kind = "item" if self.top.kind in ("box", "annex") and heading else "paragraph"
        if heading and len(body) < 8:  # "附件：…" style labels, not a lead phrase
            heading, body = "", text
        self.top.add(Node(kind=kind, heading=heading, text=body if heading else text))


def fold_single_paragraphs(node: Node) -> None:
    """A section holding exactly one plain paragraph keeps it as its own text (no extra level)."""
    for child in node.children:
        fold_single_paragraphs(child)
    if node.kind == "root":
        return
    only = node.children[0] if len(node.children) == 1 else None
    if only is not None and only.kind == "paragraph" and not only.heading and not node.text:
        node.text = only.text
        node.children = []


def trim_front(lines: list[Line], title: str, body_names: set[str]) -> tuple[list[Line], str]:
    """Drop what precedes the official title (repost intros), the 发文字号 line, datelines."""
    key = squash(title)
    published = ""
    start = 0
    for i, line in enumerate(lines[:80]):
        line_key = squash(line.text)
        wrapped = f"《{title}》" in line.text or line.text.startswith("附件")
        if key and key in line_key and len(line_key) - len(key) <= 8 and not wrapped:
            start = i + 1
            break
    out = []
    for i, line in enumerate(lines[start:]):
        head = i < 4
        if head and (DOC_NUMBER.match(line.text) or squash(line.text) == key):
            continue
        if head and (
            line.text in body_names or (line.md_level and len(line.text) <= 30 and not out)
        ):
            continue
        if head and DATELINE.match(line.text):
            published = published or find_date(line.text)
            continue
        out.append(line)
    return out, published


def take_signature(lines: list[Line], body_names: set[str]) -> tuple[list[Line], list[str], str]:
    """The block of issuing bodies followed by a date: who signed, and the 成文日期."""
    for i, line in enumerate(lines):
        if not re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", line.text.strip()):
            continue
        j = i
        while j > 0 and lines[j - 1].text.strip() in body_names:
            j -= 1
        if j < i:
            signers = [entry.text.strip() for entry in lines[j:i]]
            return lines[:j] + lines[i + 1 :], signers, find_date(line.text)
    return lines, [], ""


def take_trailing_source(lines: list[Line]) -> tuple[list[Line], str]:
    """A closing （来源：…） line; the short scraps after it are the host site's, not the text's."""
    for i in range(len(lines) - 1, max(-1, len(lines) - 8), -1):
        if match := SOURCE_LINE.match(lines[i].text):
            if all(len(line.text) <= 30 for line in lines[i + 1 :]):
                return lines[:i], match.group(1)
    return lines, ""


def build_document(lines: list[Line], *, title: str, body_names: set[str]) -> ParsedDocument:
    """A single (non-digest) document: trim, signature, then outline-matched or numbered tree."""
    from policies.ingest.outline import build_from_outline, find_outline

    doc = ParsedDocument(title=title)
    lines, doc.published_on = trim_front(lines, title, body_names)
    lines, doc.signatories, doc.signed_on = take_signature(lines, body_names)
    lines, doc.source_note = take_trailing_source(lines)
    outline = find_outline(lines)
    if outline is not None:
        build_from_outline(doc.root, lines, outline, body_names=body_names)
    else:
        has_markdown = any(line.md_level for line in lines)
        builder = TreeBuilder(doc.root, unnumbered_headings=not has_markdown)
        for line in lines:
            builder.feed(line)
    fold_single_paragraphs(doc.root)
    return doc
