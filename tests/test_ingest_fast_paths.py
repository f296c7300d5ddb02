"""The loader's fast paths give exactly what the plain rules give (issue 8: a 20 MB file in a
minute), and a large tree is written by COPY with every row's parent, depth and order right.

Each speed-up skips work only where the plain rule cannot match; these tests hold the plain
rule (as it was written before the speed-up) next to the fast one and compare them on seeded
random text and on every line of the seeds and test documents.
"""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

import pytest
from django.db import connection

from policies.extract._text import fold
from policies.ingest import cleanup
from policies.ingest.bulk import reserve_ids
from policies.ingest.load import ingest_source
from policies.ingest.numbering import CIRCLED, PATTERNS, Numbering, cn_to_int, parse_numbering
from policies.ingest.text import tidy
from policies.models import Policy, Provision

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    *sorted((ROOT / "fixtures" / "sources").glob("*.txt")),
    *sorted((ROOT / "tests" / "fixtures" / "docs").iterdir()),
]


def corpus_lines() -> list[str]:
    return [line for path in SOURCES for line in path.read_text(encoding="utf-8").split("\n")]


def noisy_strings(count: int, seed: int) -> list[str]:
    """Short strings of a few CJK characters, quotes, digits and spaces, many with a chunk
    repeated two to five times (what bold PDF text looks like)."""
    rng = random.Random(seed)
    alphabet = "数据要素链式思维“”《》（）的a1 "
    out = []
    for _ in range(count):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        if text and rng.random() < 0.6:
            i, k = rng.randrange(len(text)), rng.randint(1, 8)
            text = text[:i] + text[i : i + k] * rng.randint(2, 5) + text[i + k :]
        out.append(text)
    return out


def plain_collapse(text: str) -> str:
    """collapse_duplicated_glyphs as first written: every size tried, the regex on every line."""

    def whole(part: str) -> str:
        n = len(part)
        for size in range(4, n // 2 + 1):
            unit = part[:size]
            if not re.search(r"[\u4e00-\u9fff]", unit):
                continue
            repeats = n // size
            if repeats < 2:
                break
            rest = part[size * repeats :]
            if part[: size * repeats] == unit * repeats and unit.startswith(rest):
                return unit
        return part

    text = " ".join(whole(part) for part in text.split(" "))
    return re.sub(r"([\u4e00-\u9fff“”‘’《》「」（）]{1,20}?)\1{2,}", r"\1", text)


def test_collapsing_duplicated_glyphs_matches_the_plain_rule():
    strings = noisy_strings(20000, seed=8) + corpus_lines()
    changed = 0
    for text in strings:
        expected = plain_collapse(text)
        assert cleanup.collapse_duplicated_glyphs(text) == expected, text
        changed += expected != text
    # The comparison means something only if the rule fired often.
    assert changed > 5000


def plain_numbering(text: str) -> Numbering | None:
    """Every pattern tried in order (no dispatch on the first character)."""
    for family, kind, pattern in PATTERNS:
        if match := pattern.match(text):
            return _build(family, kind, match, text)
    return None


def _build(family: str, kind: str, match: re.Match[str], text: str) -> Numbering:
    raw = match.group(2)
    if family == "circled":
        value: int | None = CIRCLED.index(raw) + 1
    elif raw.isascii() and raw.isdigit():
        value = int(raw)
    else:
        value = cn_to_int(raw)
    return Numbering(family, kind, match.group(1).strip(), value, text[match.end() :].strip())


def test_numbering_dispatch_matches_trying_every_pattern():
    labels = [
        "第三章",
        "第12条",
        "专栏 4",
        "十二、",
        "（三）",
        "(2)",
        "③",
        "7.",
        "１．",
        "2024.5",
        "二〇二六年",
    ]
    lines = corpus_lines() + [label + "数据要素" for label in labels] + labels
    found = 0
    for line in lines:
        expected = plain_numbering(line)
        assert parse_numbering(line) == expected, line
        found += expected is not None
    assert found > 100


def test_display_width_counts_wide_characters_twice():
    rng = random.Random(3)
    for _ in range(2000):
        text = "".join(
            chr(rng.choice([rng.randint(32, 0x2FFF), rng.randint(0x4E00, 0x9FFF)]))
            for _ in range(rng.randint(0, 40))
        )
        expected = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
        assert cleanup._display_width(text) == expected


def test_tidy_and_fold_leave_texts_without_their_characters_alone():
    for text in corpus_lines():
        collapsed = re.sub(r"\s+", " ", text).strip()
        expected = re.sub(
            r"(?<=[\u4e00-\u9fff，。；：、“”（）])\s+(?=[\u4e00-\u9fff，。；：、“”（）])",
            "",
            collapsed,
        )
        assert tidy(text) == expected
    assert fold("到２０３０年达到５０％") == "到2030年达到50%"
    plain = "到2030年达到50%"
    assert fold(plain) is plain


@pytest.mark.django_db
def test_reserved_ids_are_new_distinct_and_ascending():
    ids = reserve_ids(Provision, 500)
    assert len(set(ids)) == 500
    assert ids == sorted(ids)
    assert not Provision.objects.filter(pk__in=ids).exists()
    assert reserve_ids(Provision, 0) == []


def nested_document(chapters: int) -> str:
    lines = ["关于推进数据要素市场化配置改革的实施意见"]
    for c in range(1, chapters + 1):
        lines.append(f"第{c}章 数据要素发展任务")
        for i in range(1, 4):
            lines.append(f"{i}. 加快推进数据要素建设")
            for s in range(1, 3):
                lines.append(f"（{s}）到2030年，数据产业规模年均增速超过{c + i + s}%。")
    return "\n".join(lines) + "\n"


@pytest.mark.django_db
def test_a_large_tree_is_written_with_parents_depths_and_orders():
    chapters = 60
    result = ingest_source(
        "nested_speed.txt", nested_document(chapters).encode(), {}, log=lambda m: None
    )
    policy = Policy.objects.get(pk=result.policy_ids[0])
    rows = {p.pk: p for p in policy.provisions.all()}
    # 60 chapters × (1 + 3 items × (1 + 2 sub-items)).
    assert result.provisions == len(rows) == chapters * (1 + 3 * 3)
    assert sorted(p.order for p in rows.values()) == list(range(len(rows)))
    for p in rows.values():
        if p.depth == 0:
            assert p.parent_id is None and p.kind == "chapter"
            continue
        parent = rows[p.parent_id]
        assert parent.depth == p.depth - 1
        assert parent.order < p.order
        assert p.eid.startswith(parent.eid + "__")
    by_eid = {p.eid: p for p in rows.values()}
    assert by_eid["chp_60__item_3__subitem_2"].text == "到2030年，数据产业规模年均增速超过65%。"
    # Every sub-item states one target, each tied to its own provision.
    targets = list(policy.targets.order_by("order").values_list("provision__eid", "value", "unit"))
    assert len(targets) == chapters * 3 * 2
    assert targets[0] == ("chp_1__item_1__subitem_1", 3, "%")
    # The rows went in by COPY in this transaction: the deferred foreign keys hold.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_a_failure_while_the_provisions_stream_leaves_nothing_written(monkeypatch):
    """Extraction runs while the provisions COPY is open: an error there cancels the COPY, the
    caller sees the error itself, and the transaction keeps nothing of the file."""
    from django.db import transaction

    from policies.ingest import records

    def broken(text, default_year=None):
        raise ValueError("extractor broke")

    monkeypatch.setattr(records, "find_targets", broken)
    before = Provision.objects.count()
    with pytest.raises(ValueError, match="extractor broke"):
        with transaction.atomic():
            ingest_source("broken_speed.txt", nested_document(3).encode(), {}, log=lambda m: None)
    assert Provision.objects.count() == before
    assert not Policy.objects.filter(source__name="broken_speed.txt").exists()
