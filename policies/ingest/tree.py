"""The parser's output: a document as a tree of provisions, before it becomes database rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

# Provision kinds (policies.models.Provision.Kind values) and their Akoma Ntoso eId prefixes.
EID_PREFIX = {
    "part": "part",
    "chapter": "chp",
    "section": "sec",
    "article": "art",
    "item": "item",
    "subitem": "subitem",
    "box": "box",
    "annex": "annex",
    "paragraph": "para",
    "table": "table",
}


@dataclass
class Node:
    kind: str
    num: str = ""
    heading: str = ""
    text: str = ""
    children: list[Node] = field(default_factory=list)
    eid: str = ""
    rows: list[list[str]] = field(default_factory=list)  # a table's cells, header row first
    parent: Node | None = field(default=None, repr=False, compare=False)

    def add(self, child: Node) -> Node:
        child.parent = self
        self.children.append(child)
        return child

    def walk(self) -> Iterator[Node]:
        """Depth-first, reading order, self excluded. Iterative: nested generators would pass
        every node up through each of its ancestors (a cost per level on large documents)."""
        pending = self.children[::-1]
        while pending:
            node = pending.pop()
            yield node
            if node.children:
                pending.extend(node.children[::-1])

    def path(self) -> list[Node]:
        """Ancestors from the top level down to self (the root excluded)."""
        chain: list[Node] = []
        node: Node | None = self
        while node is not None and node.parent is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def depth(self) -> int:
        return len(self.path()) - 1

    @property
    def full_text(self) -> str:
        return "\n".join(part for part in (self.heading, self.text) if part)


@dataclass
class ParsedDocument:
    """One document found in a source file; a digest file yields several."""

    root: Node = field(default_factory=lambda: Node(kind="root"))
    title: str = ""
    authors: list[str] = field(default_factory=list)
    source_note: str = ""  # e.g. （来源：科技日报2025年1月6日第08版；作者系…）
    published_on: str = ""  # ISO date when the text states one
    abstract: str = ""
    signatories: list[str] = field(default_factory=list)  # issuing bodies as signed, in order
    signed_on: str = ""  # ISO date of the signature block (成文日期)
    # Kept out of the clauses: （此件公开发布）, 抄送/印发 lines, the 附件 list above the signature.
    notes: dict[str, object] = field(default_factory=dict)
    notice_text: str = ""  # the 印发 notice's own text when the document wraps an attachment
