"""Look-up structures the query side builds over the catalog, and lead-in context of entries."""

from __future__ import annotations

import gc

import pytest

from search.query import catalog as catalog_module
from search.query.catalog import Catalog, current_catalog
from search.query.documents import share_passing
from search.query.lookup import PolicySets, SubstringIndex, date_keys, within
from search.query.params import SearchParams
from search.query.parse import parse_query
from search.query.weights import active
from search.sources import lead_ins


def test_substring_index_lists_each_owner_once_in_order() -> None:
    index = SubstringIndex([(7, "发改数据2024"), (3, ""), (5, "数据数据"), (9, "工信部规划")])
    assert index.containing("数据") == [7, 5]
    assert index.containing("规划") == [9]
    assert index.containing("2024工") == []  # never across two keys
    assert index.containing("") == []


def test_substring_index_by_bigrams_finds_what_a_scan_finds() -> None:
    """Every substring of the keys (and some that are in none), looked up through the bigram
    lists, gives the owners a scan of the joined keys gives, in the same order."""
    items = [
        (1, "国家数据局关于数据要素的通知"),
        (2, "数据数据数据"),
        (3, ""),
        (2, "工信部大数据产业发展规划"),  # a second key of owner 2
        (4, "发改数据2024"),
        (5, "aaab"),
    ]
    index = SubstringIndex(items)
    needles = {k[i:j] for _, k in items for i in range(len(k)) for j in range(i + 1, len(k) + 1)}
    needles |= {"数据局通知", "据数据要", "ab数", "2025", "规划x"}
    for needle in sorted(needles):
        assert index.containing(needle) == index._scan(needle), needle
    assert index.containing("数据") == [1, 2, 2, 4]
    assert index.containing("数据要素") == [1]


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


@pytest.mark.parametrize("by_sets", [True, False])  # as bit sets, and key by key
def test_policy_sets_count_what_their_members_have(monkeypatch, by_sets) -> None:
    monkeypatch.setattr(PolicySets, "_by_sets", lambda self, policies: by_sets)
    sets = PolicySets(
        [
            (10, (("type", "通知"), ("year", "2024"))),
            (11, (("type", "通知"),)),
            (12, (("year", "2023"), ("body", "3"))),
        ]
        + [(100 + n, (("year", "2020"),)) for n in range(20)]  # past one byte of bits
    )
    assert sets.every.bit_count() == 23
    assert sets.counts([10, 12, 99, 12]) == {
        ("type", "通知"): 1,
        ("year", "2024"): 1,
        ("year", "2023"): 1,
        ("body", "3"): 1,
    }
    assert sets.counts([10, 11, 119, 105]) == {
        ("type", "通知"): 2,
        ("year", "2024"): 1,
        ("year", "2020"): 2,
    }
    assert sets.counts([]) == {}
    # Each policy as often as its weight says (a policy's entries among the matches).
    assert sets.weighted_counts({10: 3, 11: 1, 119: 2, 105: 2, 99: 5}) == {
        ("type", "通知"): 4,
        ("year", "2024"): 3,
        ("year", "2020"): 4,
    }


def _passes(p, params: SearchParams, catalog) -> bool:
    """The filters' rules, document by document: what the set operations must agree with."""
    if params.body and catalog.body_id_by_slug.get(params.body) not in p.body_ids:
        return False
    if params.type and p.doc_type != params.type:
        return False
    if params.status and p.status != params.status:
        return False
    if params.year_from is not None and (p.year is None or p.year < params.year_from):
        return False
    if params.year_to is not None and (p.year is None or p.year > params.year_to):
        return False
    return not (params.policy and p.slug != params.policy)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filters", "kept"),
    [
        ({}, 10),
        ({"type": "文章"}, 6),  # the six digest articles
        ({"body": "nda"}, 3),  # 国家数据局: the 解读, 1836号 (co-signed) and the draft
        ({"year_from": 2024}, 7),  # not: the undated article, the plan (2021), the draft (2023)
        ({"year_to": 2023}, 2),
        ({"status": "现行有效", "body": "ndrc"}, 1),
        ({"policy": "miit-2021-179-big-data-industry-plan", "type": "规划"}, 1),
        ({"type": "规划", "body": "nda"}, 0),
        ({"year_from": 2022, "year_to": 2024}, 2),  # 1836号 (2024) and the draft (2023)
        ({"body": "no-such-body"}, 0),
        ({"policy": "no-such-policy"}, 0),
    ],
)
def test_the_share_the_filters_keep_is_counted_over_the_documents(filters, kept) -> None:
    catalog = current_catalog()
    params = SearchParams(q="数据", **filters)
    by_loop = [p for p in catalog.policies if _passes(p, params, catalog)]
    assert len(catalog.policies) == 10 and len(by_loop) == kept
    assert share_passing(params, catalog) == kept / 10


def _lead_ins_by_text(groups: list[tuple[str, list[str]]]) -> dict[str, str]:
    """lead_ins over headings with their paragraphs as children, by paragraph text."""
    rows: list[tuple] = []
    texts: dict[int, str] = {}
    for heading, paragraphs in groups:
        parent = len(rows) + 1
        rows.append((parent, None, "", len(rows), heading, ""))
        for text in paragraphs:
            texts[len(rows) + 1] = text
            rows.append((len(rows) + 1, parent, "", len(rows), "", text))
    return {texts[pk]: lead for pk, (lead,) in lead_ins(rows).items()}


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        # A colon paragraph, up to the next one (到2029年： starts a group of its own).
        (
            [
                (
                    "总体目标",
                    [
                        "到2025年：",
                        "年均复合增长率超过15%",
                        "培育一批数据企业",
                        "到2029年：",
                        "数据产业结构更加优化",
                    ],
                ),
                ("其他", ["其他段落"]),
            ],
            {
                "年均复合增长率超过15%": "到2025年：",
                "培育一批数据企业": "到2025年：",
                "数据产业结构更加优化": "到2029年：",
            },
        ),
        # A time frame alone on its line, as the 数据要素× plan's slides print it; a date inside
        # a sentence, or a short line that is not a time frame, is no lead-in.
        (
            [
                (
                    "总体目标",
                    [
                        "到2026年底",
                        "应用场景广度和深度大幅拓展",
                        "8",
                        "截至 ２０２７ 年末，",
                        "培育一批数据商",
                    ],
                ),
                ("重点行动", ["到2026年底前完成试点", "开展示范"]),
            ],
            {
                "应用场景广度和深度大幅拓展": "到2026年底",
                "8": "到2026年底",
                "培育一批数据商": "截至 ２０２７ 年末，",
            },
        ),
    ],
)
def test_a_lead_in_is_context_for_the_siblings_after_it(groups, expected) -> None:
    assert _lead_ins_by_text(groups) == expected


@pytest.mark.django_db
def test_a_loaded_catalog_is_out_of_the_collectors_sight(monkeypatch) -> None:
    """A search's allocations set off collections; a full one walked every object of the
    catalog (62 ms a search with 20,000 policies). A loaded catalog is frozen."""
    monkeypatch.setattr(catalog_module, "_catalog", Catalog())
    catalog = current_catalog()
    assert len(catalog.policies) == 10
    tracked = {id(o) for o in gc.get_objects()}  # the collected generations, not the frozen
    assert gc.get_freeze_count() > 0
    for part in (catalog, catalog.policy_by_pk, catalog.policies[0], catalog.lookups()):
        assert gc.is_tracked(part) and id(part) not in tracked
