"""Division-of-labour tables (任务分工表): which bodies lead a task and which take part.

A table whose header names a task column (任务, 重点任务, 工作任务, 工作内容, 主要措施…) and a
lead column (牵头单位/牵头部门) or a responsibility column (责任单位/责任部门) yields one
assignment per row. The header row is never a task. In a 责任单位 cell the body marked 牵头
leads, or else the first body named; the others are partners.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from policies.ingest.text import similarity
from policies.ingest.tree import Node

TASK_COLUMN = re.compile(r"任务|事项|工作内容|主要内容|措施|举措|工作要求|具体工作")
LEAD_COLUMN = re.compile(r"牵头(?:单位|部门)|主责(?:单位|部门)")
PARTNER_COLUMN = re.compile(r"配合(?:单位|部门)|参与(?:单位|部门)|协同(?:单位|部门)|协办")
DUTY_COLUMN = re.compile(r"责任(?:单位|部门|主体)|负责(?:单位|部门)|承担(?:单位|部门)")
NUMBER_COLUMN = re.compile(r"^(?:序号|编号|序)$")
# Words around body names in a cell that are not names themselves.
CELL_NOISE = re.compile(
    r"[（(]?(?:牵头|配合|负责|按职责分工负责|按职责负责|分别负责|参与|等)[）)]?$"
)
SPLIT = re.compile(r"[、，,；;\s/]+")
# A restated task and a task found in the text are the same when this alike.
TASK_MATCH = 0.6


@dataclass
class Assignment:
    node: Node  # the table provision
    title: str
    leads: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)


def _names(cell: str) -> list[str]:
    names = []
    for part in SPLIT.split(cell):
        part = CELL_NOISE.sub("", part.strip())
        part = re.sub(r"^(?:由|请)", "", part)
        if len(part) >= 2 and part not in names:
            names.append(part)
    return names


def _duty(cell: str) -> tuple[list[str], list[str]]:
    """责任单位 cell → (leads, partners): "A牵头，B、C配合" or "A、B、C" (first leads)."""
    marked = re.findall(r"([^，,；;、\s]{2,30}?)[（(]?牵头[）)]?", cell)
    if marked:
        leads = _names("、".join(marked))
        partners = [name for name in _names(cell) if name not in leads]
        return leads, partners
    names = _names(cell)
    return names[:1], names[1:]


def _columns(header: list[str]) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        label = re.sub(r"\s+", "", cell)
        for key, pattern in (
            ("lead", LEAD_COLUMN),
            ("partner", PARTNER_COLUMN),
            ("duty", DUTY_COLUMN),
            ("task", TASK_COLUMN),
        ):
            if key not in columns and pattern.search(label) and not NUMBER_COLUMN.match(label):
                columns[key] = index
                break
    if "task" in columns and ("lead" in columns or "duty" in columns):
        return columns
    return None


def _cell(row: list[str], columns: dict[str, int], key: str) -> str:
    index = columns.get(key)
    return row[index].strip() if index is not None and index < len(row) else ""


def find_assignments(root: Node) -> list[Assignment]:
    out = []
    for node in root.walk():
        if node.kind != "table" or len(node.rows) < 2:
            continue
        columns = _columns(node.rows[0])
        if columns is None:
            continue
        for row in node.rows[1:]:
            title = _cell(row, columns, "task")
            if not title or title == node.rows[0][columns["task"]]:
                continue
            if "lead" in columns:
                leads = _names(_cell(row, columns, "lead"))
                partners = _names(_cell(row, columns, "partner"))
            else:
                leads, partners = _duty(_cell(row, columns, "duty"))
                extra = _names(_cell(row, columns, "partner"))
                partners += [name for name in extra if name not in partners]
            out.append(Assignment(node, title.rstrip("。；;"), leads, partners))
    return out


class Titled(Protocol):
    title: str


T = TypeVar("T", bound=Titled)


def match_task(title: str, tasks: Sequence[T]) -> T | None:
    """The task found in the text that a table row restates, if any."""
    best, score = None, 0.0
    for task in tasks:
        value = similarity(title, task.title)
        if value > score:
            best, score = task, value
    return best if score >= TASK_MATCH else None
