"""Loads that never crash on names or sizes, never half-write and never hang (issue 8)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from policies.ingest import IngestError
from policies.ingest.guards import LOAD_LOCK, default_slug, limit_waits
from policies.models import Policy, Provision, SourceDocument

pytestmark = pytest.mark.django_db

NOTICE = "关于{topic}的通知\n一、总体要求\n（一）基本原则\n支持企业开展{topic}。\n二、重点任务\n推进{topic}。\n"


def run(*args: str) -> str:
    out = StringIO()
    call_command("load_policies", *args, stdout=out)
    return out.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_chinese_file_names_get_distinct_stable_slugs(tmp_path):
    first = write(tmp_path, "关于数据的通知.txt", NOTICE.format(topic="数据"))
    second = write(tmp_path, "关于算力的通知.txt", NOTICE.format(topic="算力"))
    run(str(first), str(second))
    slugs = {
        name: Policy.objects.get(source__name=name).slug
        for name in ("关于数据的通知.txt", "关于算力的通知.txt")
    }
    assert slugs["关于数据的通知.txt"] == default_slug(Path(first.name), "关于数据的通知")
    assert slugs["关于数据的通知.txt"].startswith("doc-")
    assert len(set(slugs.values())) == 2
    # Stable: a forced reload keeps the URL.
    run("--force", str(first))
    assert Policy.objects.get(source__name="关于数据的通知.txt").slug == slugs["关于数据的通知.txt"]


def test_same_title_in_two_files_is_no_collision_crash(tmp_path):
    first = write(tmp_path, "通知一.txt", NOTICE.format(topic="数据"))
    second = write(tmp_path, "通知二.txt", NOTICE.format(topic="数据"))
    run(str(first), str(second))
    one = Policy.objects.get(source__name="通知一.txt")
    two = Policy.objects.get(source__name="通知二.txt")
    assert one.slug != two.slug
    assert two.slug.startswith(one.slug + "-")


def test_unsafe_ascii_name_is_slugified(tmp_path):
    path = write(tmp_path, "../..;rm -rf ~ (final).txt".replace("/", "_"), NOTICE.format(topic="x"))
    run(str(path))
    assert Policy.objects.get(source__name=path.name).slug == "rm-rf-final"


def test_over_long_title_names_file_and_field(tmp_path):
    path = write(
        tmp_path, "long.txt", "---\ntitle: " + "很" * 400 + "\n---\n一、总体要求\n支持创新。\n"
    )
    count = Policy.objects.count()
    with pytest.raises(CommandError) as caught:
        run(str(path))
    assert "long.txt" in str(caught.value)
    assert "title" in str(caught.value)
    assert Policy.objects.count() == count


def test_over_long_file_name_is_a_message(tmp_path):
    path = write(tmp_path, "a" * 240 + ".txt", NOTICE.format(topic="数据"))
    with pytest.raises(CommandError, match=r"the file name is 244 characters, longer than the 200"):
        run(str(path))
    assert not SourceDocument.objects.filter(name__startswith="aaaa").exists()


def test_javascript_url_from_front_matter_is_refused(tmp_path):
    path = write(
        tmp_path,
        "js.txt",
        "---\ntitle: 关于测试的通知\nurl: javascript:alert(1)\n---\n一、总体要求\n支持创新。\n",
    )
    with pytest.raises(CommandError, match=r"js\.txt: source_url"):
        run(str(path))
    assert not SourceDocument.objects.filter(name="js.txt").exists()


def test_https_url_from_front_matter_is_kept(tmp_path):
    url = "https://www.gov.cn/zhengce/content/202401/t20240101_1.html"
    path = write(
        tmp_path, "ok.txt", f"---\ntitle: 关于测试的通知\nurl: {url}\n---\n一、总体要求\n支持。\n"
    )
    run(str(path))
    assert Policy.objects.get(source__name="ok.txt").source_url == url


@pytest.mark.parametrize("blank", ["\u3000\u3000\n\u3000\n", "   \n\t\n", "\ufeff\u200b \n"])
def test_whitespace_only_file_is_refused(tmp_path, blank):
    path = write(tmp_path, "blank.txt", blank)
    with pytest.raises(CommandError, match=r"blank\.txt: the file (holds no text|is empty)"):
        run(str(path))
    assert not SourceDocument.objects.filter(name="blank.txt").exists()


def test_parents_are_set_at_insert_without_an_update(tmp_path):
    path = write(tmp_path, "tree.txt", NOTICE.format(topic="数据"))
    with CaptureQueriesContext(connection) as queries:
        run(str(path))
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "policies_provision"')]
    assert updates == []
    policy = Policy.objects.get(source__name="tree.txt")
    parent_of = {
        p.eid: (p.parent.eid if p.parent_id else None)
        for p in policy.provisions.select_related("parent")
    }
    assert parent_of["chp_1"] is None
    assert parent_of["chp_1__sec_1"] == "chp_1"
    assert parent_of["chp_2"] is None


def test_runs_bound_their_waits():
    with transaction.atomic():
        limit_waits()
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            assert cursor.fetchone()[0] == f"{settings.INGEST_LOCK_TIMEOUT}s"
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == f"{settings.INGEST_STATEMENT_TIMEOUT // 60}min"
        transaction.set_rollback(True)  # (a savepoint inside the test's transaction)
    with connection.cursor() as cursor:  # SET LOCAL: gone with the transaction
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "0"


def test_lock_wait_gives_up_with_a_message(tmp_path, settings):
    """Another load running (holding the loads' lock): this one fails fast and says why."""
    settings.INGEST_LOCK_TIMEOUT = 1
    path = write(tmp_path, "waits.txt", NOTICE.format(topic="数据"))
    holder = connection.copy()
    try:
        holder.connect()
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOAD_LOCK])
        with pytest.raises(CommandError, match="a lock was not granted in time"):
            run(str(path))
    finally:
        holder.rollback()
        holder.close()


def big_source(provisions: int) -> str:
    lines = ["关于加快推进测试数据产业高质量发展的实施意见"]
    for chapter in range(1, provisions // 50 + 2):
        lines.append(f"第{chapter}章 第{chapter}部分任务")
        for item in range(1, 51):
            lines.append(
                f"（{item}）推进第{chapter}章第{item}项工作。到2027年，数据产业规模年均增速超过"
                f"{item % 30 + 5}%，培育一批数据服务企业，建设数据基础设施。"
            )
    return "\n".join(lines) + "\n"


def _loader_command() -> tuple[list[str], dict[str, str]]:
    """``manage.py load_policies`` in another process, on the test database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.test_settings",
        "DJANGO_DB_NAME": connection.settings_dict["NAME"],
    }
    return [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "load_policies"], env


def start_loader(path: Path) -> subprocess.Popen:
    manage, env = _loader_command()
    return subprocess.Popen([*manage, str(path)], env=env, stdout=subprocess.DEVNULL)


def load_again_at_once(path: Path) -> str:
    """A dry-run load of ``path`` right away: it must succeed within 30 s; returns its output."""
    manage, env = _loader_command()
    started = time.monotonic()
    second = subprocess.run(
        [*manage, "--dry-run", str(path)], env=env, capture_output=True, text=True, timeout=120
    )
    assert second.returncode == 0, second.stderr
    assert time.monotonic() - started < 30
    return second.stdout


@pytest.mark.django_db(transaction=False)
def test_killed_loader_leaves_no_locks(tmp_path):
    """Start a large load in another process, kill it mid-run, and load again at once."""
    big = write(tmp_path, "big_load.txt", big_source(20_000))
    small = write(tmp_path, "small_load.txt", NOTICE.format(topic="数据"))
    loader = start_loader(big)
    # A connection of its own in autocommit: inside the test's transaction pg_stat_activity
    # would be a snapshot that never changes.
    watcher = connection.copy()
    watcher.connect()
    watcher.set_autocommit(True)
    try:
        # Wait until its transaction has written (it holds a transaction id from then on).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with watcher.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                    "WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() "
                    "AND l.locktype = 'transactionid' AND a.backend_type = 'client backend'"
                )
                if cursor.fetchone()[0]:
                    break
            time.sleep(0.2)
        else:
            pytest.fail("the loader never started its transaction")
        time.sleep(1)  # well inside the load
        loader.send_signal(signal.SIGKILL)
        loader.wait(timeout=10)
    finally:
        watcher.close()
        if loader.poll() is None:
            loader.kill()
    assert "Loaded 1 of 1 file(s) (dry run, rolled back)" in load_again_at_once(small)
    # Nothing of the killed run was committed.
    assert not SourceDocument.objects.filter(name="big_load.txt").exists()
    assert not Provision.objects.filter(policy__source__name="big_load.txt").exists()


def test_ingest_error_is_raised_for_blank_source_directly():
    from policies.ingest.load import ingest_source, sync_bodies

    with transaction.atomic(), pytest.raises(IngestError, match=r"x\.txt: the file holds no text"):
        ingest_source("x.txt", "\u3000\n".encode(), sync_bodies())
