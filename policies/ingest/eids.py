"""Stable Akoma Ntoso style anchors (chp_4__sec_1, box_3, annex__item_2) from the tree's shape.

An eId depends only on the provision's kind, its printed number (or its position among siblings
of the same kind) and its parent's eId — so reloading the same text gives the same anchors.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

from policies.ingest.numbering import parse_decimal_heading, parse_numbering
from policies.ingest.tree import EID_PREFIX, Node


def _number(node: Node) -> int | None:
    if not node.num:
        return None
    if node.kind == "annex":
        digits = re.findall(r"\d+", node.num)
        return int(digits[0]) if digits else None
    return _label_value(node.num)


@functools.lru_cache(maxsize=4096)
def _label_value(num: str) -> int | None:
    """（三） → 3. A long document prints the same few hundred labels over and over."""
    parsed = parse_numbering(num + " x") or parse_decimal_heading(num + "x")
    return parsed.value if parsed else None


def assign_eids(root: Node) -> None:
    _assign(root, "")


def _assign(parent: Node, prefix: str) -> None:
    seen: Counter[str] = Counter()
    used: set[str] = set()
    annexes = sum(1 for child in parent.children if child.kind == "annex")
    for child in parent.children:
        kind_prefix = EID_PREFIX[child.kind]
        seen[kind_prefix] += 1
        number = _number(child)
        if child.kind == "annex" and annexes == 1 and number is None:
            local = "annex"
        else:
            local = f"{kind_prefix}_{number if number is not None else seen[kind_prefix]}"
        if local in used:  # a numbering slip in the source (two （三）s): keep anchors unique
            local = f"{local}_{seen[kind_prefix]}"
        used.add(local)
        child.eid = f"{prefix}__{local}" if prefix else local
        _assign(child, child.eid)
