"""Documents found through their metadata: bodies, 发文字号, dates, publication, authors.

Each such document is one document-level result (with why it matched), never all its clauses.
Facts from the sources: 002's header prints 发改数据〔2024〕1836号 and its signature 2024年12月31日;
004 was published 2023/12/15 (来源：国家数据局); 001's articles carry
（来源：科技日报2025年1月27日…） three times and 作者：刘冬梅 on the first.
"""

from __future__ import annotations

import pytest

from search.evaluation import strip_marks
from search.query import SearchParams, search

pytestmark = pytest.mark.django_db

DATA_INDUSTRY = "ndrc-2024-1836-data-industry"
DATA_X_PLAN = "nda-2023-data-elements-x-action-plan-draft"


def documents(q: str, **filters) -> list[tuple[str, list[str]]]:
    return [(d.slug, d.reasons) for d in search(SearchParams(q=q, **filters)).documents]


def test_month_and_title_words_find_the_document_without_date_noise() -> None:
    results = search(SearchParams(q="2024年12月 指导意见"))
    assert [(d.slug, d.reasons) for d in results.documents] == [(DATA_INDUSTRY, ["日期", "标题"])]
    assert results.documents[0].date == "2024-12-31"
    for hit in results.items:
        assert "<mark>年</mark>" not in hit.snippet and "<mark>12</mark>" not in hit.snippet


@pytest.mark.parametrize("q", ["2023-12-15", "2023/12/15", "2023年12月15日", "12月15日"])
def test_iso_and_chinese_dates(q: str) -> None:
    assert documents(q) == [(DATA_X_PLAN, ["日期"])]


def test_publication_and_date_of_articles() -> None:
    found = search(SearchParams(q="科技日报 2025年1月27日")).documents
    assert len(found) == 3
    assert {tuple(d.reasons) for d in found} == {("来源", "日期")}
    assert all(d.slug.startswith("sci-tech-digest-2025-") for d in found)


def test_author() -> None:
    found = search(SearchParams(q="刘冬梅")).documents
    assert [(d.title, d.reasons) for d in found] == [
        ("习近平科技创新重要论述的演进与思想体系", ["作者"])
    ]


def test_body_and_title_word_together() -> None:
    results = search(SearchParams(q="证监会 意见"))
    assert [(d.slug, d.reasons) for d in results.documents] == [
        (DATA_INDUSTRY, ["发文机关", "标题"])
    ]
    assert "中国证监会" in results.also_searched
    # A clause of a 证监会 document counts 证监会 as met; it must say 意见 itself. There is one.
    assert results.total_full == 1
    assert all(h.policy_slug == DATA_INDUSTRY for h in results.items)


def test_a_clause_needs_its_own_match_title_words_alone_do_not_make_clause_hits() -> None:
    # 指导意见 is in 002's title; only clauses that print 指导意见 themselves are clause hits.
    results = search(SearchParams(q="指导意见"))
    assert DATA_INDUSTRY in [d.slug for d in results.documents]
    for hit in results.items:
        assert "指导意见" in strip_marks(hit.text) or (
            "指导" in strip_marks(hit.text) and "意见" in strip_marks(hit.text)
        )


def test_document_results_respect_filters() -> None:
    assert documents("2024年12月 指导意见", year_from=2025) == []
    assert documents("2024年12月 指导意见", type="规划") == []
    assert documents("2024年12月 指导意见", type="意见") == [(DATA_INDUSTRY, ["日期", "标题"])]


def test_excluded_term_removes_the_document() -> None:
    assert documents("国家数据局 -征求意见稿") == [
        ("nda-2025-data-sci-tech-innovation-interpretation", ["发文机关"]),
        (DATA_INDUSTRY, ["发文机关"]),
    ]
