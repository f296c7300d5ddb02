"""A document's lineage — draft → final, basis → implementing, amends/replaces/repeals — and the
status those relations give it (征求意见至 …, 被《…》废止).

Relations are :class:`~policies.models.Reference` rows, written by the loader where the text says
so and editable by curators in the admin. The page shows them per *other document*, every
relation with it in one line, so a 解读 that both cites and interprets a title lists it once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from policies.extract.citations import normalize_title
from policies.models import DRAFT_STATUSES, Policy, Reference

R = Reference.Relation
# How the other document stands to this one: outgoing "this <relation> other", incoming reversed.
OUTGOING = {
    R.CITES: "引用",
    R.INTERPRETS: "解读对象",
    R.FINAL: "正式文本",
    R.BASIS: "依据",
    R.IMPLEMENTS: "贯彻落实",
    R.AMENDS: "修订",
    R.REPLACES: "替代",
    R.REPEALS: "废止",
}
INCOMING = {
    R.CITES: "引用本文",
    R.INTERPRETS: "解读文章",
    R.FINAL: "征求意见稿",
    R.BASIS: "以本文为依据",
    R.IMPLEMENTS: "落实本文",
    R.AMENDS: "修订本文",
    R.REPLACES: "取代本文",
    R.REPEALS: "废止本文",
}
# Relations that make the lineage (upstream/downstream); a plain citation is context only.
LINEAGE = {R.FINAL, R.BASIS, R.IMPLEMENTS, R.AMENDS, R.REPLACES, R.REPEALS, R.INTERPRETS}


@dataclass
class Link:
    other: Policy
    labels: list[str] = field(default_factory=list)
    lineage: bool = False


@dataclass
class Lineage:
    upstream: list[Link]  # documents this one rests on, implements, replaces, has as final…
    downstream: list[Link]  # documents resting on, implementing, repealing, interpreting this one

    def __bool__(self) -> bool:
        return bool(self.upstream or self.downstream)

    @property
    def citing(self) -> list[Link]:
        """Documents that only cite this one (the lineage chain shows the others)."""
        return [link for link in self.downstream if not link.lineage]

    @property
    def has_lineage(self) -> bool:
        return any(link.lineage for link in self.upstream + self.downstream)


def _merge(refs: list[Reference], other_of, labels: dict[str, str]) -> list[Link]:
    links: dict[int, Link] = {}
    for ref in refs:
        other = other_of(ref)
        if other is None:
            continue
        link = links.setdefault(other.pk, Link(other))
        label = labels[ref.relation]
        if label not in link.labels:
            link.labels.append(label)
        link.lineage |= ref.relation in LINEAGE
    for link in links.values():  # the lineage relation first: 解读对象、引用
        link.labels.sort(key=lambda label: label in (OUTGOING[R.CITES], INCOMING[R.CITES]))
    # Lineage first, then plain citations, each in the order met.
    return sorted(links.values(), key=lambda link: not link.lineage)


def lineage_for(policy: Policy) -> Lineage:
    """Reads the prefetched ``references``/``cited_by``/``interpretations`` (see ``for_detail``)."""
    outgoing = list(policy.references.all())
    incoming = list(policy.cited_by.all())
    upstream = _merge(outgoing, lambda ref: ref.target, OUTGOING)
    if policy.interprets_id and not any(link.other.pk == policy.interprets_id for link in upstream):
        upstream.insert(0, Link(policy.interprets, [OUTGOING[R.INTERPRETS]], True))
    downstream = _merge(incoming, lambda ref: ref.policy, INCOMING)
    known = {link.other.pk for link in downstream}
    for item in policy.interpretations.all():
        if item.pk not in known:
            downstream.insert(0, Link(item, [INCOMING[R.INTERPRETS]], True))
    return Lineage(upstream, downstream)


@dataclass
class StatusNote:
    reason: str
    on: date | None


def status_note(policy: Policy) -> StatusNote | None:
    """A repeal recorded by a later document first (it outranks what the text itself said);
    else the stored reason (有效期至 … read from the text, or a curator's); else the comment
    period of a draft."""
    repeal = next((ref for ref in policy.cited_by.all() if ref.relation == R.REPEALS), None)
    if repeal is not None:
        by = repeal.policy
        return StatusNote(f"被《{by.title}》废止", by.issued_on or by.published_on)
    if policy.status_reason:
        return StatusNote(policy.status_reason, policy.status_date)
    if policy.is_draft and policy.comment_period_end:
        end = policy.comment_period_end
        return StatusNote(f"征求意见至 {end.year}年{end.month}月{end.day}日", end)
    return None


def stub_slug(title: str) -> str:
    """The slug a stub for ``title`` gets — the same scheme the loader uses for cited titles."""
    return "ext-" + hashlib.sha1(normalize_title(title).encode()).hexdigest()[:10]


def resolve_final_versions() -> list[int]:
    """Point each draft's "final version" reference at the held final text (same title without
    the draft marker, not itself a draft), or at a stub until the final text is loaded.
    Returns the ids of the stubs created."""
    created: list[int] = []
    finals: dict[str, Policy] = {}
    for policy in Policy.objects.real().exclude(status__in=DRAFT_STATUSES).newest_first():
        finals.setdefault(normalize_title(policy.title), policy)
    for ref in Reference.objects.filter(relation=R.FINAL).select_related("target"):
        target = finals.get(normalize_title(ref.cited_title))
        if target is None or target.pk == ref.policy_id:
            target, new = Policy.objects.get_or_create(
                slug=stub_slug(ref.cited_title),
                defaults={"title": ref.cited_title, "is_stub": True},
            )
            if new:
                created.append(target.pk)
        if ref.target_id != target.pk:
            ref.target = target
            ref.save(update_fields=["target"])
    return created
