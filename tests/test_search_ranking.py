"""Ranked hits for each kind of query, checked against the five source documents."""

from __future__ import annotations

import pytest
from django.db import connection

from search.evaluation import strip_marks
from search.query import SearchParams, search
from search.query.plan import BM25_B, BM25_K1, occurrences_sql, saturated_sql

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
    results = search(SearchParams(q="教科人一体化"))
    full = [h for h in results.items if h.matched_all]
    assert results.total_full == 2
    assert [h.policy_slug for h in full] == [PAPER, PAPER]
    assert all("教科人一体化" in strip_marks(h.text) for h in full)
    assert "<mark>教科人一体化</mark>" in full[0].snippet
    # The page is filled with clauses that have some of its words, after the full matches.
    rest = results.items[2:]
    assert len(results.items) == 10
    assert not any(h.matched_all for h in rest)
    assert not any("教科人一体化" in strip_marks(h.text) for h in rest)


def test_multi_term_query_ranks_clauses_with_every_term_first() -> None:
    hits = top("医疗 数据 共享")
    full = [h for h in hits if h.matched_all]
    assert hits[: len(full)] == full  # every full match before any partial one
    assert {h.policy_slug for h in full} == {BIG_DATA_PLAN, DATA_X_PLAN}
    found = [strip_marks(h.text) for h in full]
    assert any("加快医疗卫生机构数据共享" in t for t in found[:2])
    assert any("探索推进电子病历数据共享" in t for t in found[:3])
    for text in found:
        assert "医疗" in text and "共享" in text
    for hit in hits[len(full) :]:
        text = strip_marks(hit.text)
        assert not ("医疗" in text and "数据" in text and "共享" in text)


def test_multi_document_concept_reaches_every_document_in_the_first_page() -> None:
    hits = top("可信数据空间")
    assert {DATA_INDUSTRY, DATA_X_PLAN, "sci-tech-digest-2025-6"} <= {h.policy_slug for h in hits}
    exact = ["可信数据空间" in strip_marks(h.text) for h in hits]
    assert exact[0]
    assert exact == sorted(exact, reverse=True)  # verbatim matches before scattered words


def test_alias_finds_the_full_name() -> None:
    results = search(SearchParams(q="发改委"))
    assert [d.slug for d in results.documents] == [DATA_INDUSTRY]
    assert results.documents[0].reasons == ["发文机关"]
    assert "国家发展改革委" in results.also_searched
    assert results.items[0].policy_slug == DATA_INDUSTRY
    for hit in results.items:  # clause hits name the body in their own text
        assert "发展改革委" in strip_marks(hit.text) or "发改委" in strip_marks(hit.text)


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


def test_body_query_lists_that_bodys_documents_once() -> None:
    results = search(SearchParams(q="国家数据局"))
    # It leads 000 and 004 and co-signs 002 (the lead body's documents first).
    assert {d.slug for d in results.documents[:2]} == {INTERPRETATION, DATA_X_PLAN}
    assert [d.slug for d in results.documents[2:]] == [DATA_INDUSTRY]
    assert {tuple(d.reasons) for d in results.documents} == {("发文机关",)}
    for hit in results.items:
        assert "国家数据局" in strip_marks(hit.text)


@pytest.mark.parametrize(
    "q", ["发改数据〔2024〕1836号", "发改数据〔2024〕", "发改数据", "1836号", "1836号文", "1836"]
)
def test_document_number_fragments_find_the_document_not_its_clauses(q: str) -> None:
    results = search(SearchParams(q=q))
    assert [d.slug for d in results.documents] == [DATA_INDUSTRY]
    assert results.documents[0].reasons == ["发文字号"]
    assert results.documents[0].doc_number == "发改数据〔2024〕1836号"
    # No clause of 002 prints its own number: no clause hits, and no 数据/2024 noise.
    assert results.items == []
    assert results.total == 0


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
    results = search(SearchParams(q="区块琏技术"))
    assert results.suggestions[0] == "区块链技术"
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
    # Facets count what the page lists: clause hits, and each document-level result once.
    assert sum(types.values()) == results.total + results.document_total
    bodies = {f.value for f in results.facets["body"]}
    assert bodies
    some_type = max(types, key=types.get)
    filtered = search(SearchParams(q="数据", limit=100, type=some_type))
    assert filtered.total + filtered.document_total == types[some_type]
    body_slug = results.facets["body"][0].value
    by_body = search(SearchParams(q="数据", body=body_slug))
    assert by_body.total + by_body.document_total == results.facets["body"][0].count
    assert search(SearchParams(q="数据", year_from=2100)).total == 0


def test_body_only_query_is_a_document_result_not_all_its_clauses() -> None:
    results = search(SearchParams(q="工信部"))
    assert [d.title for d in results.documents] == ["“十四五”大数据产业发展规划"]
    assert results.documents[0].reasons == ["发文机关"]
    assert results.documents[0].bodies == ["工业和信息化部"]
    # 工业和信息化部 is printed only in 003's header, never in a clause.
    assert results.items == [] and results.total == 0
    assert [(f.label, f.count) for f in results.facets["body"]] == [("工业和信息化部", 1)]


@pytest.mark.parametrize(
    ("text", "substrings", "count"),
    [
        ("数据要素×数据要素，数据", ["数据要素"], 2),
        ("C2M模式与C2M", ["C2M"], 2),
        ("数據要素与数据要素", ["数据要素", "要素"], 3),  # 数據 is another word: 1 + 2
        ("算力", ["数据"], 0),
    ],
)
def test_occurrences_are_counted_in_whole_characters(text, substrings, count) -> None:
    """The score's occurrence count (occurrences_sql) measures the text in bytes: every count
    must still be whole occurrences of the characters, whatever their width."""
    sql, params = occurrences_sql(substrings)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.n, {saturated_sql('e.n', 100.0)} FROM (SELECT {sql} AS n, "
            "char_length(e.compact) AS _chars FROM (SELECT %s::text AS compact) e) e",
            [*params, text],
        )
        got, saturated = cursor.fetchone()
    norm = BM25_K1 * (1 - BM25_B + BM25_B * len(text) / 100.0)
    assert got == count
    assert saturated == pytest.approx(count / (count + norm))
