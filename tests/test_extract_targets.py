"""Quantified targets read from provision text; sentences copied verbatim from fixtures/sources/."""

from __future__ import annotations

from decimal import Decimal

from policies.extract.targets import TargetFact, find_targets
from tests.source_facts import GENERAL_REQUIREMENTS_002, OVERALL_GOALS_004

# 003 “十四五”大数据产业发展规划, （三）发展目标, first paragraph.
GOALS_003 = (
    "产业保持高速增长。到 2025 年，大数据产业测算规模突破 3 万亿元，年均复合增长率保持在 25%左右，"
    "创新力强、附加值高、自主可控的现代化大数据产业体系基本形成。"
)
SENTENCE_003 = (
    "到 2025 年，大数据产业测算规模突破 3 万亿元，年均复合增长率保持在 25%左右，"
    "创新力强、附加值高、自主可控的现代化大数据产业体系基本形成"
)
# 003 一、发展成效: a report of the 十三五 period, not an aim.
ACHIEVEMENTS_003 = (
    "“十三五”时期，我国大数据产业快速起步。据测算，产业规模年均复合增长率超过 30%，2020 年超过 1 万亿元，"
    "发展取得显著成效，逐渐成为支撑我国经济社会发展的优势产业。"
)


def test_opinion_2029_growth_rate():
    assert find_targets(GENERAL_REQUIREMENTS_002) == [
        TargetFact(
            metric="数据产业规模年均复合增长率",
            comparator="超过",
            value=Decimal("15"),
            unit="%",
            year=2029,
            sentence=(
                "到2029年，数据产业规模年均复合增长率超过15%，数据产业结构明显优化，"
                "数据技术创新能力跻身世界先进行列，数据产品和服务供给能力大幅提升，"
                "催生一批数智应用新产品新服务新业态，涌现一批具有国际竞争力的数据企业，"
                "数据产业综合实力显著增强，区域聚集和协同发展格局基本形成"
            ),
        )
    ]


def test_plan_2025_scale_and_growth_with_spaces_and_approximation():
    assert find_targets(GOALS_003) == [
        TargetFact("大数据产业测算规模", "突破", Decimal("3"), "万亿元", 2025, SENTENCE_003),
        TargetFact("年均复合增长率", "左右", Decimal("25"), "%", 2025, SENTENCE_003),
    ]


def test_action_plan_lines_share_the_deadline_of_an_earlier_line():
    assert find_targets("\n".join(OVERALL_GOALS_004[:8])) == [
        TargetFact(
            "典型应用场景",
            "以上",
            Decimal("300"),
            "个",
            2026,
            "打造300个以上示范性强、显示度高、带动性广的典型应用场景",
        ),
        TargetFact("数据产业年均增速", "超过", Decimal("20"), "%", 2026, "数据产业年均增速超过20%"),
        TargetFact(
            "数据交易规模",
            "增长",
            Decimal("1"),
            "倍",
            2026,
            "数据交易规模增长1倍，场内交易规模大幅提升",
        ),
    ]


def test_past_achievements_are_not_targets():
    assert find_targets(ACHIEVEMENTS_003) == []
    # Even inside a 目标 section: a sentence dated before the deadline reports the past.
    assert find_targets(ACHIEVEMENTS_003, default_year=2025) == []


def test_default_year_dates_undated_aims_and_full_width_figures():
    # Made-up sentences: none of the sources uses full-width digits or a bare 家 count.
    facts = find_targets("研发投入占比达到２．５％，培育100家数据商", default_year=2027)
    assert [(f.metric, f.comparator, f.value, f.unit, f.year) for f in facts] == [
        ("研发投入占比", "达到", Decimal("2.5"), "%", 2027),
        ("数据商", "", Decimal("100"), "家", 2027),
    ]


def test_a_later_year_in_the_sentence_dates_the_figures_after_it():
    # Made-up: two deadlines in one sentence, the second opening its clause.
    facts = find_targets("到2025年，产业规模达到10万亿元，2030年达到20万亿元。")
    assert [(f.metric, f.value, f.year) for f in facts] == [
        ("产业规模", Decimal("10"), 2025),
        ("产业规模", Decimal("20"), 2030),
    ]


def test_figures_inside_cited_titles_are_ignored():
    # 003's preamble: the 2035 belongs to the cited outline, not to a target.
    text = "按照《中华人民共和国国民经济和社会发展第十四个五年规划和 2035 年远景目标纲要》总体部署，编制本规划。"
    assert find_targets(text, default_year=2025) == []
