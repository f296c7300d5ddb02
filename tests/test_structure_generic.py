"""The parser on document shapes the seeds do not have: it must work for the next hundred files."""

from __future__ import annotations

from policies.ingest.cleanup import clean_lines
from policies.ingest.eids import assign_eids
from policies.ingest.structure import build_document

MEASURES = """数据出境安全评估办法

第一章 总则

第一条 为了规范数据出境活动，保护个人信息权益，根据《中华人民共和国数据安全法》等法律法规，制定本办法。

第二条 数据处理者向境外提供数据的，应当按照本办法的规定进行安全评估。

第二章 评估程序

第三条 数据处理者向境外提供数据，有下列情形之一的，应当申报数据出境安全评估：

（一）数据处理者向境外提供重要数据；

（二）关键信息基础设施运营者向境外提供个人信息。

第四条 本办法自2022年9月1日起施行。
"""


def parse(text: str, title: str, bodies: set[str] | None = None):
    doc = build_document(clean_lines(text), title=title, body_names=bodies or set())
    assign_eids(doc.root)
    return doc


def test_chapters_articles_and_items():
    doc = parse(MEASURES, "数据出境安全评估办法")
    rows = [(n.eid, n.num, n.heading) for n in doc.root.walk()]
    assert rows == [
        ("chp_1", "第一章", "总则"),
        ("chp_1__art_1", "第一条", ""),
        ("chp_1__art_2", "第二条", ""),
        ("chp_2", "第二章", "评估程序"),
        ("chp_2__art_3", "第三条", ""),
        ("chp_2__art_3__item_1", "（一）", ""),
        ("chp_2__art_3__item_2", "（二）", ""),
        ("chp_2__art_4", "第四条", ""),
    ]
    article = doc.root.children[1].children[0]
    assert article.text == "数据处理者向境外提供数据，有下列情形之一的，应当申报数据出境安全评估："


def test_notice_with_signature_and_annex():
    notice = (
        "关于开展试点工作的通知\n\n各有关单位：\n\n现就有关事项通知如下。\n\n一、工作目标\n\n"
        "到2027年，建成试点项目50个以上。\n\n二、工作要求\n\n（一）加强组织\n\n各单位要加强组织领导。\n\n"
        "附件：试点名单\n\n国家数据局\n\n2025年3月1日\n\n附件\n\n试点名单\n\n北京。承担数据标注试点。\n"
    )
    doc = parse(notice, "关于开展试点工作的通知", {"国家数据局"})
    assert doc.signatories == ["国家数据局"] and doc.signed_on == "2025-03-01"
    eids = [n.eid for n in doc.root.walk()]
    assert eids[:2] == ["para_1", "para_2"]
    assert "chp_2__sec_1" in eids
    annex = next(n for n in doc.root.children if n.kind == "annex")
    assert (annex.eid, annex.heading) == ("annex", "试点名单")
    assert [(c.kind, c.heading, c.text) for c in annex.children] == [
        ("item", "北京", "承担数据标注试点。")
    ]
