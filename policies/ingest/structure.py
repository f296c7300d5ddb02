"""Lines → provision tree, with hierarchy taken from Chinese numbering (never markdown levels).

Numbering schemes get their depth in the order a document first uses them (一、 then （一） then
1. …), the way drafters nest them; 专栏 boxes nest inside the current section; 附件 starts the
annex. Paragraphs that open with a short lead phrase (数据采集。…) keep it as their heading.
"""

from __future__ import annotations

import re

from policies.ingest.cleanup import Line
from policies.ingest.constants import SIGNATURE_MAX_BODIES
from policies.ingest.numbering import Numbering, parse_decimal_heading, parse_numbering
from policies.ingest.text import DATE_ANY, find_date, squash, tidy
from policies.ingest.textmeta import body_names_in, doc_number_of
from policies.ingest.tree import Node, ParsedDocument
from policies.vocabulary import ends_sentence, is_short_line

ANNEX_START = re.compile(r"^附\s*件\s*(\d+)?\s*[:：]?\s*$")
SIGNATURE_DATE = re.compile(rf"^\s*(?:{DATE_ANY.pattern})\s*$")
# Notes under the signature: （此件公开发布）, 抄送：…, "某某办公室 2026年3月10日印发".
DISCLOSURE = re.compile(r"^[（(]\s*此件[^（）()]{1,12}[）)]$")
COPIED_TO = re.compile(r"^抄\s*送\s*[:：]\s*(.+)$")
PRINTED = re.compile(rf"^(.{{2,40}}?)\s*(?:{DATE_ANY.pattern})\s*印\s*发$")
ANNEX_LIST = re.compile(r"^附\s*件\s*[:：]\s*(?:\d+\s*[.、．]\s*)?(.+)$")
ANNEX_LIST_ITEM = re.compile(r"^\d{1,2}\s*[.、．]\s*(.+)$")
DATELINE = re.compile(
    r"^\s*(\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日)\s*(来源[:：].*)?$"
)
COVER_NOTE = re.compile(
    r"^(?:[（(]\s*(?:征求意见稿|草案|送审稿|试行|公开征求意见稿)\s*[）)]|\d{4}\s*年\s*\d{1,2}\s*月)$"
)
SOURCE_LABEL = re.compile(r"^(?:来源|发布机构|发布单位)\s*[:：]\s*\S{2,40}$")
SOURCE_LINE = re.compile(r"^[（(]\s*来源\s*[:：；;]\s*(.*?)[）)]?$")
HEADING_PUNCT = re.compile(r"[。；]")
ARTICLE_HEADING_PUNCT = re.compile(r"[。；：，,:;]")
LEAD_PHRASE = re.compile(r"^([^，。；：,;:“”]{2,20})。\s*(.+)$", re.S)


def is_unnumbered_heading(line: Line) -> bool:
    text = line.text
    if line.bullet or line.rows or text.startswith("附件") or re.search(r"\d", text):
        return False
    return is_short_line(text)


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
    heading_punct = ARTICLE_HEADING_PUNCT if num.kind == "article" else HEADING_PUNCT
    if len(rest) <= 40 and not heading_punct.search(rest):
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
        if line.rows:
            self.table(line.rows)
            return
        if text.startswith("附") and ANNEX_START.match(text):
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
        if (self.unnumbered_headings or line.styled) and is_unnumbered_heading(line):
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

    def table(self, rows: list[list[str]]) -> None:
        """A table stays a table: its rows as cells, its text for search; no heading, no task."""
        text = "\n".join("　".join(cell for cell in row if cell) for row in rows)
        self.top.add(Node(kind="table", text=text, rows=rows))

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
        # A title wrapped over two lines.
        pair_key = line_key + squash(lines[i + 1].text) if i + 1 < len(lines) else ""
        if key and line_key and key == pair_key:
            start = i + 2
            break
    out = []
    for i, line in enumerate(lines[start:]):
        head = i < 4
        if head and (doc_number_of(line.text) or squash(line.text) == key):
            continue
        # Bodies printed under the title come before the text starts; once it has, a bodies
        # line is a signer (a short notice signs within its first lines).
        if head and (
            (not out and body_names_in(line.text, body_names))
            or (
                line.md_level
                and len(line.text) <= 30
                and not out
                and not parse_numbering(line.text)  # 一、总体要求 opens the text
            )
        ):
            continue
        if head and not out and COVER_NOTE.match(line.text):
            continue  # （征求意见稿） or a cover's month (2026年8月) under the title
        if head and SOURCE_LABEL.match(line.text):
            continue  # 来源：… printed under the title: the publisher, read as metadata
        if head and not out and line.align != "right" and DATELINE.match(line.text):
            published = published or find_date(line.text)
            continue
        out.append(line)
    return out, published


def _signature_at(lines: list[Line], i: int, body_names: set[str]) -> tuple[int, list[str]]:
    """Where the bodies above the date at line i start, and who they are."""
    j, signers = i, []
    while j > 0 and i - j < SIGNATURE_MAX_BODIES:
        above = lines[j - 1]
        names = body_names_in(above.text, body_names)
        if not names and above.align == "right" and is_short_line(above.text):
            names = [above.text.strip()]  # laid out as a signature: whatever the organ's name
        if not names:
            break
        signers[:0] = names
        j -= 1
    return j, signers


def find_signature(lines: list[Line], body_names: set[str]) -> tuple[int, int, list[str], str]:
    """(first line, line after, signers, ISO date) of the block of issuing bodies followed by a
    date; (-1, -1, [], "") when there is none. Bodies of any name count (not only registered
    ones); a date alone on a right-aligned line or among the last lines is a signature without
    names."""
    for i, line in enumerate(lines):
        if not SIGNATURE_DATE.match(line.text):
            continue
        j, signers = _signature_at(lines, i, body_names)
        if signers or line.align == "right":
            return j, i + 1, signers, find_date(line.text)
    for i in range(len(lines) - 1, max(0, len(lines) - 3), -1):
        if SIGNATURE_DATE.match(lines[i].text):
            return i, i + 1, [], find_date(lines[i].text)
    return -1, -1, [], ""


def take_signature(lines: list[Line], body_names: set[str]) -> tuple[list[Line], list[str], str]:
    start, end, signers, signed_on = find_signature(lines, body_names)
    if start < 0:
        return lines, [], ""
    return lines[:start] + lines[end:], signers, signed_on


def take_notes(lines: list[Line]) -> tuple[list[Line], dict[str, object]]:
    """（此件公开发布）, 抄送 and 印发 lines are about the paper, not clauses."""
    notes: dict[str, object] = {}
    kept = []
    for line in lines:
        text = line.text.strip()
        # Each pattern only where its fixed first or last character is (PRINTED alone costs
        # more than the rest of a line's clean-up checks).
        if text.startswith(("（", "(")) and DISCLOSURE.match(text):
            notes["disclosure"] = text.strip("（）()")
        elif text.startswith("抄") and (match := COPIED_TO.match(text)):
            notes["copied_to"] = match.group(1).rstrip("。")
        elif text.endswith("发") and (match := PRINTED.match(text)) and not line.rows:
            notes["printed_by"] = match.group(1).strip()
            notes["printed_on"] = find_date(text)
        else:
            kept.append(line)
    return kept, notes


def take_annex_list(lines: list[Line], end: int) -> tuple[list[Line], list[str]]:
    """The 附件：1．… 2．… list that closes a notice (just above its signature, at ``end``)."""
    for i in range(end - 1, max(-1, end - 12), -1):
        match = ANNEX_LIST.match(lines[i].text)
        if not match:
            continue
        items = [match.group(1).strip()]
        k = i + 1
        while k < end and (item := ANNEX_LIST_ITEM.match(lines[k].text)):
            items.append(item.group(1).strip())
            k += 1
        if k == end:
            return lines[:i] + lines[end:], items
        return lines, []
    return lines, []


def take_trailing_source(lines: list[Line]) -> tuple[list[Line], str]:
    """A closing （来源：…） line; the short scraps after it are the host site's, not the text's."""
    for i in range(len(lines) - 1, max(-1, len(lines) - 8), -1):
        if match := SOURCE_LINE.match(lines[i].text):
            if all(len(line.text) <= 30 for line in lines[i + 1 :]):
                return lines[:i], match.group(1)
    return lines, ""


def build_document(
    lines: list[Line], *, title: str, body_names: set[str], attached: str = ""
) -> ParsedDocument:
    """A single (non-digest) document: trim, signature, then outline-matched or numbered tree.

    ``attached`` is the attachment's title when the document is a notice issuing it: then the
    notice's own words become ``notice_text`` and the tree is built from the attachment."""
    from policies.ingest.outline import build_from_outline, find_outline

    doc = ParsedDocument(title=title)
    lines, doc.published_on = trim_front(lines, title, body_names)
    lines, doc.notes = take_notes(lines)
    start, end, doc.signatories, doc.signed_on = find_signature(lines, body_names)
    if start >= 0:
        before, after = lines[:start], lines[end:]
        before, annexes = take_annex_list(before, len(before))
        if annexes:
            doc.notes["attachments"] = annexes
        if attached:
            doc.notice_text = "\n".join(tidy(line.text) for line in before)
            lines = _attachment_body(after, attached)
        else:
            lines = before + after
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


def _attachment_body(lines: list[Line], attached: str) -> list[Line]:
    """The attached document after its notice: skip the 附件 label and its repeated title."""
    key = squash(attached)
    skip = 0
    for i, line in enumerate(lines[:4]):
        line_key = squash(line.text)
        pair = line_key + squash(lines[i + 1].text) if i + 1 < len(lines) else ""
        if ANNEX_START.match(line.text):
            skip = i + 1
        elif key and line_key and (line_key == key or pair == key):
            skip = i + (2 if pair == key and line_key != key else 1)
            break
    return lines[skip:]
