"""001 is a digest: one file, six signed articles."""

from __future__ import annotations

import pytest

from policies.models import Policy

pytestmark = pytest.mark.django_db


def articles() -> list[Policy]:
    return list(Policy.objects.filter(source__name__startswith="001_").order_by("slug"))


def test_six_articles_with_authors_and_sources():
    found = [(a.title, a.authors, a.publisher) for a in articles()]
    assert [f[1] for f in found] == [
        ["刘冬梅", "杨洋", "李哲"],
        ["宋德雄"],
        ["刘明熹"],
        ["高绍林", "黄鹤"],
        ["李希义"],
        ["王晓明"],
    ]
    assert found[1][0] == "探索科技创新和产业创新深度融合路径"
    # glyph-by-glyph duplicated bold title, collapsed
    assert found[2][0] == "以“链式思维”加快人工智能人才队伍建设"
    assert found[3][0] == "推动人工智能立法与执法范式变革"
    assert [f[2] for f in found] == ["中国科技论坛（2025年第1期）"] + ["科技日报"] * 5
    assert [a.published_on.isoformat() for a in articles()[1:]] == [
        "2025-01-06",
        "2025-01-27",
        "2025-01-27",
        "2025-01-27",
        "2025-02-10",
    ]
    assert all(a.doc_type == "文章" for a in articles())


def test_paper_sections_and_abstract():
    paper = articles()[0]
    assert paper.abstract.startswith("党的十八大以来")
    chapters = paper.provisions.filter(depth=0, kind="chapter")
    assert [(c.num, c.heading) for c in chapters][:3] == [
        ("0", "引言"),
        ("1", "文献综述"),
        ("2", "习近平科技创新重要论述演进的理论与现实基础"),
    ]
    assert paper.provisions.get(num="2.1").heading == "思想理论基础"
    # a phrase the PDF split over two lines ("教科" / "人一体化") is whole again
    assert paper.provisions.filter(text__contains="教科人一体化").exists()
    # stray page numbers between paragraphs are gone and the paragraph is joined across them
    assert paper.provisions.filter(
        text__contains="“八个坚持”是骨干，构成重要论述思想体系的主体框架"
    ).exists()
