"""Shared vocabulary: key terms, abbreviations and the search dictionary read the same marks."""

from __future__ import annotations

from policies.extract import find_abbreviation_defs
from policies.related import key_terms
from policies.vocabulary import is_commentary, is_short_line
from search.dictionary import _DEFINED_RE, _QUOTED_RE

TEXT = "近日，《关于推进低空经济发展的若干措施》（以下简称“低空十条”）印发，提出打造“空中走廊”。"


def test_key_terms_abbreviations_and_dictionary_agree_on_the_marks():
    # 空中走廊 is quoted but is an everyday word (in jieba's general dictionary): no coinage.
    assert key_terms([TEXT]) == {"低空十条": 2}
    assert find_abbreviation_defs(TEXT) == [("关于推进低空经济发展的若干措施", "低空十条")]
    assert [m.group(1) for m in _DEFINED_RE.finditer(TEXT)] == ["低空十条"]
    assert [m.group(1) for m in _QUOTED_RE.finditer(TEXT)] == ["低空十条", "空中走廊"]


def test_commentary_types_and_short_lines():
    assert is_commentary("解读") and is_commentary("新闻报道") and not is_commentary("实施方案")
    assert is_short_line("第一章 总则")
    assert not is_short_line("各地要统筹涉农资金，对示范基地给予补助")  # clause punctuation
    assert not is_short_line("现将有关事项通知如下：")  # ends a sentence
    assert not is_short_line("关于加快推进某某领域数字化转型和智能化升级的若干政策措施")  # too long
