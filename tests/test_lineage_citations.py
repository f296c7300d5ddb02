"""Lineage (draft → final, basis, implements, repeals), status notes and citation formats."""

from __future__ import annotations

import pytest

from policies.citations import clause_citation, gbt7714, policy_citation
from policies.extract.lineage import final_title, find_lineage, find_validity
from policies.lineage import resolve_final_versions, status_note, stub_slug
from policies.models import Policy, Provision, Reference
from tests.source_facts import DATA_INDUSTRY

R = Reference.Relation
DRAFT_SLUG = "nda-2023-data-elements-x-action-plan-draft"
FINAL_TITLE = "“数据要素×”三年行动计划（2024—2026年）"


def test_lineage_verbs_in_text():
    text = (
        "为深入贯彻落实《中共中央 国务院关于构建数据基础制度更好发挥数据要素作用的意见》和"
        "《数字中国建设整体布局规划》，根据《中华人民共和国数据安全法》，制定本方案。"
        "本办法自2024年1月1日起施行，《某某资金管理办法》（财建〔2019〕5号）同时废止。"
        "参照《某地区试点办法》执行。"
    )
    assert find_lineage(text) == {
        "中共中央 国务院关于构建数据基础制度更好发挥数据要素作用的意见": R.IMPLEMENTS,
        "数字中国建设整体布局规划": R.IMPLEMENTS,
        "中华人民共和国数据安全法": R.BASIS,
        "某某资金管理办法": R.REPEALS,
    }
    assert find_lineage("现决定废止《甲管理规定》、《乙实施办法》。") == {
        "甲管理规定": R.REPEALS,
        "乙实施办法": R.REPEALS,
    }
    assert find_lineage("《丙规划》提出，要加快发展。") == {}


def test_final_title_drops_only_a_trailing_draft_marker():
    assert final_title(FINAL_TITLE + "（征求意见稿）") == FINAL_TITLE
    assert final_title("某某条例（草案）") == "某某条例"
    assert final_title("某某条例(送审稿)") == "某某条例"
    assert final_title(FINAL_TITLE) is None
    assert final_title("关于征求意见稿反馈的通知") is None


@pytest.mark.django_db
def test_seed_draft_links_to_a_final_stub(client):
    draft = Policy.objects.get(slug=DRAFT_SLUG)
    final = Reference.objects.get(policy=draft, relation=R.FINAL)
    assert final.cited_title == FINAL_TITLE
    assert final.target.is_stub and final.target.slug == stub_slug(FINAL_TITLE)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert (
        f'<span class="badge">正式文本</span> <a href="{final.target.get_absolute_url()}">'
        f"{FINAL_TITLE}</a>" in page
    )
    stub_page = client.get(final.target.get_absolute_url()).content.decode()
    assert (
        f'<span class="badge">征求意见稿</span> <a href="{draft.get_absolute_url()}">' in stub_page
    )
    # 征求意见 until the end of the comment period the 公告 gives (2023年12月22日)
    note = status_note(draft)
    assert note.reason == "征求意见至 2023年12月22日" and str(note.on) == "2023-12-22"
    assert "（征求意见至 2023年12月22日）" in page


@pytest.mark.django_db
def test_final_text_arriving_replaces_the_stub():
    draft = Policy.objects.get(slug=DRAFT_SLUG)
    final = Policy.objects.create(slug="final-x", title=FINAL_TITLE, status="现行有效")
    resolve_final_versions()
    assert Reference.objects.get(policy=draft, relation=R.FINAL).target == final


@pytest.mark.django_db
def test_repeal_gives_the_status_reason_else_the_stored_reason():
    old = Policy.objects.create(slug="old-rules", title="旧管理办法", status="失效")
    new = Policy.objects.create(slug="new-rules", title="新管理办法", issued_on="2025-03-01")
    Reference.objects.create(policy=new, cited_title=old.title, target=old, relation=R.REPEALS)
    old = Policy.objects.for_detail().get(pk=old.pk)
    note = status_note(old)
    assert note.reason == "被《新管理办法》废止" and str(note.on) == "2025-03-01"
    other = Policy.objects.create(
        slug="other", title="其他办法", status_reason="有效期至 2024年12月31日"
    )
    other = Policy.objects.for_detail().get(pk=other.pk)
    assert status_note(other).reason == "有效期至 2024年12月31日"


@pytest.mark.django_db
def test_interpretation_is_listed_once_each_way(client):
    interpretation = Policy.objects.get(slug="nda-2025-data-sci-tech-innovation-interpretation")
    target = interpretation.interprets
    page = client.get(interpretation.get_absolute_url()).content.decode()
    # cited and interpreted: one line, in the lineage chain, not again under 引用
    assert page.count(f'href="{target.get_absolute_url()}"') == 1
    assert (
        f'<span class="badge">解读对象、引用</span> <a href="{target.get_absolute_url()}">' in page
    )
    stub = client.get(target.get_absolute_url()).content.decode()
    assert stub.count(f'href="{interpretation.get_absolute_url()}"') == 1, "listed once"
    assert '<span class="badge">解读文章、引用本文</span>' in stub


@pytest.mark.django_db
def test_citations_in_the_common_chinese_form():
    policy = Policy.objects.get(doc_number=DATA_INDUSTRY)
    bodies = policy.ordered_bodies()
    assert policy_citation(policy, bodies) == (
        "国家发展改革委等《国家发展改革委等部门关于促进数据产业高质量发展的指导意见》"
        "（发改数据〔2024〕1836号）"
    )
    provisions = list(policy.provisions.all())
    by_id = {p.id: p for p in provisions}
    nested = next(p for p in provisions if p.num.startswith("（") and p.parent_id)
    parent = by_id[nested.parent_id]
    expected = parent.num.rstrip("、") + nested.num
    assert clause_citation(policy, bodies, nested, by_id).endswith("1836号）" + expected)
    assert Provision.objects.filter(pk=nested.pk).exists()


@pytest.mark.django_db
def test_gbt7714_for_articles():
    journal = Policy.objects.get(slug="sci-tech-digest-2025-1")
    assert gbt7714(journal) == (
        "刘冬梅, 杨洋, 李哲. 习近平科技创新重要论述的演进与思想体系[J]. 中国科技论坛, 2025(1)."
    )
    paper = Policy.objects.get(slug="sci-tech-digest-2025-2")
    assert gbt7714(paper) == "宋德雄. 探索科技创新和产业创新深度融合路径[N]. 科技日报, 2025-01-06."


@pytest.mark.django_db
def test_api_gives_status_reason_and_lineage_relations(client):
    body = client.get(f"/api/v1/policies/{DRAFT_SLUG}").json()
    assert body["status_reason"] == "征求意见至 2023年12月22日"
    assert body["status_date"] == "2023-12-22"
    final = next(ref for ref in body["references"] if ref["relation"] == "final")
    assert final["cited_title"] == FINAL_TITLE and final["target"] == stub_slug(FINAL_TITLE)
    assert final["resolved"] is False


def test_validity_read_from_the_text():
    assert str(find_validity("本办法有效期至2027年12月31日。")) == "2027-12-31"
    assert str(find_validity("本方案自2024年3月1日起施行，有效期五年。")) == "2029-02-28"
    assert str(find_validity("自2023年1月1日起实施，有效期为3年")) == "2025-12-31"
    assert find_validity("有效期五年。") is None  # no start day: nothing to count from
    assert find_validity("加强有效期管理") is None


@pytest.mark.django_db
def test_loader_stores_the_validity_as_status_reason(tmp_path):
    from django.db import transaction

    from policies.ingest.load import finish_load, ingest_source, sync_bodies

    text = (
        "关于开展某某试点工作的通知\n\n"
        "一、工作目标\n\n到2026年，建成试点项目10个。\n\n"
        "二、实施时间\n\n本通知自2024年1月1日起施行，有效期至2026年12月31日。"
        "《旧试点办法》同时废止。\n"
    )
    with transaction.atomic():
        result = ingest_source("validity-check.txt", text.encode(), sync_bodies())
        finish_load([result])
    policy = Policy.objects.get(pk=result.policy_ids[0])
    assert policy.status_reason == "有效期至 2026年12月31日"
    assert str(policy.status_date) == "2026-12-31"
    repeal = policy.references.get(cited_title="旧试点办法")
    assert repeal.relation == R.REPEALS and repeal.target.is_stub
