"""Qualitative goals: what a policy says the world will look like (发展目标, 总体目标).

Two sources, both general: every statement in a provision whose heading (or an ancestor's)
names a goal section ("（三）发展目标", "总体目标"), and, elsewhere, each sentence that opens with
a deadline frame ("到2029年，…"), which is how an 意见 states its aims inside 总体要求.
"""

from __future__ import annotations

import re

from policies.extract._text import DEADLINE_LEAD, FRAME_ONLY, is_non_policy
from policies.ingest.tree import Node

_GOAL_HEADING = re.compile(r"目标(?:任务)?$")
# A line ending in one of these was cut by a hard wrap (PDF page break) and continues on the next.
_CONTINUES = "，、：；（(—,;:"
_SENTENCE_WITH_END = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_HAS_WORDS = re.compile(r"[\u4e00-\u9fff].*[\u4e00-\u9fff]")


def is_goal_heading(heading: str) -> bool:
    return bool(_GOAL_HEADING.search(heading.strip().rstrip("。：:")))


def find_goals(root: Node, doc_type: str = "") -> list[tuple[Node, str]]:
    """(provision, goal statement) pairs in reading order; [] for 解读/文章/新闻.

    A goal section yields one statement per paragraph (wrapped lines rejoined); lines that are
    only a deadline ("到2026年底") or carry no words (page numbers) are skipped.
    """
    if is_non_policy(doc_type):
        return []
    goals: list[tuple[Node, str]] = []
    # Whether a node or one of its ancestors below the root heads a goal section, decided once per
    # node from its parent's answer (parents come first in reading order).
    in_goal: dict[int, bool] = {}
    for node in root.walk():
        parent = node.parent
        if parent is None:
            under_goal = False  # not below a root: no path, as Node.path() sees it
        elif id(parent) in in_goal:
            under_goal = in_goal[id(parent)] or is_goal_heading(node.heading)
        else:
            under_goal = any(is_goal_heading(n.heading) for n in node.path())
        in_goal[id(node)] = under_goal
        if under_goal:
            found = statements(node.text)
            if node.heading and not is_goal_heading(node.heading):
                # The parser lifts a lead phrase ("产业保持高速增长。") into the heading; put it back.
                lead = node.heading.rstrip("。：:")
                found = [f"{lead}。{found[0]}", *found[1:]] if found else [lead]
            goals.extend((node, statement) for statement in found)
        elif "到" in node.text or "至" in node.text:  # a deadline frame opens with one of them
            goals.extend(
                (node, sentence.strip())
                for sentence in _SENTENCE_WITH_END.findall(node.text)
                if DEADLINE_LEAD.match(sentence) and not FRAME_ONLY.match(sentence)
            )
    return goals


def statements(text: str) -> list[str]:
    """Paragraphs of `text`, with hard-wrapped lines joined back and non-statements dropped."""
    paragraphs: list[str] = []
    joining = False
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        if joining and paragraphs:
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
        joining = line[-1] in _CONTINUES
    return [p for p in paragraphs if _HAS_WORDS.search(p) and not FRAME_ONLY.match(p)]
