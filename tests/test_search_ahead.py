"""Indexing ahead (search.ahead): a large policy's entries computed in a forked process while its
load goes on are exactly the entries indexing in place writes — or are not used at all."""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.core.management import call_command
from django.db import connection

from policies.ingest import IngestError
from policies.ingest.load import load_files
from policies.models import Policy
from search import ahead, chunks, rebuild, segment
from search.query import SearchParams, search
from search.sources import provision_sources
from tests.test_ingest_guards import NOTICE, big_source, load_again_at_once, start_loader

pytestmark = pytest.mark.django_db

COLUMNS = (
    'provision_id, policy_id, "order", words, grams, compact, topic_heading_compact, path, '
    "body_ids, lead_body_id, doc_type, status, year, source_hash"
)
# Small enough for a test, large enough to take the parallel paths once lowered to this.
PARALLEL = 1000


def plan_text(chapters: int) -> str:
    """A plan of ``chapters`` × 10 provisions that marks new dictionary terms (a quoted coinage,
    a cited title), so that the forked process has to learn them as the load does."""
    lines = ["青川市数据资产入表推进工作方案", "青川市人民政府办公室", "2026年5月8日"]
    for c in range(1, chapters + 1):
        lines.append(f"第{c}章 数据资产发展任务")
        for i in range(1, 4):
            lines.append(f"{i}. 推进“数据资产入表”试点")
            for s in range(1, 3):
                lines.append(
                    f"（{s}）依据《青川市数据资产管理办法》，到2028年，入表企业达到{c + i + s}家。"
                )
    return "\n".join(lines) + "\n"


@pytest.fixture
def small_parallel(monkeypatch):
    monkeypatch.setattr(ahead, "PARALLEL_FROM", PARALLEL)
    monkeypatch.setattr(rebuild, "PARALLEL_FROM", PARALLEL)
    monkeypatch.setattr(chunks, "PARALLEL_FROM", PARALLEL)
    adopted: list = []
    real = ahead.adopt

    def spy(sources):
        left = real(sources)
        adopted.append(None if left is None else len(left))
        return left

    monkeypatch.setattr(ahead, "adopt", spy)
    return adopted


def entries_of(policy_id: int, table: str = "search_searchentry") -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {COLUMNS} FROM {table} WHERE policy_id = %s ORDER BY provision_id",
            [policy_id],
        )
        return cursor.fetchall()


def computed_in_place(policy_id: int) -> list[tuple]:
    """The entries this process computes for the policy now, with the loaded dictionary."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE in_place (LIKE search_searchentry INCLUDING DEFAULTS "
            "INCLUDING IDENTITY)"
        )
    chunks.run_chunks(list(provision_sources([policy_id])), "in_place", workers=1)
    return entries_of(policy_id, "in_place")


def build_table_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [rebuild.build_name()])
        return cursor.fetchone()[0]


def live_indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, regexp_replace(indexdef, 'INDEX \\S+ ON', 'INDEX ON') "
            "FROM pg_indexes WHERE tablename = 'search_searchentry' ORDER BY 1"
        )
        return cursor.fetchall()


def test_a_large_load_adopts_the_entries_computed_ahead(tmp_path, small_parallel):
    path = tmp_path / "qingchuan_assets.txt"
    path.write_text(plan_text(220), encoding="utf-8")
    indexes = live_indexes()

    load_files([path], log=lambda message: None)

    # Built ahead (few entries were kept), then swapped in under the live names.
    assert live_indexes() == indexes and len(indexes) >= 6

    assert small_parallel == [0]  # a run was adopted, and nothing was left to compute
    policy = Policy.objects.get(source__name=path.name)
    stored = entries_of(policy.pk)
    assert len(stored) == policy.provisions.count() == 220 * 10  # chapters, items, sub-items
    assert stored == computed_in_place(policy.pk)
    # The coinage the process learned on its own is one word of the index, as the load's.
    hits = search(SearchParams(q="数据资产入表")).items
    assert hits and hits[0].policy_slug == policy.slug
    assert not ahead.running() and not build_table_exists()


def test_entries_cut_with_another_dictionary_are_not_used(tmp_path, small_parallel, monkeypatch):
    parent, real = os.getpid(), segment.extra_frequencies
    # In this process only: the dictionary the load learned differs from the process's.
    monkeypatch.setattr(
        segment,
        "extra_frequencies",
        lambda: {**real(), "不同的词": 1} if os.getpid() == parent else real(),
    )
    path = tmp_path / "qingchuan_assets.txt"
    path.write_text(plan_text(220), encoding="utf-8")

    load_files([path], log=lambda message: None)

    assert small_parallel == [None]  # refused: computed again
    policy = Policy.objects.get(source__name=path.name)
    assert entries_of(policy.pk) == computed_in_place(policy.pk)
    assert not build_table_exists()


def test_a_failing_load_stops_the_run_and_drops_its_table(tmp_path, small_parallel):
    big, blank = tmp_path / "qingchuan_assets.txt", tmp_path / "blank.txt"
    big.write_text(plan_text(220), encoding="utf-8")
    blank.write_text("\u3000\n", encoding="utf-8")

    with pytest.raises(IngestError, match="only whitespace"):
        load_files([big, blank], log=lambda message: None)

    assert small_parallel == []  # never reached the indexing
    assert not ahead.running() and not build_table_exists()
    assert not Policy.objects.filter(source__name=big.name).exists()


@pytest.mark.django_db(transaction=False)
def test_a_loader_killed_while_its_children_write_leaves_no_session_behind(tmp_path):
    """Kill the loader once its children are writing the build table: they die with it, their
    sessions end, nothing holds a lock on the table, and the next load runs at once."""
    big = tmp_path / "big_ahead.txt"
    # Large enough that the children would still be writing for seconds after the kill.
    big.write_text(big_source(100_000), encoding="utf-8")
    small = tmp_path / "small_after.txt"
    small.write_text(NOTICE.format(topic="数据"), encoding="utf-8")
    loader = start_loader(big)
    watcher = connection.copy()  # autocommit, outside the test's transaction
    watcher.connect()
    watcher.set_autocommit(True)

    def sessions() -> int:
        with watcher.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                [f"policykb-ahead-{loader.pid}"],
            )
            return cursor.fetchone()[0]

    try:
        deadline = time.monotonic() + 120
        while sessions() == 0:
            assert loader.poll() is None, "the load ended before its children wrote"
            assert time.monotonic() < deadline, "no child ever wrote ahead"
            time.sleep(0.1)
        loader.send_signal(signal.SIGKILL)
        loader.wait(timeout=10)
        deadline = time.monotonic() + 3
        while sessions():
            assert time.monotonic() < deadline, "the children's sessions outlived the loader"
            time.sleep(0.2)
        with watcher.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE relation = to_regclass(%s)",
                [rebuild.build_name()],
            )
            assert cursor.fetchone()[0] == 0
    finally:
        watcher.close()
        if loader.poll() is None:
            loader.kill()
    load_again_at_once(small)
    assert not Policy.objects.filter(source__name=big.name).exists()


def test_a_dry_run_leaves_no_build_table(tmp_path, small_parallel):
    """The dry run's rollback undoes the swap, which brings the committed build table back
    (every entry, every index): leaving the load drops it."""
    path = tmp_path / "qingchuan_assets.txt"
    path.write_text(plan_text(220), encoding="utf-8")

    call_command("load_policies", "--dry-run", str(path), verbosity=0)

    assert small_parallel == [0]
    assert not build_table_exists()
    assert not Policy.objects.filter(source__name=path.name).exists()


def test_the_build_table_is_vacuumed_before_its_indexes_are_built() -> None:
    """Committed and filled in bulk, the build table is VACUUMed before its indexes are built
    (search.rebuild.vacuum_build_table): every page all-visible when it is swapped in, instead
    of autovacuum reading all of it under the searches after the swap."""

    def fill() -> None:
        rebuild.create_build_table()
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {rebuild.build_name()} SELECT * FROM search_searchentry")

    def pages() -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relpages, relallvisible FROM pg_class WHERE oid = to_regclass(%s)",
                [rebuild.build_name()],
            )
            return cursor.fetchone()

    try:
        rebuild.on_own_connection(fill)
        rebuild.index_build_table(workers=2)
        built, visible = rebuild.on_own_connection(pages)
        assert built > 10 and visible == built
        assert len(rebuild.on_own_connection(lambda: _indexes_of(rebuild.build_name()))) >= 6
    finally:
        rebuild.drop_aside()


def _indexes_of(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        return [row[0] for row in cursor.fetchall()]
