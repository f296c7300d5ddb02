"""HTML pages: the policy list (home), a policy with its provisions, issuing bodies."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from policies.models import IssuingBody, Policy

pytestmark = pytest.mark.django_db

DATA_INDUSTRY = "发改数据〔2024〕1836号"


@pytest.fixture
def data_industry() -> Policy:
    return Policy.objects.get(doc_number=DATA_INDUSTRY)


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_home_and_list_show_real_policies(client, django_assert_num_queries):
    # policies, their ordered bodies, and the four filter option lists (type, status, body, year).
    with django_assert_num_queries(6):
        page = html(client.get(reverse("policies:list")))
    assert page == html(client.get(reverse("policies:home")))
    assert '<html lang="zh-CN">' in page
    assert f"共 <strong>{Policy.objects.real().count()}</strong> 件" in page
    for policy in Policy.objects.all():
        link = f'href="{policy.get_absolute_url()}"'
        assert (link in page) == (not policy.is_stub), policy.slug


def test_list_shows_bodies_in_order_and_filters(client, data_industry):
    page = html(client.get(reverse("policies:list"), {"body": "csrc"}))
    assert "共 <strong>1</strong> 件" in page
    names = ["国家发展改革委", "国家数据局", "教育部", "财政部", "金融监管总局", "中国证监会"]
    positions = [page.index(f">{name}</a>") for name in names]
    assert positions == sorted(positions)
    assert DATA_INDUSTRY in page

    by_type = html(client.get(reverse("policies:list"), {"type": data_industry.doc_type}))
    expected = Policy.objects.real().filter(doc_type=data_industry.doc_type).count()
    assert f"共 <strong>{expected}</strong> 件" in by_type


def test_every_page_has_the_header_search_box(client, data_industry):
    for url in [
        reverse("policies:list"),
        data_industry.get_absolute_url(),
        reverse("policies:body_list"),
    ]:
        page = html(client.get(url))
        assert 'role="search"' in page
        assert '<input type="search" name="q"' in page
        assert f'href="{reverse("api:openapi-view")}"' in page


def test_detail_renders_every_provision_with_anchor(client, data_industry):
    page = html(client.get(data_industry.get_absolute_url()))
    ids = re.findall(r'\bid="([^"]+)"', page)
    eids = list(data_industry.provisions.order_by("order").values_list("eid", flat=True))
    assert eids and [i for i in ids if i in set(eids)] == eids, "each provision once, in order"
    for eid in eids:
        assert f'class="permalink" href="#{eid}"' in page
    assert DATA_INDUSTRY in page
    assert "2024年12月28日" in page  # 成文日期


def test_detail_sections(client, data_industry):
    page = html(client.get(data_industry.get_absolute_url()))
    assert 'aria-label="目录"' in page
    for heading in ["目标", "量化指标", "任务"]:
        assert f"<h2>{heading}</h2>" in page
    for target in data_industry.targets.select_related("provision", "policy"):
        assert target.metric in page
        assert f'href="{target.get_absolute_url()}"' in page
    # Each cited document once: in the lineage chain (落实《…》) or under 引用, 未收录 if a stub.
    for reference in data_industry.references.select_related("target"):
        link = f'<a href="{reference.target.get_absolute_url()}">'
        assert page.count(link) == 1, reference.cited_title
        if not reference.resolved:
            after = page.split(link, 1)[1]
            assert re.match(r'《?[^<]+》?</a><span class="badge">未收录</span>', after)
    for body in data_industry.ordered_bodies():
        assert f'href="{body.get_absolute_url()}"' in page


def test_interpretation_links_both_ways(client):
    interpretation = interpretation_of_a_held_policy()
    page = html(client.get(interpretation.get_absolute_url()))
    assert f'href="{interpretation.interprets.get_absolute_url()}"' in page


def test_unknown_policy_is_404(client):
    assert client.get(reverse("policies:detail", args=["no-such-policy"])).status_code == 404
    assert client.get(reverse("policies:body", args=["no-such-body"])).status_code == 404


def test_body_pages(client):
    nda = IssuingBody.objects.get(name="国家数据局")
    listing = html(client.get(reverse("policies:body_list")))
    assert f'href="{nda.get_absolute_url()}"' in listing
    page = html(client.get(nda.get_absolute_url()))
    assert f"<h1>{nda.name}</h1>" in page
    for alias in nda.aliases:
        assert alias in page
    for policy in Policy.objects.real().filter(bodies=nda):
        assert f'href="{policy.get_absolute_url()}"' in page


def test_user_text_is_escaped(client):
    policy = Policy.objects.create(slug="escape-check", title="<script>alert(1)</script>标题")
    policy.provisions.create(kind="paragraph", text="<b>正文</b>", order=1, eid="para_1")
    page = html(client.get(policy.get_absolute_url()))
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;标题" in page
    assert "<b>正文</b>" not in page and "&lt;b&gt;正文&lt;/b&gt;" in page


def interpretation_of_a_held_policy() -> Policy:
    """A 解读 of a held policy: the seeds' own when they link one, else built here (no skip)."""
    existing = Policy.objects.filter(interprets__isnull=False).select_related("interprets")
    if existing.exists():
        return existing.first()
    target = Policy.objects.real().order_by("slug").first()
    return Policy.objects.create(
        slug="test-interpretation",
        title=f"{target.title}解读",
        doc_type="解读",
        interprets=target,
    )
