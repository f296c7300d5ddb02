"""The index follows edits (admin, ORM) immediately; reindex rebuilds it; the dictionary learns."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from policies.models import IssuingBody, Policy, Provision
from search.indexing import index_policies
from search.models import DictionaryTerm, SearchEntry
from search.query import SearchParams, search

pytestmark = pytest.mark.django_db


@pytest.fixture
def reindexes(monkeypatch) -> list[list[int]]:
    """The policy ids of each re-index the commit runs (search.signals), as they happen."""
    from search import signals

    calls: list[list[int]] = []
    real = signals.index_policies
    monkeypatch.setattr(
        signals, "index_policies", lambda ids: calls.append(sorted(ids)) or real(ids)
    )
    return calls


def slugs_and_eids(q: str) -> list[tuple[str, str]]:
    return [(h.policy_slug, h.eid) for h in search(SearchParams(q=q)).items]


def test_every_provision_has_one_entry() -> None:
    assert SearchEntry.objects.count() == Provision.objects.count() > 300


def test_admin_edit_is_searchable_once_committed(
    client, django_capture_on_commit_callbacks
) -> None:
    admin = get_user_model().objects.create_superuser("curator", "c@example.org", "pw")
    client.force_login(admin)
    provision = Provision.objects.get(
        policy__slug="miit-2021-179-big-data-industry-plan", text__contains="推广首席数据官制度"
    )
    assert not search(SearchParams(q='"量子鸽子计划"')).items
    url = reverse("admin:policies_provision_change", args=[provision.pk])
    data = {
        "policy": provision.policy_id,
        "parent": provision.parent_id or "",
        "kind": provision.kind,
        "num": provision.num,
        "heading": provision.heading,
        "text": provision.text.replace("推广首席数据官制度", "推广量子鸽子计划"),
        "order": provision.order,
        "depth": provision.depth,
        "eid": provision.eid,
        "_save": "Save",
    }
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, data)
        # Not before the commit: the index still has the old text.
        assert slugs_and_eids('"量子鸽子计划"') == []
    assert response.status_code == 302, response.content.decode()[:2000]
    # one re-index for the whole admin save (the other callback clears the response cache)
    reindexes = [c for c in callbacks if c.__module__.startswith("search.")]
    assert len(reindexes) == 1
    assert slugs_and_eids('"量子鸽子计划"') == [(provision.policy.slug, provision.eid)]
    assert slugs_and_eids('"首席数据官制度"') == []


def test_policy_title_edit_changes_context_and_alias_edit_expands(
    django_capture_on_commit_callbacks,
) -> None:
    body = IssuingBody.objects.get(name="工业和信息化部")
    body.aliases = [*body.aliases, "工信老部"]
    with django_capture_on_commit_callbacks(execute=True):
        body.save()
    documents = search(SearchParams(q="工信老部")).documents
    assert [(d.slug, d.reasons) for d in documents] == [
        ("miit-2021-179-big-data-industry-plan", ["发文机关"])
    ]
    policy = Policy.objects.get(slug="miit-2021-179-big-data-industry-plan")
    policy.short_title = "蓝鲸规划"
    with django_capture_on_commit_callbacks(execute=True):
        policy.save()
    documents = search(SearchParams(q="蓝鲸规划")).documents
    assert [(d.slug, d.reasons) for d in documents] == [(policy.slug, ["标题"])]


def test_many_edits_in_one_transaction_reindex_once_after_commit(
    reindexes, django_capture_on_commit_callbacks
) -> None:
    policy = Policy.objects.get(slug="ndrc-2024-1836-data-industry")
    provisions = list(policy.provisions.order_by("order")[:3])
    with django_capture_on_commit_callbacks(execute=True):
        for n, provision in enumerate(provisions):
            provision.text = f"{provision.text}（补充说明{n}号鹦鹉螺）"
            provision.save()
        policy.short_title = "数据产业意见"
        policy.save()
        assert reindexes == []  # nothing before the commit
    assert reindexes == [[policy.pk]]
    hits = search(SearchParams(q='"鹦鹉螺"', limit=10)).items
    assert sorted(h.eid for h in hits) == sorted(p.eid for p in provisions)


def test_a_rolled_back_edit_leaves_the_next_one_indexed(django_capture_on_commit_callbacks) -> None:
    from django.db import transaction

    provision = Provision.objects.filter(policy__slug="ndrc-2024-1836-data-industry").first()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                provision.text += "（撤回的海月水母）"
                provision.save()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        provision.refresh_from_db()
        provision.text += "（保留的红珊瑚虫）"
        provision.save()
    assert [h.eid for h in search(SearchParams(q='"红珊瑚虫"')).items] == [provision.eid]
    assert search(SearchParams(q='"海月水母"')).items == []


def test_deleting_a_provision_removes_its_entry() -> None:
    provision = Provision.objects.filter(children__isnull=True).order_by("pk").first()
    provision.delete()
    assert not SearchEntry.objects.filter(provision_id=provision.pk).exists()


def test_index_policies_returns_the_entries_written() -> None:
    policy = Policy.objects.get(slug="ndrc-2024-1836-data-industry")
    # Entries whose stored fingerprint does not match are all rewritten.
    SearchEntry.objects.filter(policy=policy).update(source_hash="")
    written = index_policies([policy.pk])
    assert written == policy.provisions.count()
    assert SearchEntry.objects.filter(policy=policy).count() == written


def test_reindex_command_rebuilds_everything() -> None:
    before = slugs_and_eids("可信数据空间")
    SearchEntry.objects.filter(policy__slug="ndrc-2024-1836-data-industry").delete()
    out = io.StringIO()
    call_command("reindex", stdout=out)
    assert f"indexed {Provision.objects.count()} provisions" in out.getvalue()
    assert SearchEntry.objects.count() == Provision.objects.count()
    assert slugs_and_eids("可信数据空间") == before


def test_reindex_dry_run_writes_nothing() -> None:
    SearchEntry.objects.all().delete()
    out = io.StringIO()
    call_command("reindex", "--dry-run", stdout=out)
    assert "would index" in out.getvalue()
    assert SearchEntry.objects.count() == 0


def test_dictionary_learns_marked_terms_bodies_and_curated_words() -> None:
    terms = dict(DictionaryTerm.objects.values_list("term", "source"))
    assert terms["揭榜挂帅"] == "quoted"  # “揭榜挂帅” in 000
    assert terms["习近平科技创新重要论述"] == "defined"  # （以下简称习近平科技创新重要论述）in 001
    assert terms["发改委"] == "body"
    assert terms["隐私计算"] == "curated"


def test_the_rebuilds_sources_teach_the_dictionary_what_the_table_does() -> None:
    """A rebuild learns from the sources it read (search.rebuild); learning again from the
    provisions table finds nothing new and changes no term's source."""
    from search.dictionary import refresh_dictionary
    from search.models import IndexState
    from search.sources import provision_sources

    assert refresh_dictionary([(s.heading, s.text) for s in provision_sources()]) == set()
    learned = dict(DictionaryTerm.objects.values_list("term", "source"))
    version = IndexState.objects.get(pk=1).dictionary_version
    assert refresh_dictionary() == set()
    assert dict(DictionaryTerm.objects.values_list("term", "source")) == learned
    assert IndexState.objects.get(pk=1).dictionary_version == version
    assert learned["揭榜挂帅"] == "quoted"
    # learning from texts without the marked terms forgets them (so the sources count)
    refresh_dictionary([("", "")])
    assert not DictionaryTerm.objects.filter(term="揭榜挂帅").exists()
    refresh_dictionary()  # this process's segmenter back to the full dictionary
    assert DictionaryTerm.objects.filter(term="揭榜挂帅").exists()


def test_learning_in_worker_processes_learns_what_one_pass_does(monkeypatch) -> None:
    """Split over forked workers (search.dictionary.marked_in), each term and synonym pair is
    still named by its first marking, in the texts' order."""
    from search import dictionary
    from search.sources import provision_sources

    seeds = [f"{s.heading}\n{s.text}" for s in provision_sources()]
    # The same term marked one way in the first half, another way in the second; a pair in each.
    first = ["依据《鹦鹉螺计划》", "建设鹦鹉螺数据服务平台（以下简称“鹦服平台”）"]
    second = ["推进“鹦鹉螺计划”", "建设鹦鹉螺服务平台（NSP）"]
    texts = [*first, *seeds, *second, *seeds]
    one_pass = dictionary._marks(texts)
    monkeypatch.setattr(dictionary, "PARALLEL_LEARNING_FROM", 10)
    split = dictionary.marked_in(texts)
    assert [list(d.items()) for d in split] == [list(d.items()) for d in one_pass]
    assert split[0]["鹦鹉螺计划"] == "title"
    assert split[1][("鹦服平台", "鹦鹉螺数据服务平台")] == "defined"
    assert split[1][("nsp", "服务平台")] == "abbreviation"


def test_a_load_leaves_nothing_to_reindex_at_its_commit(
    tmp_path, reindexes, django_capture_on_commit_callbacks
) -> None:
    """The stubs a load creates (for titles it cites, for a draft's final text) are indexed with
    it: their saves must not queue a second re-index (it learns the whole dictionary again:
    1.8 s at 105k clauses)."""
    from policies.ingest.load import load_files

    source = tmp_path / "parrot_notice.txt"
    source.write_text(
        "关于推进鹦鹉螺数据服务的通知（征求意见稿）\n"
        "一、依据《鹦鹉螺数据服务管理条例》，推进鹦鹉螺数据服务。\n"
        "二、到2027年，培育鹦鹉螺数据服务企业20家。\n",
        encoding="utf-8",
    )
    with django_capture_on_commit_callbacks(execute=True):
        load_files([source], log=lambda message: None)
    stub = Policy.objects.get(title="鹦鹉螺数据服务管理条例")
    final = Policy.objects.get(title="关于推进鹦鹉螺数据服务的通知")  # the draft's final text
    assert stub.is_stub and final.is_stub
    assert reindexes == []
    hits = search(SearchParams(q="鹦鹉螺数据服务企业")).items
    assert [h.policy_slug for h in hits][:1] == [Policy.objects.get(source__name=source.name).slug]


def test_body_registry_sync_writes_only_what_changed(
    reindexes, django_capture_on_commit_callbacks
) -> None:
    from policies.ingest.load import sync_bodies

    body = IssuingBody.objects.get(name="工业和信息化部")
    curated = body.aliases
    assert "工信部" in curated
    IssuingBody.objects.filter(pk=body.pk).update(aliases=["工信旧部"])
    with django_capture_on_commit_callbacks(execute=True):
        names = sync_bodies()
    body.refresh_from_db()
    assert body.aliases == curated
    assert names["工信部"] == body and "工信旧部" not in names
    # Only the changed body's policies are re-indexed (its names are their context).
    plan = Policy.objects.get(slug="miit-2021-179-big-data-industry-plan")
    assert reindexes == [sorted(body.policy_links.values_list("policy_id", flat=True))]
    assert plan.pk in reindexes[0]
