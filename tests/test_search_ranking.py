"""Ranked hits for each kind of query, checked against the five source documents."""

from __future__ import annotations

import pytest

from search.evaluation import strip_marks
from search.query import SearchParams, search

pytestmark = pytest.mark.django_db

DATA_INDUSTRY = "ndrc-2024-1836-data-industry"  # 002 发改数据〔2024〕1836号
BIG_DATA_PLAN = "miit-2021-179-big-data-industry-plan"  # 003 工业和信息化部
DATA_X_PLAN = "nda-2023-data-elements-x-action-plan-draft"  # 004 国家数据局 征求意见稿
INTERPRETATION = "nda-2025-data-sci-tech-innovation-interpretation"  # 000 国家数据局 解读
PAPER = "sci-tech-digest-2025-1"  # 001 刘冬梅、杨洋、李哲


def top(q: str, limit: int = 10, **filters) -> list:
    return search(SearchParams(q=q, limit=limit, **filters)).items


def texts(q: str, limit: int = 10) -> list[str]:
    return [strip_marks(hit.text) for hit in top(q, limit)]


@pytest.mark.parametrize(
    ("q", "policy", "marker"),
    [
        # exact terms
        ("首席数据官制度", BIG_DATA_PLAN, "推广首席数据官制度"),
        ("八个坚持", PAPER, "“八个坚持”是骨干"),
        # coined / out-of-vocabulary, found by substring
        ("揭榜挂帅", INTERPRETATION, "采取“揭榜挂帅”等机制"),
        # Latin and numbers stay whole; whitespace from PDF wraps is ignored ("3 万亿元")
        ("ISO", BIG_DATA_PLAN, "ISO、IEC、ITU"),
        ("C2M", DATA_X_PLAN, "反向定制（C2M）"),
        ("15%", DATA_INDUSTRY, "数据产业规模年均复合增长率超过15%"),
        ("3万亿元", BIG_DATA_PLAN, "大数据产业测算规模突破3万亿元"),
    ],
)
def test_top_hit(q: str, policy: str, marker: str) -> None:
    hits = top(q)
    assert hits, q
    assert hits[0].policy_slug == policy
    assert marker in strip_marks(hits[0].text)


def test_oov_term_matches_exactly_the_two_paragraphs_that_contain_it() -> None:
    hits = top("教科人一体化")
    assert [h.policy_slug for h in hits] == [PAPER, PAPER]
    assert all("教科人一体化" in strip_marks(h.text) for h in hits)
    assert "<mark>教科人一体化</mark>" in hits[0].snippet


def test_multi_term_query_requires_every_term() -> None:
    hits = top("医疗 数据 共享")
    assert {h.policy_slug for h in hits} == {BIG_DATA_PLAN, DATA_X_PLAN}
    found = texts("医疗 数据 共享")
    assert any("加快医疗卫生机构数据共享" in t for t in found[:2])
    assert any("探索推进电子病历数据共享" in t for t in found[:3])
    for text in found:
        assert "医疗" in text and "共享" in text


def test_multi_document_concept_reaches_every_document_in_the_first_page() -> None:
    hits = top("可信数据空间")
    assert {DATA_INDUSTRY, DATA_X_PLAN, "sci-tech-digest-2025-6"} <= {h.policy_slug for h in hits}
    exact = ["可信数据空间" in strip_marks(h.text) for h in hits]
    assert exact[0]
    assert exact == sorted(exact, reverse=True)  # verbatim matches before scattered words


def test_alias_finds_the_full_name() -> None:
    hits = top("发改委")
    assert hits[0].policy_slug == DATA_INDUSTRY
    assert "发展改革委" in strip_marks(hits[0].text) or "发改委" in strip_marks(hits[0].text)
    assert top("工信部")[0].policy_slug == BIG_DATA_PLAN


@pytest.mark.parametrize(
    ("traditional", "simplified"), [("數據要素", "数据要素"), ("發改委", "发改委")]
)
def test_traditional_script_finds_the_same_hits(traditional: str, simplified: str) -> None:
    trad = [(h.policy_slug, h.eid) for h in top(traditional)]
    simp = [(h.policy_slug, h.eid) for h in top(simplified)]
    assert trad == simp
    assert trad


def test_full_width_and_case_are_folded() -> None:
    assert [h.eid for h in top("ｉｓｏ")] == [h.eid for h in top("ISO")]


def test_body_query_surfaces_that_bodys_documents_first() -> None:
    first_two = {h.policy_slug for h in top("国家数据局", limit=2)}
    assert first_two == {INTERPRETATION, DATA_X_PLAN}


def test_document_number_surfaces_its_policy_first() -> None:
    hits = top("发改数据〔2024〕1836号")
    assert hits[0].policy_slug == DATA_INDUSTRY


def test_phrase_and_exclusion() -> None:
    results = search(SearchParams(q='"数据要素" -金融', limit=50))
    assert results.total > 10
    for hit in results.items:
        text = strip_marks(hit.text)
        assert "数据要素" in text
        assert "金融" not in text


def test_natural_language_question_relaxes_to_its_content_words() -> None:
    found = texts("如何推进医疗数据共享")
    assert any("加快医疗卫生机构数据共享" in t for t in found[:3])
    assert any("探索推进电子病历数据共享" in t for t in found[:3])


def test_and_relaxes_when_nothing_has_every_term() -> None:
    results = search(SearchParams(q="区块链 火星基地"))
    assert results.relaxed
    assert results.total > 0
    assert results.message


def test_no_match_offers_suggestions() -> None:
    # A typo (琏 for 链) inside years no document has, so nothing matches even relaxed: the
    # suggestions must offer the term it misspells. (Unconditional: it used to sit behind an if.)
    results = search(SearchParams(q="区块琏技术", year_from=1901, year_to=1901))
    assert results.total == 0
    assert "区块链" in results.suggestions
    results = search(SearchParams(q="zzqqxx"))
    assert results.total == 0
    assert results.items == []
    assert results.message


def test_ranking_is_stable_and_pages_are_consistent() -> None:
    first = [(h.policy_slug, h.eid) for h in top("数据", limit=20)]
    again = [(h.policy_slug, h.eid) for h in top("数据", limit=20)]
    assert first == again
    page2 = search(SearchParams(q="数据", limit=10, offset=10)).items
    assert [(h.policy_slug, h.eid) for h in page2] == first[10:20]


def test_filters_and_facets() -> None:
    results = search(SearchParams(q="数据", limit=5))
    types = {f.value: f.count for f in results.facets["type"]}
    assert sum(types.values()) == results.total
    bodies = {f.value for f in results.facets["body"]}
    assert bodies
    some_type = max(types, key=types.get)
    filtered = search(SearchParams(q="数据", limit=100, type=some_type))
    assert filtered.total == types[some_type]
    body_slug = results.facets["body"][0].value
    by_body = search(SearchParams(q="数据", body=body_slug))
    assert by_body.total == results.facets["body"][0].count
    assert search(SearchParams(q="数据", year_from=2100)).total == 0


@pytest.mark.django_db
def test_body_only_query_opens_its_policy_at_the_first_clause():
    from search.query import SearchParams, search

    first = search(SearchParams(q="工信部", limit=1)).items[0]
    assert first.policy_title == "“十四五”大数据产业发展规划"
    assert first.eid == "para_1"
    assert first.text.startswith("数据是新时代重要的生产要素")
