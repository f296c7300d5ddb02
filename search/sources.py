"""Reading sources: the policies and provisions an index entry is computed from."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import itemgetter

from search.vectors import PolicyContext, ProvisionSource


def provision_sources(policy_ids: Iterable[int] | None = None) -> Iterator[ProvisionSource]:
    """Everything an entry needs, read with a handful of queries (not one per provision)."""
    from policies.models import Policy, PolicyBody, Provision

    policies = Policy.objects.all()
    if policy_ids is not None:
        policies = policies.filter(pk__in=list(policy_ids))
    bodies: dict[int, list[tuple[int, int]]] = defaultdict(list)
    links = PolicyBody.objects.filter(policy__in=policies).values_list(
        "policy_id", "order", "body_id"
    )
    for policy_id, order, body_id in links:
        bodies[policy_id].append((order, body_id))
    # All provisions in one ordered query (not one per policy), grouped by policy as they come.
    provisions = Provision.objects.order_by("policy_id", "order").values_list(
        "policy_id", "pk", "parent_id", "num", "order", "heading", "text"
    )
    if policy_ids is not None:
        provisions = provisions.filter(policy_id__in=policies.values("pk"))
    by_policy = groupby(provisions.iterator(chunk_size=5000), key=itemgetter(0))
    contexts = {policy.pk: policy for policy in policies.order_by("pk")}
    for policy_id, group in by_policy:
        policy = contexts[policy_id]
        ordered = sorted(bodies.get(policy.pk, []))
        yield from policy_sources(
            policy_context(policy, [body_id for _, body_id in ordered]),
            [row[1:] for row in group],
        )


def policy_context(policy, body_ids: list[int]) -> PolicyContext:
    """What every entry of ``policy`` shares; ``body_ids`` in the policy's order of bodies."""
    return PolicyContext(
        policy_id=policy.pk,
        body_ids=tuple(body_ids),
        lead_body_id=body_ids[0] if body_ids else None,
        doc_type=policy.doc_type,
        status=policy.status,
        year=policy.year,
    )


def policy_sources(context: PolicyContext, rows: list[tuple]) -> Iterator[ProvisionSource]:
    """The sources of one policy's provisions, from ``rows`` of (pk, parent_id, num, order,
    heading, text) in reading order — as read back from the database or as a load writes them."""
    bare_containers = {pk for pk, _, _, _, heading, text in rows if heading and not text.strip()}
    headings = {pk: (parent_id, num, heading) for pk, parent_id, num, _, heading, _ in rows}
    # First child of each heading-only container inherits the container's heading as topic.
    opened: dict[int, str] = {}
    seen_parents: set[int] = set()
    for pk, parent_id, _num, _order, heading, _text in rows:
        if parent_id is None or parent_id in seen_parents:
            continue
        seen_parents.add(parent_id)
        _, _, parent_heading = headings.get(parent_id, (None, "", ""))
        if parent_heading and not heading and parent_id in bare_containers:
            opened[pk] = parent_heading
    leads = lead_ins(rows)
    for pk, parent_id, _num, order, heading, text in rows:
        path: list[str] = []
        labels: list[str] = []
        ancestor = parent_id
        while ancestor is not None and ancestor in headings:
            ancestor, ancestor_num, ancestor_heading = headings[ancestor]
            if ancestor_heading:
                path.append(ancestor_heading)
            label = f"{ancestor_num}{ancestor_heading}".strip()
            if label:
                labels.append(label[:300])
        yield ProvisionSource(
            provision_id=pk,
            order=order,
            heading=heading,
            path_text=" ".join([*reversed(path), *leads.get(pk, ())]),
            path_labels=tuple(reversed(labels)),
            text=text,
            context=context,
            topic_heading=heading or opened.get(pk, ""),
        )


# A short paragraph ending in a colon introduces the siblings after it (到2025年： / 主要目标：
# above a list of targets): they match and rank with it as context, as with a heading. So does
# a time frame standing alone: slides and their text exports print 到2026年底 on a line of its own
# above the targets it dates, without the colon.
LEAD_IN_CHARS = 40
_LEAD_IN_RE = re.compile(r"[：:]\s*$")
_TIME_FRAME_RE = re.compile(r"(?:到|至|截至|截止到?)\s*\d{4}\s*年\s*(?:底|末|前)?\s*[，,：:]?")


def lead_ins(rows: list[tuple]) -> dict[int, tuple[str, ...]]:
    """Provision → the lead-in paragraph before it among its siblings (see LEAD_IN_CHARS).

    ``rows`` are (pk, parent_id, num, order, heading, text) in reading order. A lead-in holds
    until the next one among the same siblings, which starts a group of its own (到2029年： is
    not dated by the 到2025年： before it).
    """
    current: dict[int | None, str] = {}
    found: dict[int, tuple[str, ...]] = {}
    for pk, parent_id, _num, _order, heading, text in rows:
        stripped = text.strip()
        if (
            not heading
            and len(stripped) <= LEAD_IN_CHARS
            and (_LEAD_IN_RE.search(stripped) or _TIME_FRAME_RE.fullmatch(stripped))
        ):
            current[parent_id] = stripped
        elif lead := current.get(parent_id):
            found[pk] = (lead,)
    return found
