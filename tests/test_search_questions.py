"""How people ask: question and filler words, definitions, lone characters, partial matches."""

from __future__ import annotations

import pytest

from search.evaluation import strip_marks
from search.query import SearchParams, search
from search.query.catalog import current_catalog
from search.query.parse import date_parts, parse_query
from search.query.weights import DEFAULT

pytestmark = pytest.mark.django_db


def texts(results) -> list[str]:
    return [strip_marks(h.text) for h in results.items]


def test_question_words_are_dropped_and_near_matches_fill_the_page() -> None:
    results = search(SearchParams(q="数据标注产业怎么发展"))
    assert results.ignored == ["怎么"]
    # Two clauses have 数据标注 and 发展 (002 数据治理, 003 创新优质服务链); none has 怎么.
    assert results.total_full == 2
    full = texts(results)[:2]
    assert any("推动数据清洗、质量检测、数据加工、数据标注" in t for t in full)
    assert any("围绕数据清洗、数据标注、数据分析、数据可视化等需求" in t for t in full)
    assert [h.matched_all for h in results.items] == [True, True] + [False] * 8
    assert not any("<mark>怎么</mark>" in h.snippet for h in results.items)


@pytest.mark.parametrize(
    ("q", "ignored", "marker"),
    [
        ("有哪些数据服务企业", ["有哪些"], "支持企业面向数据流通交易提供专业化服务"),
        ("如何培育数据资源企业", ["如何"], "培育一批贴近业务需求的行业性数据资源企业"),
        ("数据领域人才怎么培养", ["怎么"], "面向产教融合，加快数据领域学科体系和人才队伍建设"),
    ],
)
def test_questions_find_the_clause_that_answers(q: str, ignored: list[str], marker: str) -> None:
    results = search(SearchParams(q=q))
    assert results.ignored == ignored
    assert marker in texts(results)[0]


def test_what_is_x_favours_the_sentence_that_defines_x() -> None:
    results = search(SearchParams(q="什么是数据产业"))
    assert results.ignored == ["什么是"]
    assert texts(results)[0].startswith("数据产业是利用现代信息技术对数据资源进行产品或服务开发")
    reverse = search(SearchParams(q="数据产业是什么"))
    assert texts(reverse)[0] == texts(results)[0]


def test_a_lone_character_left_over_is_dropped() -> None:
    results = search(SearchParams(q="各方面 数据标注"))
    assert results.ignored == ["方面", "各"]
    assert results.total_full == 3
    assert all("数据标注" in t for t in texts(results))


def test_quoted_question_words_are_kept() -> None:
    parsed = parse_query('"如何"', current_catalog(), DEFAULT)
    assert [t.text for t in parsed.terms] == ["如何"] and parsed.ignored == []


def test_without_the_rule_question_words_are_searched() -> None:
    parsed = parse_query(
        "数据标注产业怎么发展", current_catalog(), DEFAULT.without("drop_question_words")
    )
    assert parsed.ignored == []
    assert [t.text for t in parsed.terms] == ["数据标注产业怎么发展"]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("2024年12月", (2024, 12, None)),
        ("2024年12月31日", (2024, 12, 31)),
        ("2024-12-31", (2024, 12, 31)),
        ("2023/12/15", (2023, 12, 15)),
        ("2024.12", (2024, 12, None)),
        ("12月31日", (None, 12, 31)),
        ("2024年", (2024, None, None)),
        ("2024年13月", None),
        ("15%", None),
        ("1836号", None),
    ],
)
def test_dates_as_people_type_them(text: str, parts) -> None:
    assert date_parts(text) == parts


def test_nonsense_returns_nothing_and_says_so() -> None:
    for q in ("龘靐齉", "zzqqxx"):
        results = search(SearchParams(q=q))
        assert results.items == [] and results.documents == []
        assert results.total == 0
        assert results.message == "没有找到匹配的条款。"
