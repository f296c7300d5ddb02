"""Indexing in parts: incremental re-index touches only changed provisions; the fast segmenter
cuts exactly like jieba; the rebuild sizes its index memory."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from policies.models import Policy, Provision
from search import segment
from search.dictionary import ensure_loaded
from search.indexing import index_policies
from search.models import SearchEntry
from search.query import SearchParams, search
from search.rebuild import MAINTENANCE_MEM_MB, maintenance_mem_mb

pytestmark = pytest.mark.django_db

POLICY = "ndrc-2024-1836-data-industry"


def entry_ids(policy: Policy) -> dict[int, int]:
    """provision id → entry row id (a rewritten entry gets a new row id)."""
    return dict(SearchEntry.objects.filter(policy=policy).values_list("provision_id", "id"))


def test_unchanged_policy_is_not_rewritten() -> None:
    policy = Policy.objects.get(slug=POLICY)
    before = entry_ids(policy)
    assert index_policies([policy.pk]) == 0
    assert entry_ids(policy) == before


def test_only_the_edited_provision_is_rewritten() -> None:
    policy = Policy.objects.get(slug=POLICY)
    provision = (
        Provision.objects.filter(
            policy=policy, text__contains="可信数据空间", children__isnull=True
        )
        .order_by("order")
        .first()
    )
    before = entry_ids(policy)
    # A queryset update sends no signal: the index is stale until index_policies runs.
    Provision.objects.filter(pk=provision.pk).update(
        text=provision.text.replace("可信数据空间", "量子鸽子空间")
    )
    assert index_policies([policy.pk]) == 1
    after = entry_ids(policy)
    assert after.keys() == before.keys()
    assert {pk for pk in after if after[pk] != before[pk]} == {provision.pk}
    hits = search(SearchParams(q='"量子鸽子空间"')).items
    assert [(h.policy_slug, h.eid) for h in hits] == [(POLICY, provision.eid)]


def test_a_heading_edit_rewrites_the_descendants_it_is_context_of() -> None:
    policy = Policy.objects.get(slug=POLICY)
    container = (
        Provision.objects.filter(policy=policy, children__isnull=False)
        .exclude(heading="")
        .order_by("order")
        .first()
    )
    descendants: set[int] = set()
    frontier = {container.pk}
    while frontier:
        frontier = set(
            Provision.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        descendants |= frontier
    assert descendants
    before = entry_ids(policy)
    Provision.objects.filter(pk=container.pk).update(heading=container.heading + "鸽子")
    written = index_policies([policy.pk])
    after = entry_ids(policy)
    changed = {pk for pk in after if after[pk] != before[pk]}
    assert changed == {container.pk} | descendants
    assert written == len(changed)


@pytest.mark.parametrize(
    "text",
    [
        "国家发展改革委网站ndrc.gov.cn公布",
        "第35-36页，占比30%以上，2024-2026年",
        "推动c2m模式和5g+工业互联网发展",
        "数据要素市场化配置改革",
    ],
)
def test_fast_segmenter_cuts_like_jieba(text: str) -> None:
    ensure_loaded()
    assert segment.fast_segmenter_active()
    assert segment.segment(text) == segment.jieba_segment(text)


def test_fast_segmenter_follows_the_dictionary() -> None:
    ensure_loaded()
    terms = set(segment._SEGMENTER.extra_terms)
    version = segment.loaded_dictionary_version()
    text = "推进鸽子飞艇计划"
    assert "鸽子飞艇计划" not in [w for w, _, _ in segment.segment(text)]
    try:
        segment.set_extra_terms(terms | {"鸽子飞艇计划"}, version)
        assert "鸽子飞艇计划" in [w for w, _, _ in segment.segment(text)]
        assert segment.segment(text) == segment.jieba_segment(text)
    finally:
        segment.set_extra_terms(terms, version)
    assert "鸽子飞艇计划" not in [w for w, _, _ in segment.segment(text)]


def test_reindex_verifies_the_segmenter_on_the_whole_corpus() -> None:
    out = io.StringIO()
    call_command("reindex", "--verify-segmenter", stdout=out)
    total = Provision.objects.count()
    assert f"indexed {total} provisions" in out.getvalue()
    # Where the two differ, jieba's words are indexed (the check exists for that); on the test
    # corpus (seeds plus the tests' own documents) one provision differed after the ingestion
    # merge, none on the seeds alone — a rare case, not a systematic one.
    found = re.search(r"rjieba and jieba differ on (\d+) of (\d+) provisions", out.getvalue())
    assert found and int(found.group(2)) == total
    assert int(found.group(1)) <= total // 100


def test_index_memory_is_bounded_and_shared() -> None:
    low, high = MAINTENANCE_MEM_MB
    assert low <= maintenance_mem_mb(4) <= maintenance_mem_mb(1) <= high
