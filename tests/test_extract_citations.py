"""Cited 《titles》, title normalisation and 以下简称 definitions; text copied from fixtures/sources/."""

from __future__ import annotations

from policies.extract.citations import find_abbreviation_defs, find_cited_titles, normalize_title

# 002: the WeChat article around the 意见, with the journal's own name in 《》.
ARTICLE_002 = (
    "**扫码订阅《中国信息安全》**\n\n"
    "为贯彻落实党中央、国务院决策部署，促进数据产业高质量发展，近日，国家发展改革委、国家数据局、教育部、"
    "财政部、金融监管总局、中国证监会联合印发了《关于促进数据产业高质量发展的指导意见》（以下简称《意见》）。\n\n"
    "《意见》以习近平新时代中国特色社会主义思想为指导，\n\n"
    "加强数据产业运行监测。落实《国家数据标准体系建设指南》，加快推动数据资源、数据技术、数据流通利用、"
    "数据基础设施等标准规范研制。"
)
# 004: the same plan named three ways on one page.
ACTION_PLAN_004 = (
    "# 国家数据局发布《“数据要素×”三年行动计划(2024-2026年)（征）》\n"
    "【进行中】关于向社会公开征求《“数据要素×”三年行动计划(2024—2026年)(征求意见稿)》意见的公告\n"
    "# 《“数据要素×”三年行动计划(2024—2026年)(征)》总览"
)


def test_policy_titles_in_order_without_journal_or_abbreviation():
    assert find_cited_titles(ARTICLE_002) == [
        "关于促进数据产业高质量发展的指导意见",
        "国家数据标准体系建设指南",
    ]


def test_variants_of_one_title_are_cited_once_as_first_written():
    assert find_cited_titles(ACTION_PLAN_004) == ["“数据要素×”三年行动计划(2024-2026年)（征）"]


def test_reports_standards_and_bare_abbreviations_are_not_policies():
    # 001 cites a report; 003 cites a national standard; 000 uses 《实施意见》 as a short name
    # (three excerpts, joined).
    text = (
        "研究院发布的《人工智能发展报告（2024年）》，随着国产"
        "推动《数据管理能力成熟度评估模型》（以下简称 DCMM）、数据安全等国家标准贯标，"
        "《实施意见》围绕四大领域提出保障举措，"
    )
    assert find_cited_titles(text) == []


def test_plan_outline_and_foreign_strategies_are_policies():
    text = (
        "按照《中华人民共和国国民经济和社会发展第十四个五年规划和 2035 年远景目标纲要》总体部署，编制本规划。"
        "美国制定《联邦数据战略》明确数据创新与安全并重的发展方向"
    )
    assert find_cited_titles(text) == [
        "中华人民共和国国民经济和社会发展第十四个五年规划和 2035 年远景目标纲要",
        "联邦数据战略",
    ]


def test_nested_quotes_stay_inside_the_title():
    # Made-up, in the usual 关于印发〈…〉的通知 form; none of the sources nests titles.
    assert find_cited_titles("印发《关于印发〈数据安全管理办法〉的通知》") == [
        "关于印发〈数据安全管理办法〉的通知"
    ]


def test_normalize_title_equates_width_dash_quote_and_draft_variants():
    # The first and third are 004's spellings; the others are the variants the brief names.
    key = "数据要素×三年行动计划(2024-2026年)"
    assert normalize_title("《“数据要素×”三年行动计划(2024—2026年)(征求意见稿)》") == key
    assert normalize_title('《"数据要素×"三年行动计划（2024-2026年）》') == key
    assert normalize_title("“数据要素×”三年行动计划(2024—2026年)(征)") == key
    assert normalize_title("“数据要素×”三年行动计划（2024–2026年）") == key
    assert (
        normalize_title("第十四个五年规划和 2035 年远景目标纲要")
        == "第十四个五年规划和2035年远景目标纲要"
    )
    assert normalize_title("数据安全管理办法（试行）") != normalize_title("数据安全管理办法")


def test_abbreviation_of_a_titled_policy():
    text = "近日，《关于加强数据科技创新的实施意见》（以下简称《意见》）正式印发，聚焦数据科技创新全链条赋能，"
    assert find_abbreviation_defs(text) == [("关于加强数据科技创新的实施意见", "意见")]


def test_plain_abbreviation_across_hard_line_wraps():
    # 001 is PDF text: the phrase being abbreviated is broken across lines.
    text = (
        "社会主义思想的重要组成部分。在习近平总书记关于科技创\n\n"
        "新的重要论述（以下简称习近平科技创新重要论述）指引下，\n\n"
        "我国科技事业取得历史性成就、发生历史性变革。"
    )
    assert find_abbreviation_defs(text) == [
        ("习近平总书记关于科技创新的重要论述", "习近平科技创新重要论述")
    ]


def test_latin_abbreviation_of_a_standard():
    text = "推动《数据管理能力成熟度评估模型》（以下简称 DCMM）、数据安全等国家标准贯标，"
    assert find_abbreviation_defs(text) == [("数据管理能力成熟度评估模型", "DCMM")]
