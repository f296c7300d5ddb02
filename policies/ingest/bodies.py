"""Issuing bodies met while loading: registered names and aliases, new organs created on the
way, and the lead/partner bodies a division-of-labour table gives each task."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from policies.extract import find_assignments, match_task
from policies.ingest import IngestError
from policies.ingest.tree import Node
from policies.models import IssuingBody, Policy, Task, TaskBody


@dataclass
class SavedTask:
    """A task already written (by COPY): its id and the title a table row is matched against."""

    pk: int
    title: str


def body_for(
    name: str, bodies: dict[str, IssuingBody], source_name: str, warnings: list[str]
) -> IssuingBody:
    """The registered body a name or alias stands for; an unknown name becomes a new body."""
    name = name.strip()
    if name in bodies:
        return bodies[name]
    if len(name) > 100:
        raise IngestError(f"{source_name}: issuing body name too long: {name[:40]}…")
    digest = hashlib.sha1(name.encode()).hexdigest()[:10]
    body, created = IssuingBody.objects.get_or_create(
        name=name, defaults={"slug": f"body-{digest}"}
    )
    if created:
        warnings.append(f"{source_name}: unknown body created: {name}")
    bodies[name] = body
    return body


def save_task_bodies(
    policy: Policy,
    root: Node,
    rows: dict[int, int],
    tasks: list[SavedTask],
    bodies: dict[str, IssuingBody],
    warnings: list[str],
) -> None:
    """Division-of-labour tables name each task's lead and partner bodies: a row that restates a
    task found in the text gives that task its bodies; any other row is a task of its own.
    ``rows`` maps id(node) → provision id."""
    links = []
    for assignment in find_assignments(root):
        task = match_task(assignment.title, tasks)
        if task is None:
            saved = Task.objects.create(
                policy=policy,
                provision_id=rows[id(assignment.node)],
                title=assignment.title[:300],
                order=len(tasks),
            )
            task = SavedTask(saved.pk, saved.title)
            tasks.append(task)
        for role, names in (
            (TaskBody.Role.LEAD, assignment.leads),
            (TaskBody.Role.PARTNER, assignment.partners),
        ):
            for order, name in enumerate(names):
                body = body_for(name, bodies, policy.source.name if policy.source else "", warnings)
                links.append(TaskBody(task_id=task.pk, body=body, role=role, order=order))
    TaskBody.objects.bulk_create(links, ignore_conflicts=True)
