"""Structure of each seed document as verified by reading the sources in fixtures/sources/."""

from __future__ import annotations

import re

import pytest

from policies.models import Policy, Provision, Target
from tests.source_facts import DATA_INDUSTRY_BODIES

pytestmark = pytest.mark.django_db


def by_number(doc_number: str) -> Policy:
    return Policy.objects.get(doc_number=doc_number)


def test_002_metadata_and_bodies_in_signature_order():
    policy = by_number("发改数据〔2024〕1836号")
    assert (policy.doc_agency_code, policy.doc_year, policy.doc_serial) == ("发改数据", 2024, 1836)
    assert [b.name for b in policy.ordered_bodies()] == DATA_INDUSTRY_BODIES
    assert policy.issued_on.isoformat() == "2024-12-28"
    assert policy.doc_type == "意见"


def test_002_nine_parts_twenty_two_sections_and_annex():
    policy = by_number("发改数据〔2024〕1836号")
    chapters = policy.provisions.filter(depth=0, kind="chapter")
    assert [c.num for c in chapters] == [
        "一、",
        "二、",
        "三、",
        "四、",
        "五、",
        "六、",
        "七、",
        "八、",
        "九、",
    ]
    assert chapters[0].heading == "总体要求"
    assert policy.provisions.filter(kind="section", depth=1).count() == 22
    fourth = policy.provisions.get(eid="chp_4__sec_1")
    assert fourth.heading == "突破关键核心技术"
    assert fourth.parent.heading == "加快数据技术创新"
    annex = policy.provisions.get(kind="annex")
    assert annex.eid == "annex"
    assert annex.heading == "数据技术和产业重点发展方向"
    directions = list(annex.children.values_list("heading", flat=True))
    assert directions == [
        "数据采集",
        "数据存储",
        "数据治理",
        "数据分析",
        "数据交易",
        "数据应用",
        "数据安全",
    ]
    assert policy.provisions.get(eid="annex__item_2").heading == "数据存储"


def test_002_target_2029():
    target = Target.objects.get(policy__doc_number="发改数据〔2024〕1836号", year=2029)
    assert (target.metric, target.comparator, float(target.value), target.unit) == (
        "数据产业规模年均复合增长率",
        "超过",
        15.0,
        "%",
    )
    assert "到2029年" in target.sentence
    assert target.provision.eid == "chp_1"


def test_003_parts_boxes_and_targets():
    policy = Policy.objects.get(title="“十四五”大数据产业发展规划")
    assert policy.doc_number == "工信部规〔2021〕179号"
    assert [b.name for b in policy.ordered_bodies()] == ["工业和信息化部"]
    chapters = policy.provisions.filter(depth=0, kind="chapter")
    assert [c.heading for c in chapters] == [
        "发展成效",
        "面临形势",
        "总体要求",
        "主要任务",
        "保障措施",
    ]
    boxes = policy.provisions.filter(kind="box").order_by("order")
    assert [b.num for b in boxes] == [f"专栏 {n}" for n in range(1, 7)]
    assert boxes[0].heading == "数据治理能力提升行动"
    assert boxes[0].eid == "chp_4__sec_2__box_1"
    # the table of contents at the top is not a second copy of the chapters
    assert policy.provisions.filter(heading="发展成效").count() == 1
    targets = {
        (t.metric, t.comparator, float(t.value), t.unit, t.year) for t in policy.targets.all()
    }
    assert ("大数据产业测算规模", "突破", 3.0, "万亿元", 2025) in targets
    assert ("年均复合增长率", "左右", 25.0, "%", 2025) in targets


def test_003_wrapped_lines_rejoined():
    policy = Policy.objects.get(title="“十四五”大数据产业发展规划")
    rule = policy.provisions.get(heading="健全数据要素市场规则")
    # the source breaks this paragraph as "…鼓" / blank line / "励各类所有制企业…"
    assert "鼓励各类所有制企业参与要素交易平台建设" in rule.text


def test_004_draft_skeleton_and_actions():
    policy = Policy.objects.get(status="征求意见稿")
    assert policy.doc_type == "行动计划"
    assert (policy.comment_period_start.isoformat(), policy.comment_period_end.isoformat()) == (
        "2023-12-16",
        "2023-12-22",
    )
    items = policy.provisions.filter(kind="item", num__regex=r"^\d+\.$").order_by("order")
    assert [int(i.num.rstrip(".")) for i in items] == list(range(1, 24))
    actions = [i.heading for i in items if i.heading.startswith("数据要素×")]
    assert len(actions) == 12
    assert actions[0] == "数据要素×智能制造" and actions[-1] == "数据要素×绿色低碳"
    assert policy.tasks.count() == 12
    # slide content hangs on the numbered item it illustrates
    medical = policy.provisions.get(heading="数据要素×医疗健康")
    assert "探索推进电子病历数据共享" in " ".join(
        p.text
        for p in Provision.objects.filter(parent__parent=medical)
        | Provision.objects.filter(parent=medical)
    )
    # an infographic's icon letters and ordinal badges are not part of a heading
    trade = policy.provisions.get(heading="数据要素×商贸流通")
    assert [c.heading for c in trade.children.all()] == [
        "拓展新消费",
        "培育新业态",
        "打造新品牌",
        "推进国际化",
    ]
    assert policy.provisions.get(heading="提升碳足迹管理水平").num == "3"
    security = policy.provisions.get(heading="加强数据安全保障")
    assert "三位一体" in security.text


def test_004_three_targets_2026():
    policy = Policy.objects.get(status="征求意见稿")
    targets = {
        (t.metric, t.comparator, float(t.value), t.unit, t.year) for t in policy.targets.all()
    }
    assert targets == {
        ("典型应用场景", "以上", 300.0, "个", 2026),
        ("数据产业年均增速", "超过", 20.0, "%", 2026),
        ("数据交易规模", "增长", 1.0, "倍", 2026),
    }


def test_000_interpretation_linked_to_stub():
    interpretation = Policy.objects.get(doc_type="解读")
    assert interpretation.interprets is not None
    assert interpretation.interprets.title == "关于加强数据科技创新的实施意见"
    assert interpretation.interprets.is_stub
    first = interpretation.provisions.first()
    assert not first.text.startswith("[bookmark")
    assert interpretation.provisions.filter(depth=0, kind="chapter").first().heading == (
        "以数据科技创新为关键抓手，锚定数字经济高质量发展方向"
    )


def test_no_markup_or_noise_in_any_provision():
    noise = re.compile(
        r"!\[|</?[a-zA-Z]+[ >]|\*\*|\[bookmark|微信扫一扫|扫码订阅|阅读原文|https?://"
    )
    glyph_run = re.compile(r"([\u4e00-\u9fff“”]{1,20})\1\1")
    for provision in Provision.objects.filter(policy__is_stub=False):
        for value in (provision.heading, provision.text):
            assert not noise.search(value), (provision.eid, value[:80])
            assert not glyph_run.search(value), (provision.eid, value[:80])
            assert not re.fullmatch(r"\d{1,3}", value.strip()), provision.eid
    nav = Provision.objects.filter(
        policy__status="征求意见稿", text__in=["2. 总体要求", "潜能", "3. 重点行动"]
    )
    assert not nav.exists()


def test_eids_unique_and_stable_shape():
    for policy in Policy.objects.real():
        eids = list(policy.provisions.values_list("eid", flat=True))
        assert len(eids) == len(set(eids))
        assert all(re.fullmatch(r"[a-z]+(_\d+)*(__[a-z]+(_\d+)*)*", eid) for eid in eids), eids


def test_004_page_leftovers_are_not_clauses_but_the_notice_is_kept():
    policy = Policy.objects.get(status="征求意见稿")
    texts = list(policy.provisions.values_list("text", flat=True)) + list(
        policy.provisions.values_list("heading", flat=True)
    )
    assert not [t for t in texts if "【进行中】" in t or "感谢您的参与和支持" in t or "的公告" in t]
    assert policy.notice_title == (
        "关于向社会公开征求《“数据要素×”三年行动计划(2024—2026年)(征求意见稿)》意见的公告"
    )
    assert policy.notice_text.endswith("感谢您的参与和支持！")
    assert policy.field_sources["comment_period_start"] == "text"
    assert policy.field_sources["issued_on"] == "text"
    assert policy.issued_on.isoformat() == "2023-12-15"


def test_002_metadata_is_read_from_the_text_not_the_toml():
    policy = by_number("发改数据〔2024〕1836号")
    sources = policy.field_sources
    assert {name: sources[name] for name in ("title", "doc_number", "bodies", "issued_on")} == {
        "title": "text",
        "doc_number": "text",
        "bodies": "text",
        "issued_on": "text",
    }
    assert sources["published_on"] == "page"  # the saved page's front matter
    assert sources["publisher"] == "curated"
    assert policy.title == "国家发展改革委等部门关于促进数据产业高质量发展的指导意见"
    assert policy.short_title == "关于促进数据产业高质量发展的指导意见"
    # the 附件 list above the signature is a note, not the last clause of part 九
    assert policy.notes == {"attachments": ["数据技术和产业重点发展方向"]}
    assert not policy.provisions.filter(text__startswith="附件：").exists()
