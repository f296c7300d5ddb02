"""Two or three policies side by side: metadata, targets aligned by metric, tasks and key terms.

Each row says whether the documents differ on it, so the page can mark the differences.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from policies.models import Policy, Target

MIN_POLICIES, MAX_POLICIES = 2, 3


class CompareError(ValueError):
    """The request names too few, too many or unknown policies (the message says which)."""


@dataclass
class Row:
    label: str
    cells: list[str]

    @property
    def differs(self) -> bool:
        return len(set(self.cells)) > 1


@dataclass
class TargetRow:
    metric: str
    cells: list[list[Target]]

    @property
    def differs(self) -> bool:
        shown = {tuple(_target_key(t) for t in cell) for cell in self.cells}
        return len(shown) > 1


@dataclass
class Comparison:
    policies: list[Policy]
    metadata: list[Row]
    targets: list[TargetRow]
    tasks: list[list]
    shared_terms: list[str]
    own_terms: list[list[str]] = field(default_factory=list)

    @property
    def columns(self) -> list[dict]:
        """Per document: its tasks and the key terms only it has, for side-by-side columns."""
        return [
            {"policy": policy, "tasks": tasks, "terms": terms}
            for policy, tasks, terms in zip(self.policies, self.tasks, self.own_terms, strict=True)
        ]


def _target_key(target: Target) -> tuple:
    return (target.comparator, target.value, target.unit, target.year)


def metric_key(metric: str) -> str:
    """Metrics match when they read the same once width, spaces and punctuation are set aside."""
    text = unicodedata.normalize("NFKC", metric)
    return re.sub(r"[\s，。、；：,.;:“”\"'（）()]", "", text)


def load(slugs: list[str]) -> list[Policy]:
    """The policies in the order asked, each with what the comparison reads prefetched."""
    unique = list(dict.fromkeys(slug.strip() for slug in slugs if slug.strip()))
    if len(unique) < MIN_POLICIES:
        raise CompareError(f"请至少选择 {MIN_POLICIES} 件不同的文件进行比较（参数 p）")
    if len(unique) > MAX_POLICIES:
        raise CompareError(f"最多比较 {MAX_POLICIES} 件文件，收到 {len(unique)} 件")
    found = {policy.slug: policy for policy in Policy.objects.for_detail().filter(slug__in=unique)}
    missing = [slug for slug in unique if slug not in found]
    if missing:
        raise CompareError("找不到文件：" + "、".join(missing))
    return [found[slug] for slug in unique]


def compare(policies: list[Policy]) -> Comparison:
    def bodies(policy: Policy) -> str:
        return "、".join(link.body.name for link in policy.body_links.all()) or "—"

    def day(value) -> str:
        return f"{value.year}年{value.month}月{value.day}日" if value else "—"

    fields = [
        ("发文机关", bodies),
        ("发文字号", lambda p: p.doc_number or "—"),
        ("类型", lambda p: p.doc_type or "—"),
        ("状态", lambda p: p.status or "—"),
        ("成文日期", lambda p: day(p.issued_on)),
        ("发布日期", lambda p: day(p.published_on)),
        ("条款数", lambda p: str(len(p.provisions.all()))),
        ("量化指标数", lambda p: str(len(p.targets.all()))),
        ("任务数", lambda p: str(len(p.tasks.all()))),
    ]
    metadata = [Row(label, [get(p) for p in policies]) for label, get in fields]

    by_metric: dict[str, TargetRow] = {}
    for column, policy in enumerate(policies):
        for target in policy.targets.all():
            row = by_metric.setdefault(
                metric_key(target.metric),
                TargetRow(target.metric, [[] for _ in policies]),
            )
            row.cells[column].append(target)
    # Metrics several documents set first, then the rest in document order.
    targets = sorted(by_metric.values(), key=lambda row: -sum(1 for cell in row.cells if cell))

    terms = [{term.term for term in policy.key_terms.all()} for policy in policies]
    shared = set.intersection(*terms) if terms else set()
    return Comparison(
        policies=policies,
        metadata=metadata,
        targets=targets,
        tasks=[list(policy.tasks.all()) for policy in policies],
        shared_terms=sorted(shared),
        own_terms=[sorted(t - shared) for t in terms],
    )
