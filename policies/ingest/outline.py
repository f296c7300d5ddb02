"""Documents whose body has lost its numbering (infographics, slide decks).

Such a source usually prints its skeleton once — an overview (总结构/目录) listing every part and
numbered item — and then carries the content under bare headings. We build the tree from the
skeleton and hang each later heading's content on the skeleton entry it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policies.ingest.cleanup import Line
from policies.ingest.constants import OUTLINE_ENTRY_CHARS, OUTLINE_LOOSE_MATCH, OUTLINE_MATCH
from policies.ingest.numbering import parse_numbering
from policies.ingest.structure import TreeBuilder, is_unnumbered_heading
from policies.ingest.text import similarity, squash, tidy
from policies.ingest.tree import Node
from policies.vocabulary import ends_sentence, is_short_line

MATCH_THRESHOLD = OUTLINE_MATCH
LOOSE_THRESHOLD = OUTLINE_LOOSE_MATCH


@dataclass
class Outline:
    start: int
    end: int  # exclusive


def _outline_like(line: Line) -> bool:
    return is_short_line(line.text, OUTLINE_ENTRY_CHARS) and not line.bullet and not line.rows


def _next_levels(lines: list[Line]) -> list[int]:
    """For each index, the markdown level of the first heading at or after it (0: none) — one
    backward pass, so finding every run's level stays linear in the number of lines."""
    levels = [0] * (len(lines) + 1)
    for k in range(len(lines) - 1, -1, -1):
        levels[k] = lines[k].md_level or levels[k + 1]
    return levels


def _run_end(lines: list[Line], i: int, next_levels: list[int]) -> int:
    """Where a run of outline-like lines starting at i ends: at prose, at a heading of a higher
    markdown level than the run's entries (the next slide), or at an entry seen twice."""
    seen: set[str] = set()
    top_level = next_levels[i]
    j = i
    while j < len(lines) and _outline_like(lines[j]):
        key = squash(lines[j].text)
        if key in seen or (top_level and 0 < lines[j].md_level < top_level):
            break
        seen.add(key)
        j += 1
    return j


def find_outline(lines: list[Line]) -> Outline | None:
    """The longest run of short unpunctuated lines with 8+ numbered entries, if its numbered
    entries are not repeated as numbered headings later (then it is a mere table of contents)."""
    best: Outline | None = None
    next_levels = _next_levels(lines)
    i = 0
    while i < len(lines):
        j = max(_run_end(lines, i, next_levels), i)
        numbered = [line for line in lines[i:j] if parse_numbering(line.text)]
        if len(numbered) >= 8 and (best is None or j - i > best.end - best.start):
            best = Outline(i, j)
        i = j + 1
    if best is None:
        return None
    entries = {
        squash(line.text) for line in lines[best.start : best.end] if parse_numbering(line.text)
    }
    later = {squash(line.text) for line in lines[best.end :]}
    if len(entries & later) >= len(entries) / 2:
        return None
    return best


def _skeleton(root: Node, lines: list[Line]) -> list[Node]:
    """Build the skeleton tree; unnumbered entries sit under the last numbered part."""
    builder = TreeBuilder(root, unnumbered_headings=False)
    nodes: list[Node] = []
    for line in lines:
        num = parse_numbering(line.text)
        if num is None:
            if not builder.stack:
                continue  # the overview's caption
            parent = builder.stack[0][1]
            nodes.append(parent.add(Node(kind="section", heading=tidy(line.text))))
            continue
        builder.feed(line)
        nodes.append(builder.top)
    return nodes


def _best_match(heading: str, nodes: list[Node], current: int, *, slide_title: bool) -> int | None:
    text = tidy(heading)
    num = parse_numbering(text)
    if num is not None:
        text = num.rest
    scored = []
    for index, node in enumerate(nodes):
        score = similarity(text, node.heading)
        # A slide's own title paraphrases the entry it illustrates (五种资金支持方式… → 加强资金支持);
        # accept a looser match there, but only moving forward through the skeleton.
        threshold = LOOSE_THRESHOLD if slide_title and index > current else MATCH_THRESHOLD
        if score >= threshold:
            # Slides follow the skeleton's order: on a tie prefer the entry at or after the current one.
            scored.append((score, index >= current, -abs(index - current), index))
    if not scored:
        return None
    return max(scored)[3]


def build_from_outline(
    root: Node, lines: list[Line], outline: Outline, *, body_names: set[str]
) -> None:
    # What precedes the overview (an announcement, a notice) stays as the document's preamble.
    for line in lines[: outline.start]:
        if line.md_level or line.text in body_names:
            continue
        root.add(Node(kind="paragraph", text=tidy(line.text)))
    nodes = _skeleton(root, lines[outline.start : outline.end])
    body = lines[outline.end :]
    slide_level = min((line.md_level for line in body if line.md_level), default=0)
    current = 0
    target: Node | None = None
    # The skeleton's entry names, squashed once (not once per line of the body).
    names = {squash(node.heading) for node in nodes}
    for i, line in enumerate(body):
        following = body[i + 1] if i + 1 < len(body) else None
        heading_like = line.md_level > 0 or (
            is_unnumbered_heading(line) and following is not None and _introduces(following)
        )
        if _in_header_row(body, i, names):
            continue
        if heading_like:
            index = _best_match(line.text, nodes, current, slide_title=line.md_level == slide_level)
            if index is not None:
                current, target = index, nodes[index]
                if squash(tidy(line.text)) not in squash(target.heading) and squash(
                    target.heading
                ) not in squash(line.text):
                    target.add(Node(kind="paragraph", text=tidy(line.text)))
                elif (
                    squash(target.heading) != squash(line.text)
                    and len(squash(line.text)) > len(squash(target.heading)) + 2
                ):
                    target.add(Node(kind="paragraph", text=tidy(line.text)))
                continue
            owner = nodes[current]
            label = tidy(line.text)
            num = parse_numbering(label)
            heading, number = (num.rest, num.label) if num else (label, "")
            # Infographics print an item's ordinal badge after its title: "提升碳足迹管理水平 3".
            if not number and (
                badge := re.search(r"(?<=[\u4e00-\u9fff])\s+([A-Za-z]|\d{1,2})$", label)
            ):
                heading = label[: badge.start()].strip()
                number = badge.group(1) if badge.group(1).isdigit() else ""  # a letter is an icon
            sub = Node(kind="subitem", heading=heading, num=number)
            target = owner.add(sub)
            continue
        holder = target or nodes[current]
        holder.add(Node(kind="paragraph", text=tidy(line.text)))


def _introduces(line: Line) -> bool:
    """A bare short line is a sub-heading when a bullet or a full sentence follows it."""
    return line.bullet or ends_sentence(line.text)


def _in_header_row(body: list[Line], i: int, names: set[str]) -> bool:
    """Consecutive bare lines that each name a skeleton entry exactly are a table's header row
    (a slide listing its part's items), not a switch to each entry in turn."""

    def names_entry(line: Line) -> bool:
        return not line.md_level and squash(line.text) in names

    if not names_entry(body[i]):
        return False
    neighbours = [body[k] for k in (i - 1, i + 1) if 0 <= k < len(body)]
    return any(names_entry(line) for line in neighbours)
