"""“您是不是要找”: near-miss corrections whenever they would match far better."""

from __future__ import annotations

import pytest

from search.query import SearchParams, search
from search.query.suggest import corrected_queries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("可信数据空问", "可信数据空间"),  # one character substituted
        ("首席数据官制渡", "首席数据官制度"),
        ("首席数据管制度", "首席数据官制度"),
        ("区块琏技术", "区块链技术"),
        ("数据要素乘数效映", "数据要素乘数效应"),
        ("可信数空间", "可信数据空间"),  # one character missing
    ],
)
def test_near_misses_are_corrected(typed: str, meant: str) -> None:
    """Nothing matches every word as typed: the correction's results, saying so."""
    results = search(SearchParams(q=typed))
    assert results.suggestions[:1] == [meant]
    assert (results.query, results.searched_instead) == (typed, meant)
    corrected = search(SearchParams(q=meant))
    assert corrected.total_full > 0 and results.total_full == corrected.total_full
    assert [h.eid for h in results.items] == [h.eid for h in corrected.items]
    assert meant in results.message


def test_a_quoted_query_is_taken_literally() -> None:
    results = search(SearchParams(q='"可信数据空问"'))
    assert results.searched_instead == ""
    assert results.total_full == 0
    assert results.suggestions == ['"可信数据空间"']  # the correction, quoted as typed


@pytest.mark.parametrize(
    "q", ["数据标注产业", "可信数据空间", "首席数据官制度", "发改数据〔2024〕"]
)
def test_correct_queries_get_no_correction(q: str) -> None:
    assert search(SearchParams(q=q)).suggestions == []
    if not q.startswith("发改"):  # 发改 segments as 发/改; search() skips it: 002 answers it
        assert corrected_queries(q) == []


def test_the_page_offers_the_correction(client) -> None:
    from django.urls import reverse

    html = client.get(reverse("search:page"), {"q": "可信数据空问"}).content.decode()
    assert "您是不是要找：" in html
    assert "可信数据空间</a>" in html


def test_the_api_says_what_was_searched_instead(client) -> None:
    body = client.get("/api/v1/search", {"q": "可信数据空问"}).json()
    assert (body["query"], body["searched_instead"]) == ("可信数据空问", "可信数据空间")
    assert body["items"] and all(item["matched_all"] for item in body["items"][:4])
    html = client.get("/search/", {"q": "可信数据空问"}).content.decode()
    assert "以下为“可信数据空间”的结果" in html


def test_near_miss_patterns_cover_each_kind_of_edit() -> None:
    """Clause texts for corrections are found by LIKE patterns with one edit, narrowed down by
    the grams index (no trigram index over the clause texts)."""
    from search.query.suggest import near_miss_patterns

    assert "%区块_技术%" in [p for _, p in near_miss_patterns("区块琏技术")]  # substituted
    assert "%可信数_空间%" in [p for _, p in near_miss_patterns("可信数空间")]  # missing
    extra = {p: g for g, p in near_miss_patterns("数据要素乘乘数")}
    # One 乘 too many: 据要素 and 乘数 joined, and narrowed by the bigram across the join.
    assert "'素乘'" in extra["%据要素乘数%"]
