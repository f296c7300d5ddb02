"""Each kind of mess the cleanup handles, on lines copied from the sources (no database)."""

from __future__ import annotations

import pytest

from policies.ingest import IngestError
from policies.ingest.cleanup import clean_lines, collapse_duplicated_glyphs
from policies.ingest.decode import decode_source
from policies.ingest.readers.text import split_front_matter


def texts(raw: str) -> list[str]:
    return [line.text for line in clean_lines(raw)]


def test_front_matter_split():
    fields, rest = split_front_matter("---\ntitle: 发布 | 标题\ndate: 2024-12-31\n---\n\n正文。\n")
    assert fields == {"title": "发布 | 标题", "date": "2024-12-31"}
    assert rest.strip() == "正文。"


def test_images_and_wechat_boilerplate_dropped():
    raw = (
        "![cover_image](https://mmbiz.qpic.cn/a/0?wx_fmt=jpeg)\n**扫码订阅《中国信息安全》**\n"
        "邮发代号 2-786\n支持企业创新。\n[![](https://mmbiz.qpic.cn/b.png)](https://x.y)\n"
        "微信扫一扫\n关注该公众号\n，轻点两下取消赞\n在看\n：\n，\n"
    )
    assert texts(raw) == ["支持企业创新。"]


def test_bookmark_artifact_removed():
    assert texts("[bookmark: _GoBack]专家解读 强化数据科技创新赋能") == [
        "专家解读 强化数据科技创新赋能"
    ]


def test_glyph_by_glyph_duplication_collapsed():
    bold = "以以以以““““链式思维链式思维链式思维链式思维””””加快人工智能人才队伍建加快人工智能人才队伍建加快人工智能人才队伍建加快人工智能人才队伍建"
    assert collapse_duplicated_glyphs(bold) == "以“链式思维”加快人工智能人才队伍建"
    repeated_title = (
        "探索科技创新和产业创新深度融合路径探索科技创新和产业创新深度融合路径探索科技创新"
    )
    assert collapse_duplicated_glyphs(repeated_title) == "探索科技创新和产业创新深度融合路径"
    # numbers and ordinary text are left alone
    assert collapse_duplicated_glyphs("2000年增长100%，人人参与") == "2000年增长100%，人人参与"


def test_stray_page_number_and_wrapped_lines():
    width_filler = "科技创新在国家发展与安全中的作用与地位空前提升，实现" * 1
    lines = [width_filler] * 25 + [
        "应全面、深刻理解和把握习近平科技创新重要论述的演进与",
        "",
        "4",
        "",
        "思想体系。",
    ]
    out = texts("\n".join(lines))
    assert out[-1].endswith("演进与思想体系。")
    assert "4" not in out


def test_html_fragments_and_table_cells():
    raw = "5. 做好组织实施\t<h2>① 提升能源利用效率</h2> <p>开展制造与能源数据融合创新。</p>"
    assert texts(raw) == ["5. 做好组织实施", "① 提升能源利用效率", "开展制造与能源数据融合创新。"]


def test_repeated_navigation_dropped():
    nav = "1. 激活数据要素  \n潜能\n2. 总体要求\n3. 重点行动\n"
    raw = "".join(f"# 数据要素×第{i}个\n{nav}支持企业第{i}项工作。\n" for i in range(3))
    out = texts(raw)
    assert "2. 总体要求" not in out and "潜能" not in out
    assert "支持企业第1项工作。" in out


def test_table_of_contents_dropped():
    raw = "目 录\n一、发展成效\t1\n二、面临形势\t3\n(一) 指导思想\t4\n(二) 基本原则\t4\n一、发展成效\n正文。"
    assert texts(raw) == ["一、发展成效", "正文。"]


def test_decoding_utf8_bom_gb18030_and_errors():
    assert decode_source("\ufeff数据".encode(), "a.txt") == "数据"
    assert decode_source("数据要素".encode("gb18030"), "b.txt") == "数据要素"
    with pytest.raises(IngestError, match=r"c\.bin: looks like a binary"):
        decode_source(b"\x89PNG\r\n\x1a\n\x00\x00\x00", "c.bin")
    with pytest.raises(IngestError, match=r"d\.txt: the file is empty"):
        decode_source(b"   ", "d.txt")


def test_markdown_links_keep_their_text():
    raw = "请将意见发送至[gjsjj@ndrc.gov.cn](mailto:gjsjj@ndrc.gov.cn)。详见[通知](https://example.gov.cn/a)。"
    assert texts(raw) == ["请将意见发送至gjsjj@ndrc.gov.cn。详见通知。"]
