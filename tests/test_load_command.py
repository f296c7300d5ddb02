"""load_policies: idempotent, transactional, clear errors naming the file."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from policies.models import Policy, Provision, SourceDocument

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("load_policies", *args, stdout=out)
    return out.getvalue()


def test_second_run_changes_nothing_and_says_so():
    before = list(Provision.objects.order_by("id").values_list("id", "eid", "text"))
    output = run()
    assert "Nothing changed" in output
    assert output.count("unchanged, skipped") == 5
    assert list(Provision.objects.order_by("id").values_list("id", "eid", "text")) == before


def test_forced_reload_keeps_anchors():
    policy = Policy.objects.get(doc_number="发改数据〔2024〕1836号")
    eids = list(policy.provisions.values_list("eid", flat=True))
    run("--force", "fixtures/sources/002_533cb034230574c4.txt")
    reloaded = Policy.objects.get(doc_number="发改数据〔2024〕1836号")
    assert reloaded.pk != policy.pk
    assert list(reloaded.provisions.values_list("eid", flat=True)) == eids


def test_gbk_file_loads(tmp_path):
    source = tmp_path / "gbk_notice.txt"
    source.write_bytes(
        "关于测试的通知\n一、总体要求\n到2030年，测试覆盖率达到90%。\n".encode("gbk")
    )
    run(str(source))
    policy = Policy.objects.get(source__name="gbk_notice.txt")
    assert policy.provisions.get(eid="chp_1").heading == "总体要求"


def test_failing_file_leaves_database_as_it_was(tmp_path):
    good = tmp_path / "a_good.txt"
    good.write_text("一、总体要求\n支持企业创新。\n", encoding="utf-8")
    bad = tmp_path / "b_bad.txt"
    bad.write_bytes(b"\xff\xfe\x00\x01binary\x00garbage")
    counts = (Policy.objects.count(), Provision.objects.count(), SourceDocument.objects.count())
    with pytest.raises(CommandError, match=r"b_bad\.txt: looks like a binary file"):
        run(str(good), str(bad))
    assert (
        Policy.objects.count(),
        Provision.objects.count(),
        SourceDocument.objects.count(),
    ) == counts


def test_missing_path_is_a_clear_error():
    with pytest.raises(CommandError, match=r"nope\.txt: no such file"):
        run("nope.txt")


def test_editing_curated_metadata_reloads_the_file(tmp_path, settings):
    settings.METADATA_DIR = tmp_path
    source = tmp_path / "notice.txt"
    source.write_text("一、总体要求\n支持企业创新。\n", encoding="utf-8")
    meta = tmp_path / "notice.toml"
    meta.write_text('[policy]\nslug = "notice"\ntitle = "第一稿"\n', encoding="utf-8")
    run(str(source))
    meta.write_text('[policy]\nslug = "notice"\ntitle = "关于测试的通知"\n', encoding="utf-8")
    assert "1 document(s)" in run(str(source))
    assert Policy.objects.get(slug="notice").title == "关于测试的通知"
    assert "Nothing changed" in run(str(source))
