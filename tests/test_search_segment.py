"""Normalization, segmentation and the tsvector/tsquery encoding, on the real PostgreSQL."""

from __future__ import annotations

import random

import pytest
from django.db import connection

from search.indexing import gram_lexemes, quote_lexeme, words_vector
from search.normalize import compact, normalize, normalize_query
from search.query import SearchParams, search
from search.segment import lexemes

pytestmark = pytest.mark.django_db


def test_pg_trgm_sees_chinese_characters() -> None:
    """With LC_CTYPE=C pg_trgm ignores CJK: typo suggestions rank dictionary terms and titles
    by its word_similarity, which would then see nothing in them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT show_trgm('公积金')")
        assert cursor.fetchone()[0]


def test_normalize_is_length_preserving() -> None:
    for text in ["數據要素×ＡＢＣ１２３（一）", "發改委", "ﬁ①㎡"]:
        assert len(normalize(text)) == len(text)
    assert normalize("數據要素") == "数据要素"
    assert normalize("ＡＢＣ１２３") == "abc123"
    assert normalize_query("  發改委   工信部 ") == "发改委 工信部"
    assert (
        compact(normalize("超过 30%， 1 万亿元 Digital  Economy"))
        == "超过30%,1万亿元digital economy"
    )


def words(text: str) -> list[tuple[int, str, list[str]]]:
    return [(s.position, s.word, s.variants) for s in lexemes(normalize(text))]


def test_latin_and_numbers_stay_whole() -> None:
    found = {w for _, w, _ in words("5G终端 C2M模式 超过15% 2024-2026年 ISO")}
    assert {"5g", "c2m", "15%", "2024-2026", "iso"} <= found
    variants = {v for _, _, vs in words("突破3万亿元，到2029年") for v in vs}
    assert {"3万亿元", "2029年"} <= variants


def test_a_dates_unit_inside_a_longer_word_is_a_lexeme_at_that_word() -> None:
    """到2027年底 cuts as 2027 | 年底: 年 is indexed at 年底's position, so the date term 2027年
    (words 2027, 年) matches it by words and as a phrase; a unit after no number is not added."""
    slots = words("到2027年底，12月末完成")
    by_word = {w: (p, vs) for p, w, vs in slots}
    assert by_word["2027"][1] == ["2027年底"]
    assert by_word["年底"] == (by_word["2027"][0] + 1, ["年"])
    assert "月" in by_word["月末"][1]
    assert all("年" not in vs for _, w, vs in words("年底前完成") if w == "年底")


def test_sub_words_share_the_position_of_their_word() -> None:
    slots = words("年均复合增长率超过")
    growth = next(s for s in slots if s[1] == "增长率")
    assert "增长" in growth[2]
    positions = [p for p, _, _ in slots]
    assert positions == sorted(set(positions))  # one slot per position, no shifting


@pytest.mark.parametrize("lexeme", ["a'b", "back\\slash", "x:*", "'", "''", "a b", "&|!", "数据"])
def test_lexemes_round_trip_through_postgres(lexeme: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_to_string(tsvector_to_array(%s::tsvector), '|')",
            [quote_lexeme(lexeme) + ":1"],
        )
        assert cursor.fetchone()[0] == lexeme
        cursor.execute(
            "SELECT %s::tsvector @@ %s::tsquery", [quote_lexeme(lexeme), quote_lexeme(lexeme)]
        )
        assert cursor.fetchone()[0] is True


def test_words_vector_weights_and_phrases() -> None:
    vector = words_vector([("A", "数据安全"), ("D", "完善数据安全保障体系")])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::tsvector @@ %s::tsquery, %s::tsvector @@ %s::tsquery",
            [vector, "'保障':*A", vector, "'数据安全' <-> '保障'"],
        )
        heading_only, phrase = cursor.fetchone()
    assert heading_only is False  # 保障 is only in the text (weight D)
    assert phrase is True


def test_gram_lexemes_are_bigrams_and_every_held_character_begins_one() -> None:
    """Bigrams of letters, digits and %, and a character that no other follows: each held
    character begins a lexeme (the prefix query 'X':* finds it); punctuation is in none."""
    assert sorted(gram_lexemes("医保5g")) == ["5g", "g", "保5", "医保"]
    text = "区块链。c++，15%的“数据”a b"
    grams = set(gram_lexemes(text))
    assert grams == {"区块", "块链", "链", "c", "15", "5%", "%的", "的", "数据", "据", "ab", "b"}
    held = [ch for ch in text if ch.isalnum() or ch == "%"]
    assert all(any(g.startswith(ch) for g in grams) for ch in held)


def test_random_operator_soup_never_raises() -> None:
    rng = random.Random(20240101)
    alphabet = [*"&|!():*'\"\\-<>%_ 数据要素ab1", "<->", "OR", "--", "::"]
    for _ in range(200):
        q = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        if not q.strip():
            continue
        search(SearchParams(q=q, limit=5))
