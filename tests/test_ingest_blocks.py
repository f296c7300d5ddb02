"""The pipeline on blocks with layout hints (as the html/docx/pdf readers produce them) and on
plain lines: signatures, page breaks, tables, wraps, navigation. No database."""

from __future__ import annotations

from policies.extract import find_assignments
from policies.ingest.blocks import Block
from policies.ingest.cleanup import clean_blocks, clean_lines
from policies.ingest.structure import build_document
from policies.ingest.textmeta import doc_number_of, find_title, read_head


def texts(lines):
    return [line.text for line in lines]


def test_right_aligned_date_is_a_signature_without_registered_bodies():
    blocks = [
        Block("关于做好春季植树工作的通知", kind="heading", level=1),
        Block("各区县：请做好春季植树工作。"),
        Block("请于三月底前报送进展。"),
        Block("2026年3月2日", align="right"),
    ]
    doc = build_document(clean_blocks(blocks), title="关于做好春季植树工作的通知", body_names=set())
    assert doc.signed_on == "2026-03-02"
    assert [node.text for node in doc.root.walk()] == [
        "各区县：请做好春季植树工作。",
        "请于三月底前报送进展。",
    ]


def test_sentence_running_over_a_page_break_is_joined_and_headings_keep_their_level():
    blocks = [
        Block("一、总体要求", kind="heading", level=2),
        Block("到2027年，全省新建充电桩不少于"),
        Block(kind="page_break"),
        Block("5万个，基本实现乡镇全覆盖。", page=2),
    ]
    lines = clean_blocks(blocks)
    assert texts(lines) == [
        "一、总体要求",
        "到2027年，全省新建充电桩不少于5万个，基本实现乡镇全覆盖。",
    ]
    assert lines[0].md_level == 2


def test_table_block_with_duty_column_gives_lead_and_partners():
    rows = [
        ["序号", "工作任务", "责任单位"],
        ["1", "完善充电设施布局", "省能源局牵头，省住房城乡建设厅、省交通运输厅配合"],
        ["2", "推动公共领域车辆电动化", "省交通运输厅、省公安厅"],
    ]
    doc = build_document(
        clean_blocks([Block("附件", kind="para"), Block(kind="table", rows=rows)]),
        title="",
        body_names=set(),
    )
    table = [node for node in doc.root.walk() if node.kind == "table"]
    assert table[0].rows == rows
    assert [(a.title, a.leads, a.partners) for a in find_assignments(doc.root)] == [
        ("完善充电设施布局", ["省能源局"], ["省住房城乡建设厅", "省交通运输厅"]),
        ("推动公共领域车辆电动化", ["省交通运输厅"], ["省公安厅"]),
    ]


def test_short_hand_wrapped_file_is_rejoined_but_headings_are_not():
    text = (
        "一、加强组织领导\n"
        "各地要建立由政府分管负责同志牵头的工作机制，明确职责\n"
        "分工，细化工作措施，确保各项任务落到实处。\n"
        "二、强化资金保障\n"
        "统筹用好现有专项资金，对符合条件的项目给予支持，并将\n"
        "资金使用情况纳入绩效评价。\n"
    )
    assert texts(clean_lines(text)) == [
        "一、加强组织领导",
        "各地要建立由政府分管负责同志牵头的工作机制，明确职责分工，细化工作措施，确保各项任务落到实处。",
        "二、强化资金保障",
        "统筹用好现有专项资金，对符合条件的项目给予支持，并将资金使用情况纳入绩效评价。",
    ]


def test_a_lone_repeated_label_is_content_but_a_repeated_menu_is_navigation():
    box = ["专栏{n} 示范工程{n}", "建设内容", "建设{n}个示范基地，形成可推广经验。"]
    menu = ["首页", "政务公开", "办事服务", "互动交流"]
    lines = []
    for n in range(1, 5):
        lines += menu + [part.format(n=n) for part in box]
    cleaned = texts(clean_lines("\n".join(lines)))
    assert cleaned.count("建设内容") == 4
    assert not set(menu) & set(cleaned)


def test_doc_number_forms():
    assert doc_number_of("国办发〔2026〕7号") == "国办发〔2026〕7号"
    assert doc_number_of("京政发[2026] 3号") == "京政发〔2026〕3号"
    assert doc_number_of("沪府规（2025）12号") == "沪府规〔2025〕12号"
    assert doc_number_of("交通运输部令 2026年第4号") == "交通运输部令2026年第4号"
    assert doc_number_of("国务院关于印发…的通知") == ""


def test_title_is_not_a_banner_a_bodies_line_or_markup_and_may_wrap():
    lines = clean_lines(
        "【来源：某省人民政府网】\n"
        "某省人民政府办公厅文件\n"
        "某省人民政府办公厅关于印发某省促进\n"
        "养老服务业发展若干措施的通知\n"
        "某政办发〔2026〕2号\n"
    )
    title, start, end = find_title(lines, set())
    assert title == "某省人民政府办公厅关于印发某省促进养老服务业发展若干措施的通知"
    assert (start, end) == (2, 4)  # after the banner and the red-head line, over two lines
    head = read_head(lines, {}, set())
    assert head.doc_number == "某政办发〔2026〕2号"
    assert head.bodies == ["某省人民政府办公厅"]
    assert head.publisher == "某省人民政府网"


def test_page_metadata_table_copied_as_text_is_metadata_not_text():
    from policies.ingest.textmeta import take_page_table

    lines = clean_lines(
        "索引号：11530000/2026-00031  主题分类：科技、教育\n"
        "发布机构：某省科学技术厅  成文日期：2026年04月02日\n"
        "文号：某科规〔2026〕1号  发布日期：2026年04月07日\n"
        "某省科学技术厅关于印发《某省科技成果转化奖励办法》的通知\n"
        "各州、市科技局：现将办法印发给你们。\n"
    )
    kept, table = take_page_table(lines)
    assert table == {
        "索引号": "11530000/2026-00031",
        "主题分类": "科技、教育",
        "发布机构": "某省科学技术厅",
        "成文日期": "2026年04月02日",
        "文号": "某科规〔2026〕1号",
        "发布日期": "2026年04月07日",
    }
    assert texts(kept) == [
        "某省科学技术厅关于印发《某省科技成果转化奖励办法》的通知",
        "各州、市科技局：现将办法印发给你们。",
    ]


def test_order_number_on_two_lines():
    head = read_head(
        clean_lines(
            "某省人民政府令\n第3号\n某省地方标准管理办法\n第一条 为了规范…，制定本办法。\n"
        ),
        {},
        set(),
    )
    assert head.doc_number == "某省人民政府令第3号"
    assert head.title == "某省地方标准管理办法"


def test_styled_heading_without_numbering_opens_a_section_and_right_aligned_signers_count():
    blocks = [
        Block("某市智慧社区建设导则", kind="heading", level=1),
        Block("为规范智慧社区建设，制定本导则。"),
        Block("建设内容", kind="heading", level=2),
        Block("社区应建设统一的服务平台。"),
        Block("某市智慧社区建设工作专班", align="right"),
        Block("2026年5月8日", align="right"),
    ]
    doc = build_document(clean_blocks(blocks), title="某市智慧社区建设导则", body_names=set())
    assert [(n.kind, n.heading, n.text) for n in doc.root.walk()] == [
        ("paragraph", "", "为规范智慧社区建设，制定本导则。"),
        ("section", "建设内容", "社区应建设统一的服务平台。"),
    ]
    assert (doc.signatories, doc.signed_on) == (["某市智慧社区建设工作专班"], "2026-05-08")


def test_two_line_title_draft_line_and_cover_month_under_it():
    from pathlib import Path

    from policies.ingest.load import parse_source
    from policies.ingest.readers.text import read_text

    path = Path(__file__).parent / "fixtures" / "docs" / "mountain_province_digital_plan_draft.txt"
    ((doc, info),) = parse_source(read_text(path.name, path.read_bytes()), {}, set())
    assert info["title"] == "“十五五”某省数字经济高质量发展规划"
    assert (info["doc_type"], info["status"]) == ("规划", "征求意见稿")
    assert info["bodies"] == ["某省发展和改革委员会"]
    assert "issued_on" not in info  # a cover's month is not a date
    assert [(n.num, n.heading) for n in doc.root.children] == [
        ("一、", "发展基础"),
        ("二、", "主要任务"),
    ]


def _parse(blocks, page_meta=None):
    from policies.ingest.blocks import SourceRead
    from policies.ingest.load import parse_source

    ((doc, info),) = parse_source(SourceRead("x.txt", "txt", blocks, page_meta or {}), {}, set())
    return doc, info


def test_header_cells_and_numbered_headings_are_never_the_title():
    _, info = _parse([Block(kind="table", rows=[["序号", "任务", "牵头单位"]])])
    assert (info["title"], info.get("title_fallback")) == ("x", True)
    doc, info = _parse(
        [
            Block("一、总体要求", kind="heading", level=2),
            Block("二、保障措施", kind="heading", level=2),
        ]
    )
    assert info["title"] == "x"
    assert [(n.num, n.heading) for n in doc.root.walk()] == [
        ("一、", "总体要求"),
        ("二、", "保障措施"),
    ]


def test_wechat_repost_lines_bold_title_and_closing_source_note():
    lines = [
        "点击蓝字 关注我们",
        "**某市人民政府关于促进消费的若干措施**",
        "某政发〔2026〕1号",
        "一、扩大服务消费",
        "支持发展夜间经济。",
        "某市人民政府",
        "2026年4月1日",
        "（来源：某市人民政府网站）",
        "点击“阅读原文”查看",
        "欢迎转发分享",
    ]
    doc, info = _parse([Block(text, raw=True) for text in lines])
    assert info["title"] == "某市人民政府关于促进消费的若干措施"
    assert (info["doc_number"], info["bodies"], info["issued_on"]) == (
        "某政发〔2026〕1号",
        ["某市人民政府"],
        "2026-04-01",
    )
    assert info["publisher"] == "某市人民政府网站"
    assert [(n.num, n.heading, n.text) for n in doc.root.walk()] == [
        ("一、", "扩大服务消费", "支持发展夜间经济。")
    ]
