"""Documents of our own (tests/fixtures/docs/, no curated metadata) loaded the way a curator
loads a new file: metadata, structure, targets and tasks read from the text alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from policies.ingest.load import load_files
from policies.models import IssuingBody, Policy

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).parent / "fixtures" / "docs"


def load(*names: str):
    results = load_files([DOCS / name for name in names], log=lambda message: None)
    return [Policy.objects.get(pk=pk) for result in results for pk in result.policy_ids], results


def test_measures_with_chapters_articles_clauses_items_and_order_number():
    (policy,), (result,) = load("linjiang_data_sharing_measures.txt")
    assert policy.title == "临江市公共数据共享管理办法"
    assert policy.doc_number == "临江市人民政府令第8号"
    assert (policy.doc_agency_code, policy.doc_year, policy.doc_serial) == (
        "临江市人民政府令",
        None,
        8,
    )
    assert policy.doc_type == "办法"
    assert policy.issued_on == dt.date(2026, 3, 9)  # 二〇二六年三月九日
    assert policy.effective_on == dt.date(2026, 4, 1)
    assert policy.expires_on == dt.date(2031, 3, 31)
    assert policy.status == "现行有效"
    assert [b.name for b in policy.ordered_bodies()] == ["临江市人民政府"]
    assert policy.field_sources["title"] == "text"
    assert policy.field_sources["issued_on"] == "text"
    # a body in no registry is created, and the curator is told
    assert IssuingBody.objects.filter(name="临江市人民政府").exists()
    assert (
        "linjiang_data_sharing_measures.txt: unknown body created: 临江市人民政府"
        in result.warnings
    )
    chapters = policy.provisions.filter(kind="chapter")
    assert [(c.num, c.heading) for c in chapters] == [
        ("第一章", "总则"),
        ("第二章", "共享要求"),
        ("第三章", "附则"),
    ]
    assert list(policy.provisions.filter(kind="article").values_list("num", flat=True)) == [
        "第一条",
        "第二条",
        "第三条",
        "第四条",
        "第五条",
    ]
    second = policy.provisions.get(num="第二条")
    assert [c.text for c in second.children.all()] == [
        "本办法所称公共数据，是指本市各级行政机关在依法履行职责过程中收集和产生的数据。"
    ]
    third = policy.provisions.get(num="第三条")
    assert [(c.kind, c.num, c.text) for c in third.children.all()] == [
        ("item", "（一）", "无条件共享类；"),
        ("item", "（二）", "有条件共享类；"),
        ("item", "（三）", "不予共享类。"),
    ]
    # the signature is not a clause
    assert not policy.provisions.filter(text__contains="二〇二六年").exists()
    assert not policy.provisions.filter(heading="临江市人民政府").exists()


def test_notice_wrapping_an_attachment_with_wrapped_title_and_banner():
    (policy,), (result,) = load("donghu_innovation_voucher_notice.txt")
    assert policy.title == "东湖省科技创新券管理实施细则"
    assert policy.notice_title == (
        "东湖省科学技术厅 东湖省财政厅关于印发《东湖省科技创新券管理实施细则》的通知"
    )
    assert policy.doc_number == "东科发〔2026〕12号"
    assert policy.doc_type == "实施细则"
    assert [b.name for b in policy.ordered_bodies()] == ["东湖省科学技术厅", "东湖省财政厅"]
    assert policy.issued_on == dt.date(2026, 2, 16)
    assert policy.effective_on == dt.date(2026, 2, 16)  # 自印发之日起施行
    assert policy.expires_on == dt.date(2029, 2, 15)  # 有效期3年
    assert policy.publisher == "东湖省科学技术厅网站"  # from the 【来源：…】 banner
    assert policy.notes == {
        "disclosure": "此件公开发布",
        "copied_to": "科技部办公厅",
        "printed_by": "东湖省科学技术厅办公室",
        "printed_on": "2026-02-17",
        "attachments": ["东湖省科技创新券管理实施细则"],
    }
    assert policy.notice_text.startswith("各市科技局、财政局，省直有关单位：\n为降低中小企业")
    assert [(p.num, p.heading) for p in policy.provisions.filter(depth=0)] == [
        ("一、", "总体要求"),
        ("二、", "申领与兑付"),
        ("三、", "附则"),
    ]
    texts = " ".join(policy.provisions.values_list("text", flat=True))
    for leftover in ("此件公开发布", "抄送", "印发给你们", "【来源", "东湖省财政厅"):
        assert leftover not in texts
    assert result.warnings == [
        "donghu_innovation_voucher_notice.txt: unknown body created: 东湖省科学技术厅",
        "donghu_innovation_voucher_notice.txt: unknown body created: 东湖省财政厅",
    ]


def test_interpretation_of_a_held_document_is_linked_to_it():
    (measures, interpretation), _ = load(
        "linjiang_data_sharing_measures.txt", "linjiang_measures_interpretation.txt"
    )
    assert interpretation.title == "《临江市公共数据共享管理办法》政策解读"
    assert interpretation.doc_type == "解读"
    assert interpretation.status == "已发布"
    assert interpretation.publisher == "临江市数据资源局"
    assert interpretation.published_on == dt.date(2026, 3, 12)
    assert interpretation.effective_on is None  # the dates it quotes are the policy's
    assert interpretation.interprets == measures
    assert [p.heading for p in interpretation.provisions.filter(depth=0)] == [
        "出台背景",
        "主要内容",
        "实施安排",
    ]
    assert not interpretation.provisions.filter(heading__startswith="来源").exists()


def test_division_of_labour_annex_gives_tasks_lead_and_partners():
    (policy,), _ = load("nanling_sme_digital_plan.md")
    assert policy.doc_number == "南府办〔2026〕5号"  # printed with [] brackets
    assert policy.doc_type == "实施方案"
    assert [b.name for b in policy.ordered_bodies()] == ["南岭市人民政府办公室"]
    assert policy.issued_on == dt.date(2026, 1, 20)
    tasks = [
        (t.title, [b.name for b in t.leads], [b.name for b in t.partners])
        for t in policy.tasks.prefetch_related("body_links__body")
    ]
    assert tasks == [
        ("建设公共服务平台", ["南岭市工业和信息化局"], ["南岭市财政局", "南岭市数据局"]),
        ("开展示范培育", ["南岭市工业和信息化局"], ["南岭市科学技术局"]),
        ("加强人才培训", ["南岭市人力资源和社会保障局"], ["南岭市工业和信息化局"]),
    ]
    table = policy.provisions.get(kind="table")
    assert table.rows[0] == ["序号", "重点任务", "牵头单位", "配合单位"]
    assert table.rows[1] == [
        "1",
        "建设公共服务平台",
        "南岭市工业和信息化局",
        "南岭市财政局、南岭市数据局",
    ]
    assert table.parent.heading == "重点任务分工表"
    # header cells are neither headings nor tasks
    assert not policy.provisions.filter(heading__in=["序号", "牵头单位", "配合单位"]).exists()
    assert not policy.tasks.filter(title__in=["重点任务", "序号"]).exists()
    target = policy.targets.get()
    assert (target.comparator, float(target.value), target.unit, target.year) == (
        "达到",
        80.0,
        "%",
        2028,
    )
    lead = IssuingBody.objects.get(name="南岭市工业和信息化局")
    assert sorted(t.title for t in lead.tasks.filter(body_links__role="lead")) == [
        "建设公共服务平台",
        "开展示范培育",
    ]


def test_bodies_in_no_registry_red_head_and_chinese_numeral_date():
    (policy,), _ = load("xichuan_forest_economy_opinions.txt")
    assert policy.title == "西川省农业农村厅 西川省林业局关于加快发展林下经济的指导意见"
    assert policy.short_title == "关于加快发展林下经济的指导意见"
    assert policy.doc_number == "西农发〔2025〕33号"
    assert policy.doc_type == "意见"
    assert [b.name for b in policy.ordered_bodies()] == ["西川省农业农村厅", "西川省林业局"]
    assert policy.issued_on == dt.date(2025, 12, 3)
    assert policy.status == "现行有效"
    assert not policy.provisions.filter(text__contains="文件").exists()
    assert [p.heading for p in policy.provisions.filter(kind="chapter")] == [
        "明确发展重点",
        "强化政策支持",
    ]


def test_draft_with_front_matter_comment_period_and_no_number_warns():
    (policy,), (result,) = load("beihu_low_altitude_draft.md")
    assert policy.title == "北湖市低空经济发展行动计划（2026—2028年）（征求意见稿）"
    assert policy.doc_type == "行动计划"
    assert policy.status == "征求意见稿"
    assert policy.published_on == dt.date(2026, 5, 6)
    assert policy.field_sources["published_on"] == "page"
    assert policy.source_url == "https://example.org/beihu/notice-42"
    assert (policy.comment_period_start, policy.comment_period_end) == (
        dt.date(2026, 5, 6),
        dt.date(2026, 6, 5),
    )
    assert result.warnings == [  # a draft has no 发文字号 yet: no warning for that
        "beihu_low_altitude_draft.md: no signature date (成文日期) found",
        "beihu_low_altitude_draft.md: no issuing body found",
    ]
    targets = {(float(t.value), t.unit, t.year) for t in policy.targets.all()}
    assert targets == {(30.0, "条", 2028), (10.0, "家", 2028)}


def test_expired_when_the_expiry_date_has_passed(tmp_path):
    source = tmp_path / "old_measures.txt"
    text = (DOCS / "linjiang_data_sharing_measures.txt").read_text(encoding="utf-8")
    source.write_text(
        text.replace("有效期至2031年3月31日", "有效期至2026年3月31日"), encoding="utf-8"
    )
    load_files([source], log=lambda message: None)
    policy = Policy.objects.get(source__name="old_measures.txt")
    assert policy.expires_on == dt.date(2026, 3, 31)
    assert policy.status == "已失效"


def test_curator_override_wins_and_is_recorded_as_such():
    from django.db import transaction

    from policies.ingest.load import finish_load, ingest_source, sync_bodies

    data = (DOCS / "xichuan_forest_economy_opinions.txt").read_bytes()
    with transaction.atomic():
        result = ingest_source(
            "xichuan_forest_economy_opinions.txt",
            data,
            sync_bodies(),
            overrides={"policy": {"short_title": "林下经济意见", "slug": "xichuan-forest"}},
            log=lambda message: None,
        )
        finish_load([result])
    policy = Policy.objects.get(slug="xichuan-forest")
    assert policy.short_title == "林下经济意见"
    assert policy.field_sources["short_title"] == "override"
    assert policy.field_sources["doc_number"] == "text"
    assert policy.doc_number == "西农发〔2025〕33号"


def test_notice_with_two_attachments_wrapped_clauses_and_duty_table():
    (policy,), _ = load("qingshan_night_economy.txt")
    assert policy.title == "青山市促进夜间经济发展若干措施"
    assert policy.notice_title == "青山市人民政府办公室关于印发青山市促进夜间经济发展若干措施的通知"
    assert policy.doc_number == "青政办规〔2026〕4号"
    assert policy.doc_type == "若干措施"
    assert policy.issued_on == dt.date(2026, 6, 18)  # printed "2026 年 6 月 18 日"
    assert (policy.effective_on, policy.expires_on) == (dt.date(2026, 7, 1), dt.date(2031, 6, 30))
    assert policy.notes == {
        "disclosure": "此件主动公开",
        "attachments": ["青山市促进夜间经济发展若干措施", "重点任务责任清单"],
    }
    first = policy.provisions.get(eid="chp_1")
    assert (first.heading, first.text) == (
        "打造夜间消费地标",
        "支持各县（区）改造提升一批特色街区，对新认定的市级夜间消费集聚区给予一次性补助50万元。",
    )
    tasks = [
        (t.title, [b.name for b in t.leads], [b.name for b in t.partners])
        for t in policy.tasks.prefetch_related("body_links__body")
    ]
    assert tasks == [
        ("打造夜间消费地标", ["市商务局"], ["市住房城乡建设局", "各县（区）人民政府"]),
        ("丰富夜间文旅产品", ["市文化和旅游局"], ["市公安局"]),
        ("优化夜间公共服务", ["市交通运输局"], ["市公安局交警支队"]),
    ]
    assert policy.provisions.get(kind="annex").heading == "重点任务责任清单"


def test_government_page_copied_as_text_metadata_table_and_chrome():
    (policy,), (result,) = load("city_old_housing_notice_page.txt")
    assert policy.title == "某市住房和城乡建设局关于开展城镇老旧小区改造工作的通知"
    assert policy.doc_number == "某建〔2026〕9号"
    assert policy.field_sources["doc_number"] == "page"  # only the page's 文号 states it
    assert policy.published_on == dt.date(2026, 3, 1)
    assert policy.field_sources["published_on"] == "page"
    assert policy.issued_on == dt.date(2026, 2, 26)
    assert policy.field_sources["issued_on"] == "text"  # the signature
    assert [b.name for b in policy.ordered_bodies()] == ["某市住房和城乡建设局"]
    assert policy.doc_type == "通知"
    assert [(p.kind, p.num, p.heading, p.text) for p in policy.provisions.all()] == [
        ("paragraph", "", "", "各县（市）区住建局："),
        (
            "paragraph",
            "",
            "",
            "为改善居民居住条件，现就开展2026年城镇老旧小区改造工作通知如下：",
        ),
        ("chapter", "一、", "改造范围", "2000年底前建成的城镇老旧小区。"),
        ("chapter", "二、", "工作要求", "各地要于2026年4月底前报送改造计划。"),
    ]
    assert result.warnings == [
        "city_old_housing_notice_page.txt: unknown body created: 某市住房和城乡建设局"
    ]


def test_short_notice_signed_within_its_first_lines():
    """A notice of two sentences signs right under its text: the signer is not a bodies line
    printed under the title, and the date is the 成文日期 that 自印发之日起 counts from."""
    [policy], _ = load("lanhu_smart_elderly_care_notice.txt")
    assert policy.title == "蓝湖县智慧养老服务提升行动方案"
    assert policy.notice_title == "关于印发蓝湖县智慧养老服务提升行动方案的通知"
    assert policy.doc_number == "蓝政办发〔2026〕9号"
    assert [body.name for body in policy.ordered_bodies()] == ["蓝湖县人民政府办公室"]
    assert policy.issued_on == dt.date(2026, 5, 12)
    assert policy.effective_on == dt.date(2026, 5, 12)
    assert policy.expires_on == dt.date(2029, 5, 11)
    assert policy.notes == {"disclosure": "此件公开发布"}
    assert "请认真组织实施" in policy.notice_text
    assert [(t.metric, t.value, t.unit, t.year) for t in policy.targets.order_by("order")] == [
        ("全县建成智慧养老服务站", 30, "个", 2028),
        ("老年人智能设备使用率", 60, "%", 2028),
    ]
    assert [task.title for task in policy.tasks.order_by("order")] == [
        "建设县级养老服务平台",
        "推广居家智能监护",
    ]


def test_targets_under_a_colon_lead_in_match_with_it():
    """到2028年： introduces the targets after it: their year, and a search for it with their
    words matches each of them in full (the lead-in is context of its siblings)."""
    from search.query import SearchParams, search

    [policy], _ = load("qingchuan_data_labeling_plan.txt")
    assert policy.title == "青川市数据标注产业发展三年行动方案（2026—2028年）"
    assert policy.doc_number == "青政办发〔2026〕14号"
    assert [body.name for body in policy.ordered_bodies()] == ["青川市人民政府办公室"]
    assert (policy.issued_on, policy.expires_on) == (dt.date(2026, 3, 18), dt.date(2029, 3, 17))
    assert [(t.value, t.unit, t.year) for t in policy.targets.order_by("order")] == [
        (15, "家", 2028),
        (3, "个", 2028),
        (8000, "人", 2028),
        (20, "亿元", 2028),
    ]
    results = search(SearchParams(q="到2028年 标注从业人员"))
    first = results.items[0]
    assert (first.policy_slug, first.matched_all) == (policy.slug, True)
    assert "标注从业人员达到8000人" in first.text
