"""Look-up structures the query side builds over the catalog, and lead-in context of entries."""

from __future__ import annotations

import pytest

from search.query.catalog import current_catalog
from search.query.lookup import SubstringIndex, date_keys, within
from search.query.parse import parse_query
from search.query.weights import active
from search.sources import lead_ins


def test_substring_index_lists_each_owner_once_in_order() -> None:
    index = SubstringIndex([(7, "发改数据2024"), (3, ""), (5, "数据数据"), (9, "工信部规划")])
    assert index.containing("数据") == [7, 5]
    assert index.containing("规划") == [9]
    assert index.containing("2024工") == []  # never across two keys
    assert index.containing("") == []


def test_within_finds_keys_inside_the_text() -> None:
    keys = {"发改数据〔2024〕1836号": [2], "1836": [4], "数据": [6]}
    assert sorted(within("见发改数据〔2024〕1836号文", keys, 4)) == [2, 4]
    assert sorted(within("1836", keys, 1)) == [4]


def test_date_keys_leave_every_part_open() -> None:
    import datetime as dt

    keys = date_keys(dt.date(2024, 12, 30))
    assert (2024, 12, None) in keys and (None, 12, 30) in keys and (2024, None, None) in keys
    assert (None, None, None) not in keys and len(keys) == 7


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("q", "slug_start", "reason"),
    [
        ("1836号", "ndrc-2024-1836", "发文字号"),  # 发改数据〔2024〕1836号
        ("刘冬梅", "", "作者"),
        ("科技日报", "", "来源"),
    ],
)
def test_metadata_matches_through_the_look_ups(q, slug_start, reason) -> None:
    catalog = current_catalog()
    (term,) = parse_query(q, catalog, active()).terms
    found = catalog.metadata_matches(term)
    assert found, q
    assert set(found.values()) == {reason}
    if slug_start:
        assert [catalog.policy_by_pk[pk].slug[: len(slug_start)] for pk in found] == [slug_start]


def test_a_colon_paragraph_is_context_for_the_siblings_after_it() -> None:
    rows = [
        (1, None, "", 0, "总体目标", ""),
        (2, 1, "", 1, "", "到2025年："),
        (3, 1, "", 2, "", "数据产业规模年均复合增长率超过15%"),
        (4, 1, "", 3, "", "培育一批数据企业"),
        (5, 1, "", 4, "", "到2029年："),
        (6, 1, "", 5, "", "数据产业结构更加优化"),
        (7, None, "", 6, "", "其他段落"),
    ]
    assert lead_ins(rows) == {
        3: ("到2025年：",),
        4: ("到2025年：",),
        5: ("到2025年：",),
        6: ("到2029年：",),
    }
