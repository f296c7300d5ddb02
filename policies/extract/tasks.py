"""Tasks: the actions a policy sets, each a provision with its heading as title.

Where a policy has a task part (主要任务, 重点任务, 重点行动, 重点工作, 重点工程), its direct
sub-provisions and its 专栏 boxes are the tasks, and nothing else is (the other parts are
background, aims and safeguards). Where it has none, as in an 意见 whose every part from 二 on is
a line of work, each titled sub-provision of a part that is not 总体要求/保障措施/组织实施-like is
a task, or the part itself when it has no titled sub-provisions.
"""

from __future__ import annotations

import re

from policies.extract._text import is_non_policy
from policies.ingest.tree import Node

_TASK_PART = re.compile(r"(?:主要|重点)(?:任务|行动|工作|工程|举措)|^任务$")
# Parts that frame or safeguard the work rather than set it. Background words ("发展环境") only
# count as the whole heading, since "优化产业发展环境" is a task.
_NOT_TASK_PART = re.compile(
    r"总体要求|总体思路|指导思想|基本原则|目标(?:任务)?$|保障措施|保障支撑|强化保障|实施保障|组织保障|"
    r"组织实施|组织领导|^附则$|^(?:发展成效|发展现状|发展基础|面临形势|发展形势|发展环境|背景|重要意义)$"
)
_BOX_LABEL = re.compile(r"^\s*专栏\s*[0-9０-９一二三四五六七八九十]*\s*")
_SKIPPED_KINDS = ("paragraph", "annex")


def find_tasks(root: Node, doc_type: str) -> list[tuple[Node, str]]:
    """(provision, title) pairs in reading order; [] for documents that set nothing (解读, 文章)."""
    if is_non_policy(doc_type):
        return []
    task_parts = [
        node
        for node in root.walk()
        if _TASK_PART.search(node.heading)
        and not any(_TASK_PART.search(a.heading) for a in node.path()[:-1])
    ]
    if task_parts:
        return [task for part in task_parts for task in _tasks_under(part)]
    tasks: list[tuple[Node, str]] = []
    for part in root.children:
        if part.kind in _SKIPPED_KINDS or not part.heading or _NOT_TASK_PART.search(part.heading):
            continue
        tasks.extend(_tasks_under(part) or [(part, _title(part))])
    return tasks


def is_box(node: Node) -> bool:
    return (
        node.kind == "box" or node.num.strip().startswith("专栏") or node.heading.startswith("专栏")
    )


def _tasks_under(part: Node) -> list[tuple[Node, str]]:
    return [
        (node, _title(node))
        for node in part.walk()
        if is_box(node)
        or (node.parent is part and node.heading and node.kind not in _SKIPPED_KINDS)
    ]


def _title(node: Node) -> str:
    title = _BOX_LABEL.sub("", node.heading) if is_box(node) else node.heading
    return title.strip().rstrip("。.：:")
