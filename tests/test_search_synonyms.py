"""Synonyms: curated pairs (fixtures/dictionary/synonyms.txt) and pairs the corpus defines,
searched with the words typed at lower weight, and named on the page (同时检索：…)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from search.dictionary import pairs_in_text
from search.evaluation import strip_marks
from search.models import Synonym
from search.query import SearchParams, search
from search.query.catalog import curated_synonyms

pytestmark = pytest.mark.django_db


def test_curated_file_format(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.txt"
    path.write_text(
        "# comment\n出口 = 走出去, 国际市场  # trailing comment\nAI = 人工智能\n\n坏行\n",
        encoding="utf-8",
    )
    assert curated_synonyms(path) == {"出口": ["走出去", "国际市场"], "ai": ["人工智能"]}


def test_the_shipped_curated_file_loads_and_has_no_useless_lines() -> None:
    pairs = curated_synonyms()
    assert pairs["贷款"] == ["信贷", "融资"]
    for key, alternatives in pairs.items():
        assert len(key) >= 2, key
        for alternative in alternatives:
            # A wording that contains the key is found by the key already.
            assert key not in alternative, (key, alternative)


def test_everyday_wording_finds_the_documents_wording() -> None:
    results = search(SearchParams(q="大数据企业出口"))
    assert "大数据企业走出去" in results.also_searched
    # 003: 推动大数据企业“走出去”，在“一带一路”…
    assert "推动大数据企业“走出去”" in strip_marks(results.items[0].text)
    assert "<mark>" in results.items[0].snippet


def test_a_clause_with_the_typed_word_ranks_above_synonym_only_clauses() -> None:
    results = search(SearchParams(q="贷款"))
    assert results.also_searched == ["信贷", "融资"]
    with_typed = ["贷款" in strip_marks(h.text) for h in results.items]
    assert with_typed == sorted(with_typed, reverse=True)
    assert with_typed[0] and not all(with_typed)


def test_pairs_the_corpus_defines_are_learned() -> None:
    learned = set(Synonym.objects.values_list("term", "alternative", "source"))
    # 004: 反向定制（C2M）; 003: 《数据管理能力成熟度评估模型》（以下简称 DCMM）
    assert ("c2m", "反向定制", "abbreviation") in learned
    assert ("反向定制", "c2m", "abbreviation") in learned
    assert ("dcmm", "数据管理能力成熟度评估模型", "defined") in learned
    # 000: 《关于加强数据科技创新的实施意见》（以下简称《意见》）names that document only.
    assert not any(term == "意见" for term, _, _ in learned)
    results = search(SearchParams(q="DCMM"))
    assert "数据管理能力成熟度评估模型" in results.also_searched


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        (
            "国家发展和改革委员会（以下简称国家发展改革委）负责",
            {
                ("国家发展改革委", "国家发展和改革委员会"),
                ("国家发展和改革委员会", "国家发展改革委"),
            },
        ),
        ("推广首席数据官（CDO）制度", {("cdo", "首席数据官"), ("首席数据官", "cdo")}),
        ("《关于促进数据产业高质量发展的指导意见》（以下简称《意见》）", set()),
        ("本规划（以下简称“本规划”）", set()),
    ],
)
def test_pairs_in_text(text: str, pairs: set) -> None:
    assert set(pairs_in_text(text)) == pairs


def test_the_page_says_what_else_was_searched(client) -> None:
    html = client.get(reverse("search:page"), {"q": "贷款"}).content.decode()
    assert "同时检索：信贷、融资" in html


def test_without_the_rule_no_synonyms_are_searched() -> None:
    from search.query.weights import DEFAULT, using

    with using(DEFAULT.without("synonym")):
        results = search(SearchParams(q="贷款"))
    assert results.also_searched == []
    assert all("贷款" in strip_marks(h.text) for h in results.items)
