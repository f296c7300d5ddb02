"""Targets by deadline year: the timeline groups and the bar chart drawn on the server as SVG.

The chart is plain geometry handed to a template (``policies/_target_chart.svg.html``): no
script, no CDN, nothing fetched by the browser, so it prints and works with scripts blocked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from policies.models import Target

# Chart geometry in SVG user units; the SVG scales to its container (viewBox).
BAR_WIDTH = 36
GAP = 14
PLOT_HEIGHT = 120
TOP = 22  # room for the count above the tallest bar
BOTTOM = 24  # room for the year labels


@dataclass
class YearGroup:
    year: int | None  # None: targets without a deadline
    targets: list[Target] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.year}年" if self.year else "未定期限"

    @property
    def anchor(self) -> str:
        return f"y{self.year}" if self.year else "y-none"


@dataclass
class Bar:
    label: str
    anchor: str
    count: int
    x: float
    y: float
    height: float
    width: float = BAR_WIDTH

    @property
    def center(self) -> float:
        return self.x + self.width / 2

    @property
    def count_y(self) -> float:
        return round(self.y - 6, 1)


@dataclass
class Chart:
    bars: list[Bar]
    width: float
    height: float
    baseline: float
    total: int

    @property
    def label_y(self) -> float:
        return self.height - 6

    @property
    def description(self) -> str:
        parts = "，".join(f"{bar.label} {bar.count} 项" for bar in self.bars)
        return f"按期限年份统计的量化指标数：{parts}。"


def timeline(targets: Iterable[Target]) -> list[YearGroup]:
    """Targets grouped by deadline year, earliest first; undated targets last."""
    groups: dict[int | None, YearGroup] = {}
    for target in targets:
        groups.setdefault(target.year, YearGroup(target.year)).targets.append(target)
    return sorted(groups.values(), key=lambda group: (group.year is None, group.year or 0))


def deadline_chart(groups: list[YearGroup]) -> Chart | None:
    """One bar per deadline year, height proportional to its number of targets."""
    if not groups:
        return None
    tallest = max(len(group.targets) for group in groups)
    bars = []
    for i, group in enumerate(groups):
        count = len(group.targets)
        height = PLOT_HEIGHT * count / tallest
        bars.append(
            Bar(
                label=group.label,
                anchor=group.anchor,
                count=count,
                x=GAP + i * (BAR_WIDTH + GAP),
                y=round(TOP + PLOT_HEIGHT - height, 1),
                height=round(height, 1),
            )
        )
    width = GAP + len(bars) * (BAR_WIDTH + GAP)
    return Chart(
        bars=bars,
        width=max(width, 120),
        height=TOP + PLOT_HEIGHT + BOTTOM,
        baseline=TOP + PLOT_HEIGHT,
        total=sum(bar.count for bar in bars),
    )
