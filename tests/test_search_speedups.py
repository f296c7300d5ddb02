"""The index build's C loops (search/_speedups.c) give exactly what their Python twins give.

Each comparison runs the same input through the C function and through the Python reference
(``native`` set to None in the calling module), on the seed documents' provisions and on seeded
random text that mixes the scripts, digits, units and punctuation the rules care about.
"""

from __future__ import annotations

import os
import random

import pytest

from search import impacts, segment, speedups, vectors
from search.sources import provision_sources

native = speedups.native

if native is None:
    # CI compiles the module (make venv); a run that silently fell back would test nothing here.
    assert os.environ.get("CI") != "true", "search/_speedups.c was not built on CI"
    pytest.skip("search/_speedups.c is not built here", allow_module_level=True)


@pytest.fixture
def python_only(monkeypatch):
    """A switch: inside ``with python_only():`` every build loop runs in Python."""

    class Switch:
        def __enter__(self):
            for module in (segment, vectors, impacts):
                monkeypatch.setattr(module, "native", None)

        def __exit__(self, *exc):
            for module in (segment, vectors, impacts):
                monkeypatch.setattr(module, "native", native)
            # Word info and laid-out paths are computed the same either way, but start afresh.
            vectors.clear_caches()
            segment._clear_word_info()

    return Switch()


def both(python_only, compute):
    with python_only:
        expected = compute()
    return expected, compute()


def random_texts(count: int, seed: int = 11) -> list[str]:
    """Texts mixing Chinese words, numbers with units and dates, Latin runs joined by . - + #,
    full-width forms, spaces and newlines, quotes and backslashes, a character outside the BMP."""
    pieces = [
        "数据要素", "高质量数据集", "到", "2027", "年底", "年", "月", "日", "12月末", "3万亿元",
        "15%", "30％", "c2m", "5G", "AI", "ndrc.gov.cn", "2024-2026", ".5g.", "+", "-", "#",
        "&", "_", "v1.2", "Ｃ２Ｍ", "數據", "，", "。", "：", "、", "（一）", "《", "》", " ",
        "\n", "'", "\\", "𠀀", "教科人一体化", "智改数转", "发改委", "国家发展改革委", "1 万亿元",
    ]  # fmt: skip
    rng = random.Random(seed)
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(count)]


def test_the_character_fold_matches_python() -> None:
    from search.normalize import _FOLD_TABLE

    rng = random.Random(2)
    alphabet = "ＡＢｃ１２３％×✕ＡＩ數據ＤＡＴＡﬁ①Ⅻ𝐀𝐛😀İΣς\u3000 \n\tAbc数据"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(500)]
    for text in [*texts, *texts]:  # the second time from what C remembered
        assert native.fold(text, _FOLD_TABLE) == text.translate(_FOLD_TABLE)
    assert native.fold("ＡＩ１５％数据要素×ﬁ", _FOLD_TABLE) == "ai15%数据要素xﬁ"


def test_merge_ascii_glues_and_strips_as_python_does(python_only) -> None:
    tokens = [
        [("ndrc", 0, 4), (".", 4, 5), ("gov", 5, 8), (".", 8, 9), ("cn", 9, 11)],
        [("15", 0, 2), ("%", 2, 3), ("的", 3, 4), ("-", 4, 5), ("2024", 5, 9), ("-", 9, 10)],
        [(".", 0, 1), ("5g", 1, 3), (".", 3, 4), ("数据", 4, 6), ("abc\n", 6, 10)],
        [("a", 0, 1), (" ", 1, 2), ("b", 2, 3), ("#", 3, 4), ("_", 4, 5), ("\n", 5, 6)],
        [("++", 0, 2), ("c", 5, 6), ("2", 6, 7), ("m", 7, 8)],
        [("x", 0, 1), ("abc\n", 1, 5), ("y", 5, 6)],  # re's $ matches before a final newline
        [],
    ]
    for case in tokens:
        expected, got = both(python_only, lambda case=case: segment._merge_ascii(list(case)))
        assert got == expected
    # the glued and stripped forms themselves (checked by hand)
    assert native.merge_ascii(tokens[0]) == [("ndrc.gov.cn", 0, 11)]
    assert native.merge_ascii(tokens[2])[0] == ("5g", 1, 3)


@pytest.mark.django_db
def test_rows_and_champion_lists_match_python_on_the_seeds_and_mixed_text(python_only) -> None:
    sources = list(provision_sources())
    assert len(sources) > 300  # the five seed documents
    mixed = [
        vectors.ProvisionSource(
            provision_id=900_000 + i,
            order=i,
            heading=text[:12],
            path_text=text[-9:],
            path_labels=(),
            text=text,
            context=sources[0].context,
        )
        for i, text in enumerate(random_texts(300, seed=5))
    ]
    every = sources + mixed
    plan = impacts.plan_lists([vectors.entry_words(s) for s in every], len(every), 2, 5_000)
    assert plan is not None and plan.wordings  # aliases (发改委) take the wordings' path too

    def build():
        lists = impacts.TopLists(plan)
        lines = [vectors.entry_line(s, lists) for s in every]
        return lines, lists.pruned()

    (expected_lines, expected_lists), (lines, lists) = both(python_only, build)
    assert lines == expected_lines
    assert lists == expected_lists
    assert sum(map(len, lists.values())) > 10_000


def test_list_keys_prunes_at_the_same_point(python_only, monkeypatch) -> None:
    """With lists cut at 2 × KEPT, the C path cuts where Python does (same kept keys)."""
    monkeypatch.setattr(impacts, "KEPT", 3)
    texts = random_texts(60, seed=3)
    entries = [vectors._parts(vectors.ProvisionSource(i, i, "", "", (), t, None)) for i, t in
               enumerate(texts)]  # fmt: skip
    positions = [vectors.word_positions(sections) for sections, _, _ in entries]
    plan = impacts.ListPlan(
        tracked=frozenset(w for p in positions for w in p),
        avg_chars=40.0,
        weights=impacts_weights(),
        label_weights={"A": 1.0, "B": 0.4, "C": 0.2, "D": 0.1},
        k1=1.2,
        b=0.75,
        secondary_types=frozenset(),
        wordings={},
    )

    def build():
        lists = impacts.TopLists(plan)
        for i, ((_, own, topic), p) in enumerate(zip(entries, positions, strict=True)):
            lists.add_entry(i, p, own, topic, "规划")
        return lists.keys

    expected, got = both(python_only, build)
    assert got == expected
    assert max(map(len, got.values())) < 6
    # Keys dropped below a pruned list's floor could never have been kept: each list's best
    # KEPT are those of every key gathered without pruning.
    monkeypatch.setattr(impacts, "KEPT", 10**6)
    everything = build()
    assert any(len(keys) > 6 for keys in everything.values())
    assert {word: sorted(keys, reverse=True)[:3] for word, keys in got.items()} == {
        word: sorted(keys, reverse=True)[:3] for word, keys in everything.items()
    }


def impacts_weights():
    from search.query.weights import RankingWeights

    return RankingWeights()


# Texts whose grams test the held characters: spaces skipped, _ not held, outside the BMP.
ODD_GRAMS = ["数据 要素%", "a_b", "1 万亿元", "𠀀𠀁", " "]


@pytest.mark.django_db
def test_binary_rows_store_what_the_text_lines_store() -> None:
    """The build COPYs binary rows (search.vectors.entry_record); stored, they equal the text
    lines' rows column for column, vectors byte for byte — including positions the text input
    merges (given twice: the higher weight stays) or clamps (past 16383)."""
    from django.db import connection

    from search.chunks import copy_lines
    from search.vectors import COLUMNS

    sources = list(provision_sources())
    context = sources[0].context
    long_text = "数据要素" * 9000  # 18,000 words: positions past 16383
    extra = [
        vectors.ProvisionSource(
            800_000 + i, i, text[:10], text[-8:], ("第一章 总则",), text, context
        )
        for i, text in enumerate([*random_texts(200, seed=9), long_text])
    ]
    extra += [vectors.ProvisionSource(810_000 + i, i, "", "", (), text, context)
              for i, text in enumerate(ODD_GRAMS)]  # fmt: skip
    every = sources + extra
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    with connection.cursor() as cursor:
        for table in ("x_text", "x_binary"):
            cursor.execute(f"CREATE TEMP TABLE {table} (LIKE search_searchentry INCLUDING ALL)")
    copy_lines("".join(vectors.entry_line(s) for s in every), "x_text")
    copy_lines(b"".join(vectors.entry_record(s) for s in every), "x_binary")
    # the same positions given twice and past the last one, through both inputs
    odd = {"甲": ["5", "5A", "3B", "20000", "16383A"], "乙'丙": ["7B", "7"], "a\\b": ["2"]}
    args = (999_999, context.policy_id, 0, odd, "甲乙", "", (), (), None, "t", "s", None, "f" * 32)
    words = vectors._vector_text(odd, [(vectors.WEIGHT_TEXT, "'\\")])
    fields = ["999999", str(context.policy_id), "0", words, "'乙' '甲乙'", "甲乙", ""]
    fields += ["{}", "{}", None, "t", "s", None, "f" * 32]
    odd_line = "\t".join("\\N" if f is None else vectors.copy_field(f) for f in fields) + "\n"
    copy_lines(odd_line, "x_text")
    copy_lines(native.binary_row(*args), "x_binary")
    every_column = ", ".join(
        [columns, "tsvectorsend(words)", "tsvectorsend(grams)", "words::text", "grams::text"]
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM x_binary")
        assert cursor.fetchone()[0] == len(every) + 1
        for a, b in (("x_text", "x_binary"), ("x_binary", "x_text")):
            cursor.execute(f"SELECT count(*) FROM (SELECT {every_column} FROM {a} "
                           f"EXCEPT ALL SELECT {every_column} FROM {b}) d")  # fmt: skip
            assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT grams::text FROM x_binary WHERE provision_id = 810000")
        assert cursor.fetchone()[0] == "'%' '据要' '数据' '素%' '要素'"
        cursor.execute("SELECT words::text FROM x_binary WHERE provision_id = 999999")
        # 5 and 5A: 5A; 20000 is 16383, and the text input reads nothing after it (16383A)
        assert cursor.fetchone()[0] == "'a\\\\b':2 '乙''丙':7B '甲':3B,5A,16383"
