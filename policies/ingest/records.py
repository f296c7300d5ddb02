"""A parsed document's rows: its provisions, and the targets, goals, tasks, citations and key
terms extraction finds in them.

Everything goes in by COPY (see :mod:`policies.ingest.bulk`). The provisions are streamed to the
server from a background thread while Python extracts from the same tree, so the server's work
of storing some 200,000 rows overlaps the extraction instead of following it; the extracted rows
are written once the provisions are in.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from policies.extract import (
    find_cited_titles,
    find_goals,
    find_targets,
    find_tasks,
    normalize_title,
)
from policies.extract._text import DEADLINE, FRAME_ONLY, is_non_policy
from policies.extract.lineage import final_title, find_lineage, find_validity
from policies.ingest.bodies import SavedTask, save_task_bodies
from policies.ingest.bulk import as_json, copy_rows, reserve_ids, streaming_copy
from policies.ingest.eids import assign_eids
from policies.ingest.guards import check_provision_lengths
from policies.ingest.tree import Node
from policies.models import (
    Goal,
    IssuingBody,
    KeyTerm,
    Policy,
    Provision,
    Reference,
    Target,
    Task,
)
from policies.related import key_terms
from search.indexing import ahead

PROVISION_COLUMNS = (
    "id",
    "policy_id",
    "parent_id",
    "kind",
    "num",
    "heading",
    "text",
    "order",
    "depth",
    "eid",
    "rows",
)
# What the search index reads of a provision, in its order: pk, parent_id, num, order, heading,
# text (search.sources.policy_sources).
_INDEXED = [
    PROVISION_COLUMNS.index(name) for name in ("id", "parent_id", "num", "order", "heading", "text")
]
TARGET_COLUMNS = (
    "policy_id",
    "provision_id",
    "metric",
    "comparator",
    "value",
    "unit",
    "year",
    "sentence",
    "order",
)


@dataclass
class Extracted:
    """What extraction found in one document, as rows ready for COPY (provisions by id)."""

    targets: list[tuple] = field(default_factory=list)
    goals: list[tuple] = field(default_factory=list)
    tasks: list[tuple[int, str]] = field(default_factory=list)  # (provision id, title)
    references: list[tuple] = field(default_factory=list)
    key_terms: Counter[str] = field(default_factory=Counter)
    valid_until: date | None = None


def save_tree(
    policy: Policy,
    root: Node,
    info: dict,
    bodies: dict[str, IssuingBody],
    warnings: list[str],
) -> int:
    """Write a saved policy's provisions and extracted records; returns the provision count."""
    assign_eids(root)
    nodes = list(root.walk())
    check_provision_lengths(nodes, policy)
    ids = reserve_ids(Provision, len(nodes))
    by_node = {id(node): pk for node, pk in zip(nodes, ids, strict=True)}
    rows = list(_provision_rows(policy, root, nodes, by_node))
    # A large policy's search entries are computed on the other cores while this load goes on;
    # forked before the COPY below starts its sending thread (a fork copies no other thread).
    if plan := ahead.plan(policy, len(nodes)):
        plan.start([tuple(row[i] for i in _INDEXED) for row in rows])
    with streaming_copy(Provision, PROVISION_COLUMNS) as copy:
        for row in rows:
            copy.write_row(row)
        # The server stores the provisions while this runs: extraction needs no query.
        found = extract(policy, root, nodes, by_node, info.get("doc_type", ""))
    _write_extracted(policy, root, by_node, found, bodies, warnings)
    return len(nodes)


def _provision_rows(policy: Policy, root: Node, nodes: list[Node], by_node: dict[int, int]):
    """Rows in reading order, each with its parent's id (drawn up front: no UPDATE pass)."""
    depths: dict[int, int] = {id(root): -1}
    for order, node in enumerate(nodes):
        parent = node.parent
        # Node.depth (ancestors below the root) from the parent's, not a walk up per node.
        depth = depths[id(parent)] + 1 if id(parent) in depths else node.depth
        depths[id(node)] = depth
        yield (
            by_node[id(node)],
            policy.pk,
            by_node[id(parent)] if parent is not None and parent.kind != "root" else None,
            node.kind,
            node.num,
            node.heading[:300],
            node.text,
            order,
            depth,
            node.eid,
            as_json(node.rows),
        )


def _deadline_context(root: Node) -> dict[int, int]:
    """A "到2026年底" line governs the sibling lines after it (infographic goal lists)."""
    years: dict[int, int] = {}

    def visit(node: Node, inherited: int | None) -> None:
        current = inherited
        for child in node.children:
            if current is not None:
                years[id(child)] = current
            if FRAME_ONLY.match(child.full_text):
                match = DEADLINE.search(child.full_text)
                current = int(match.group(1) or match.group(2))
            visit(child, years.get(id(child)))

    visit(root, None)
    return years


def extract(
    policy: Policy, root: Node, nodes: list[Node], by_node: dict[int, int], doc_type: str
) -> Extracted:
    """Targets, goals, tasks, references and key terms of the tree — pure, no database."""
    found = Extracted()
    texts = [node.full_text for node in nodes]  # each node's text joined once, not per extractor
    if not is_non_policy(doc_type):
        years = _deadline_context(root)
        for node, text in zip(nodes, texts, strict=True):
            for fact in find_targets(text, default_year=years.get(id(node))):
                found.targets.append(
                    (
                        policy.pk,
                        by_node[id(node)],
                        fact.metric[:200],
                        fact.comparator,
                        fact.value,
                        fact.unit,
                        fact.year,
                        fact.sentence,
                        len(found.targets),
                    )
                )
    found.goals = [
        (policy.pk, by_node[id(node)], text, i)
        for i, (node, text) in enumerate(find_goals(root, doc_type))
    ]
    found.tasks = [(by_node[id(node)], title[:300]) for node, title in find_tasks(root, doc_type)]
    own = normalize_title(policy.title)
    for node, text in zip(nodes, texts, strict=True):
        if "《" not in text:
            continue  # no 《title》, so neither a citation nor a lineage verb's object
        lineage = find_lineage(text)
        for title in find_cited_titles(text):
            if normalize_title(title) != own:
                relation = lineage.get(title, Reference.Relation.CITES)
                found.references.append((policy.pk, by_node[id(node)], title[:300], relation))
    if final := final_title(policy.title):  # a draft points at the final version it becomes
        found.references.append((policy.pk, None, final, Reference.Relation.FINAL))
    if not policy.status_reason:
        found.valid_until = find_validity("\n".join(texts))
    found.key_terms = key_terms(texts)
    return found


def _write_extracted(
    policy: Policy,
    root: Node,
    by_node: dict[int, int],
    found: Extracted,
    bodies: dict[str, IssuingBody],
    warnings: list[str],
) -> None:
    copy_rows(Target, TARGET_COLUMNS, found.targets)
    copy_rows(Goal, ("policy_id", "provision_id", "text", "order"), found.goals)
    tasks = [
        SavedTask(pk, title)
        for pk, (_provision, title) in zip(
            reserve_ids(Task, len(found.tasks)), found.tasks, strict=True
        )
    ]
    copy_rows(
        Task,
        ("id", "policy_id", "provision_id", "title", "order"),
        (
            (task.pk, policy.pk, provision, task.title, i)
            for i, (task, (provision, _title)) in enumerate(zip(tasks, found.tasks, strict=True))
        ),
    )
    save_task_bodies(policy, root, by_node, tasks, bodies, warnings)
    copy_rows(Reference, ("policy_id", "provision_id", "cited_title", "relation"), found.references)
    if until := found.valid_until:
        policy.status_reason = f"有效期至 {until.year}年{until.month}月{until.day}日"
        policy.status_date = until
        policy.save(update_fields=["status_reason", "status_date"])
    copy_rows(
        KeyTerm,
        ("policy_id", "term", "occurrences", "curated"),
        ((policy.pk, term, n, False) for term, n in found.key_terms.items()),
    )
