"""Tasks and goals read from hand-built provision trees; headings and text copied from fixtures/sources/."""

from __future__ import annotations

from policies.extract.goals import find_goals
from policies.extract.tasks import find_tasks
from policies.ingest.tree import Node
from tests.source_facts import GENERAL_REQUIREMENTS_002, OVERALL_GOALS_004


def make(kind: str, num: str = "", heading: str = "", text: str = "", children=()) -> Node:
    node = Node(kind=kind, num=num, heading=heading, text=text)
    for child in children:
        node.add(child)
    return node


def tree(*parts: Node) -> Node:
    return make("root", children=parts)


# --- 003 “十四五”大数据产业发展规划 ---------------------------------------------------------

GOALS_003 = """产业保持高速增长。到 2025 年，大数据产业测算规模突破 3 万亿元，年均复合增长率保持在 25%左右，创新力强、附加值高、自主可控的现代化大数据产业体系基本形成。

价值体系初步形成。数据要素价值评估体系初步建立，要素价格市场决定，数据流动自主有序，资源配置高效公平，

培育一批较成熟的交易平台，市场机制基本形成。

产业基础持续夯实。关键核心技术取得突破，标准引领作用显著增强，形成一批优质大数据开源项目，存储、计算、传输等基础设施达到国际先进水平。

产业链稳定高效。数据采集、标注、存储、传输、管理、应用、安全等全生命周期产业体系统筹发展，与创新链、价值链深度融合，新模式新业态不断涌现，形成一批技术领先、应用广泛的大数据产品和服务。

产业生态良性发展。社会对大数据认知水平不断提升，企业数据管理能力显著增强，发展环境持续优化，形成具有国际影响力的数字产业集群，国际交流合作全面深化。"""


def plan_003() -> Node:
    def section(num: str, heading: str, *boxes: str) -> Node:
        return make(
            "section",
            num,
            heading,
            "（正文）",
            [make("box", f"专栏 {b.split()[0]}", b.split()[1]) for b in boxes],
        )

    return tree(
        make("part", "一、", "发展成效", "“十三五”时期，我国大数据产业快速起步。"),
        make(
            "part",
            "三、",
            "总体要求",
            children=[
                make("section", "（一）", "指导思想", "以习近平新时代中国特色社会主义思想为指导，"),
                make("section", "（二）", "基本原则", "价值引领。坚持数据价值导向和市场化机制，"),
                make("section", "（三）", "发展目标", GOALS_003),
            ],
        ),
        make(
            "part",
            "四、",
            "主要任务",
            children=[
                section("（一）", "加快培育数据要素市场"),
                section("（二）", "发挥大数据特性优势", "1 数据治理能力提升行动"),
                section("（三）", "夯实产业发展基础", "2 重点标准研制及应用推广行动"),
                section(
                    "（四）",
                    "构建稳定高效产业链",
                    "3 工业大数据价值提升行动",
                    "4 行业大数据开发利用行动",
                ),
                section("（五）", "打造繁荣有序产业生态", "5 企业主体发展能级跃升行动"),
                section("（六）", "筑牢数据安全保障防线", "6 数据安全铸盾行动"),
            ],
        ),
        make("part", "五、", "保障措施", children=[make("section", "（一）", "提升数据思维")]),
    )


def test_plan_tasks_are_main_task_sections_and_their_boxes():
    assert [title for _, title in find_tasks(plan_003(), "规划")] == [
        "加快培育数据要素市场",
        "发挥大数据特性优势",
        "数据治理能力提升行动",
        "夯实产业发展基础",
        "重点标准研制及应用推广行动",
        "构建稳定高效产业链",
        "工业大数据价值提升行动",
        "行业大数据开发利用行动",
        "打造繁荣有序产业生态",
        "企业主体发展能级跃升行动",
        "筑牢数据安全保障防线",
        "数据安全铸盾行动",
    ]


def test_plan_goals_are_the_paragraphs_of_the_goal_section_rejoined_across_page_breaks():
    root = plan_003()
    goal_section = root.children[1].children[2]
    assert find_goals(root) == [
        (goal_section, GOALS_003.split("\n\n")[0]),
        (
            goal_section,
            "价值体系初步形成。数据要素价值评估体系初步建立，要素价格市场决定，数据流动自主有序，"
            "资源配置高效公平，培育一批较成熟的交易平台，市场机制基本形成。",
        ),
        *[(goal_section, paragraph) for paragraph in GOALS_003.split("\n\n")[3:]],
    ]


def test_goal_lead_phrases_lifted_into_headings_are_put_back():
    first, second = GOALS_003.split("\n\n")[:2]
    section = make(
        "section",
        "（三）",
        "发展目标",
        children=[
            make("paragraph", heading=first.split("。", 1)[0], text=first.split("。", 1)[1]),
            make("paragraph", heading="价值体系初步形成", text=second.split("。", 1)[1]),
        ],
    )
    root = tree(make("part", "三、", "总体要求", children=[section]))
    assert [text for _, text in find_goals(root)] == [first, second]


# --- 002 关于促进数据产业高质量发展的指导意见 ----------------------------------------------

PARTS_002 = {
    "二、": (
        "加强数据产业规划布局",
        ["优化产业发展结构", "促进产业链协同发展", "推动数据产业区域聚集"],
    ),
    "三、": (
        "培育多元经营主体",
        [
            "培育数据资源企业",
            "做强数据技术企业",
            "扶持数据服务企业",
            "做优数据应用企业",
            "发展数据安全企业",
            "壮大数据基础设施企业",
        ],
    ),
    "四、": ("加快数据技术创新", ["突破关键核心技术", "增强创新支撑能力"]),
    "五、": ("提高数据资源开发利用水平", ["扩大数据资源供给", "推动应用创新和产业融合"]),
    "六、": ("发展数据流通交易", ["促进数据合规流通交易", "大力发展第三方服务"]),
    "七、": ("强化基础设施支撑", ["推动数据基础设施互联互通", "打造全国一体化算力体系"]),
    "八、": ("提高数据领域动态安全保障能力", ["创新数据安全产品服务", "加强动态数据安全保障"]),
    "九、": ("优化产业发展环境", ["加强制度标准建设", "加大财政金融支持", "完善人才培养体系"]),
}
SECTION_NUMS = "（一）（二）（三）（四）（五）（六）".replace("）", "）|").split("|")


def opinion_002() -> Node:
    parts = [
        make(
            "part",
            num,
            heading,
            children=[
                make("section", SECTION_NUMS[i], h, "（正文）") for i, h in enumerate(sections)
            ],
        )
        for num, (heading, sections) in PARTS_002.items()
    ]
    parts[-1].add(
        make(
            "paragraph", text="各级发展改革、数据、教育、财政、金融监管、证监等部门要加强协同配合，"
        )
    )
    return tree(
        make("paragraph", text="数据产业是利用现代信息技术对数据资源进行产品或服务开发，"),
        make("part", "一、", "总体要求", GENERAL_REQUIREMENTS_002),
        *parts,
        make(
            "annex",
            "附件",
            "数据技术和产业重点发展方向",
            children=[make("paragraph", text="数据采集。")],
        ),
    )


def test_opinion_tasks_are_the_sections_of_every_working_part():
    tasks = find_tasks(opinion_002(), "意见")
    assert [title for _, title in tasks] == [
        s for _, sections in PARTS_002.values() for s in sections
    ]
    assert len(tasks) == 22
    assert all(node.kind == "section" for node, _ in tasks)


def test_opinion_goal_is_the_deadline_sentence_of_the_general_requirements():
    root = opinion_002()
    assert find_goals(root) == [
        (root.children[1], "到2029年" + GENERAL_REQUIREMENTS_002.split("到2029年")[1]),
    ]


# --- 004 “数据要素×”三年行动计划（征求意见稿） --------------------------------------------

ACTIONS_004 = [
    "数据要素×智能制造",
    "数据要素×智慧农业",
    "数据要素×商贸流通",
    "数据要素×交通运输",
    "数据要素×金融服务",
    "数据要素×科技创新",
    "数据要素×文化旅游",
    "数据要素×医疗健康",
    "数据要素×应急管理",
    "数据要素×气象服务",
    "数据要素×智慧城市",
    "数据要素×绿色低碳",
]


def action_plan_004() -> Node:
    return tree(
        make(
            "part", "一、", "激活数据要素潜能", children=[make("item", "", "数据要素价值日益凸显")]
        ),
        make(
            "part",
            "二、",
            "总体要求",
            children=[
                make("item", "1.", "指导思想"),
                make("item", "2.", "基本原则"),
                make("item", "3.", "总体目标", "\n\n".join(OVERALL_GOALS_004)),
            ],
        ),
        make(
            "part",
            "三、",
            "重点行动",
            children=[make("item", f"{i}.", a) for i, a in enumerate(ACTIONS_004, start=4)],
        ),
        make("part", "四、", "强化保障支撑", children=[make("item", "16.", "提升数据供给水平")]),
        make("part", "五、", "做好组织实施", children=[make("item", "19.", "加强组织领导")]),
    )


def test_action_plan_tasks_are_the_twelve_key_actions():
    assert [title for _, title in find_tasks(action_plan_004(), "行动计划")] == ACTIONS_004


def test_action_plan_goals_skip_the_bare_deadline_and_page_numbers():
    root = action_plan_004()
    overall = root.children[1].children[2]
    kept = [line for line in OVERALL_GOALS_004 if line not in ("到2026年底", "8")]
    assert find_goals(root) == [(overall, line) for line in kept]


def test_interpretations_set_no_tasks_or_goals():
    assert find_tasks(action_plan_004(), "解读") == []
    assert find_goals(opinion_002(), doc_type="解读") == []
    assert find_tasks(opinion_002(), "文章") == []
