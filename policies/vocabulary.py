"""Words and patterns of Chinese policy documents that several parts of the code share.

One home, so that the loader, the extractors, key-term relatedness and the search dictionary
agree on what a quoted term, a 以下简称 definition, a commentary document or a short
unpunctuated line is.
"""

from __future__ import annotations

import re

CJK = r"\u4e00-\u9fff"

# “数据要素×”, “智改数转”, "一数一源": a quoted coinage (callers bound the length they accept).
QUOTED_TERM = re.compile(r"[“\"「]([^“”\"「」\n]{2,20})[”\"」]")
# （以下简称《意见》）, （以下简称“数据二十条”）, （简称：…）: the short name a document defines.
DEFINED_TERM = re.compile(
    r"[（(]\s*(?:以下简称|以下称|下称|简称)\s*[:：]?\s*[《“\"]?(?P<short>[^）)》”\"]+?)[》”\"]?\s*[）)]"
)

# Key terms tying related documents together are at most this long.
KEY_TERM_CHARS = 12

# Kinds of document that describe or discuss a policy rather than set anything themselves.
COMMENTARY_TYPES = ("解读", "文章", "新闻", "报道", "评论")


def is_commentary(doc_type: str) -> bool:
    return any(word in doc_type for word in COMMENTARY_TYPES)


# Document types a title ends with, longest first so that 实施方案 wins over 方案. Compound
# names whose head is a plainer type (指导意见, 实施意见, 管理办法) are recorded as that type.
DOC_TYPES = (
    "实施方案",
    "行动方案",
    "工作方案",
    "行动计划",
    "工作要点",
    "实施细则",
    "若干措施",
    "意见",
    "通知",
    "办法",
    "方案",
    "规划",
    "措施",
    "决定",
    "细则",
    "指南",
    "指引",
    "规定",
    "条例",
    "纲要",
    "公告",
    "通告",
    "批复",
    "报告",
    "解读",
    "计划",
    "规则",
    "要点",
    "函",
)
DRAFT_MARKERS = ("征求意见稿", "草案", "送审稿")

# Sentence-ending punctuation; a closing quote or bracket after it still ends the sentence.
TERMINAL = "。！？；：…!?;:"
CLOSERS = "”’」』）)】"
# A short unpunctuated line is a heading, a title, a byline or a label, not running text.
SHORT_LINE_CHARS = 24
INNER_PUNCT = re.compile(r"[，。；,;]")


def ends_sentence(text: str) -> bool:
    # A closing quote or bracket ends a sentence only when punctuation precedes it: 。” but not “指挥棒”
    return text.rstrip(CLOSERS).endswith(tuple(TERMINAL))


def is_short_line(text: str, limit: int = SHORT_LINE_CHARS) -> bool:
    """The one "short unpunctuated line" test: at most ``limit`` characters, no sentence end and
    no clause punctuation inside."""
    text = text.strip()
    return (
        bool(text)
        and len(text) <= limit
        and not ends_sentence(text)
        and not INNER_PUNCT.search(text)
    )


# A government page's metadata table copied as text: "索引号：…  主题分类：…", "发文字号：…".
PAGE_LABELS = {
    "索引号": "索引号",
    "发布机构": "发布机构",
    "发文机关": "发布机构",
    "成文日期": "成文日期",
    "发布日期": "发布日期",
    "文号": "文号",
    "发文字号": "文号",
    "主题分类": "主题分类",
    "标题": "标题",
    "名称": "标题",
}
PAGE_PAIR = re.compile(
    rf"(?P<label>{'|'.join(sorted(PAGE_LABELS, key=len, reverse=True))})\s*[:：]\s*"
    r"(?P<value>.*?)\s*(?=(?:" + "|".join(PAGE_LABELS) + r")\s*[:：]|$)"
)
