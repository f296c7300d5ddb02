"""The researcher's pages: /targets/, /compare/, key-term pages, clause short links, 404."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.db.models import Q
from django.urls import reverse

from policies.models import Policy, Provision, Target
from tests.source_facts import DATA_INDUSTRY

pytestmark = pytest.mark.django_db

DRAFT_SLUG = "nda-2023-data-elements-x-action-plan-draft"


def html(response, status: int = 200) -> str:
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


@pytest.fixture
def data_industry() -> Policy:
    return Policy.objects.get(doc_number=DATA_INDUSTRY)


def test_targets_page_groups_every_target_by_deadline_year(client, django_assert_num_queries):
    # targets, the policy and body option lists, the years; nothing per row.
    with django_assert_num_queries(4):
        page = html(client.get(reverse("policies:targets")))
    real = Target.objects.filter(policy__is_stub=False).select_related("provision", "policy")
    assert f"共 <strong>{real.count()}</strong> 项指标" in page
    by_year = Counter(target.year for target in real)
    assert by_year, "the seeds set targets"
    positions = []
    for year, count in by_year.items():
        anchor = f"y{year}" if year else "y-none"
        label = f"{year}年" if year else "未定期限"
        assert f'id="{anchor}"' in page
        assert f'{label} <span class="muted">（{count} 项）</span>' in page
        # the chart has one bar per year, linked to the timeline and labelled with the count
        assert f'<a href="#{anchor}">' in page
        assert f"<title>{label}：{count} 项</title>" in page
        positions.append((year or 9999, page.index(f'id="{anchor}"')))
    assert [p for _, p in sorted(positions)] == sorted(p for _, p in positions), "earliest first"
    for target in real:
        assert f'href="{target.get_absolute_url()}"' in page
    assert "<svg" in page and "http://" not in page.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", ""
    ), "the chart fetches nothing"


def test_targets_filters_match_the_api(client, data_industry):
    year = data_industry.targets.exclude(year__isnull=True).values_list("year", flat=True)[0]
    body = data_industry.ordered_bodies()[0].slug
    for params in [{"year": year}, {"policy": data_industry.slug}, {"body": body}]:
        page = html(client.get(reverse("policies:targets"), params))
        api = client.get("/api/v1/targets", {**params, "limit": 200}).json()
        assert f"共 <strong>{api['count']}</strong> 项指标" in page, params
        assert api["count"] > 0
    metric = data_industry.targets.first().metric
    page = html(client.get(reverse("policies:targets"), {"metric": metric[:4]}))
    expected = Target.objects.filter(policy__is_stub=False, metric__icontains=metric[:4]).count()
    assert f"共 <strong>{expected}</strong> 项指标" in page


def test_targets_bad_year_is_400_naming_the_parameter(client):
    page = html(client.get(reverse("policies:targets"), {"year": "20x6"}), 400)
    assert "参数 year 无效：20x6" in page


def test_policy_page_shows_its_targets_as_a_timeline(client, data_industry):
    page = html(client.get(data_industry.get_absolute_url()))
    years = Counter(data_industry.targets.values_list("year", flat=True))
    for year, count in years.items():
        label = f"{year}年" if year else "未定期限"
        assert f'{label} <span class="muted">（{count} 项）</span>' in page
    assert 'class="target-chart"' in page
    export = reverse("policies:export", args=["targets", "csv"]) + f"?policy={data_industry.slug}"
    assert f'href="{export}"' in page


def test_compare_two_policies(client, data_industry):
    draft = Policy.objects.get(slug=DRAFT_SLUG)
    url = reverse("policies:compare") + f"?p={data_industry.slug}&p={draft.slug}"
    page = html(client.get(url))
    for policy in (data_industry, draft):
        assert f'<a href="{policy.get_absolute_url()}">{policy.title}</a>' in page
    # 发文字号 and 状态 differ, so both rows are marked
    assert re.search(
        r'<tr class="differs"><th scope="row"><span class="diff-mark"[^>]*>≠</span>发文字号', page
    )
    assert re.search(
        r'<tr class="differs"><th scope="row">.*?状态</th><td>现行有效</td><td>征求意见稿</td>',
        page,
    )
    # 数据要素× is a key term of both: shared, not marked as a difference
    assert (
        '<a class="badge shared" href="/terms/%E6%95%B0%E6%8D%AE%E8%A6%81%E7%B4%A0%C3%97/">数据要素×</a>'
        in page
    )
    for task in data_industry.tasks.select_related("provision"):
        assert f'href="{task.get_absolute_url()}">{task.title}</a>' in page
    for target in draft.targets.all():
        assert target.metric in page


def test_compare_aligns_the_same_metric_in_one_row(client):
    a = Policy.objects.create(slug="cmp-a", title="甲方案")
    b = Policy.objects.create(slug="cmp-b", title="乙方案")
    for policy, value in ((a, 100), (b, 200)):
        clause = Provision.objects.create(policy=policy, kind="paragraph", order=0, eid="para_1")
        Target.objects.create(
            policy=policy, provision=clause, metric="数据中心 机架数", comparator="达到",
            value=value, unit="万架", year=2027, sentence="…",
        )  # fmt: skip
    page = html(client.get(reverse("policies:compare") + "?p=cmp-a&p=cmp-b"))
    row = re.search(
        r"<tr class=\"differs\"><th scope=\"row\">.*?数据中心 机架数</th>(.*?)</tr>", page, re.S
    )
    assert row, "one row for the metric both set, marked as differing"
    assert "达到100万架（2027年）" in row.group(1) and "达到200万架（2027年）" in row.group(1)


def test_compare_bad_input_is_a_clear_400(client):
    page = html(client.get(reverse("policies:compare") + "?p=no-such&p=nor-this"), 400)
    assert "找不到文件：no-such、nor-this" in page
    slugs = list(Policy.objects.real().values_list("slug", flat=True)[:4])
    page = html(client.get(reverse("policies:compare"), {"p": slugs}), 400)
    assert "最多比较 3 件文件，收到 4 件" in page
    # one document is where the policy page's link starts: a form, not an error
    page = html(client.get(reverse("policies:compare"), {"p": slugs[0]}))
    assert f'<option value="{slugs[0]}" selected>' in page


def test_policy_page_links_to_compare(client, data_industry):
    page = html(client.get(data_industry.get_absolute_url()))
    assert f'href="{reverse("policies:compare")}?p={data_industry.slug}"' in page


def test_key_term_page_lists_documents_and_clauses(client):
    term = "数据要素×"
    page = html(client.get(reverse("policies:term", args=[term])))
    marking = Policy.objects.filter(key_terms__term=term)
    assert marking.count() >= 2
    for policy in marking:
        assert f'href="{policy.get_absolute_url()}"' in page
    clauses = Provision.objects.filter(policy__is_stub=False).filter(
        Q(text__contains=term) | Q(heading__contains=term)
    )
    assert f"使用此词的条款（{clauses.count()}）" in page
    for clause in clauses.select_related("policy"):
        assert f'href="{clause.get_absolute_url()}"' in page
    assert client.get(reverse("policies:term", args=["没有这个词语"])).status_code == 404


def test_clause_short_link_redirects_to_the_anchor(client, data_industry):
    clause = data_industry.provisions.order_by("order")[3]
    response = client.get(clause.get_short_url())
    assert response.status_code == 301
    assert response["Location"] == f"{data_industry.get_absolute_url()}#{clause.eid}"
    assert (
        client.get(reverse("policies:clause", args=[data_industry.slug, "no_such"])).status_code
        == 404
    )


@pytest.mark.parametrize(
    "url",
    ["/no-such-page/", "/policies/no-such-policy/", "/bodies/nope/", "/terms/无此词/"],
)
def test_404_is_chinese_in_the_site_design(client, url):
    page = html(client.get(url), 404)
    assert "<title>页面不存在 · 政策知识库</title>" in page
    assert 'class="site-header"' in page and 'class="skip-link"' in page
    assert "Not Found" not in page


def test_500_page_is_chinese(client):
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "服务器错误（500）" in page and 'lang="zh-CN"' in page


@pytest.mark.parametrize(
    ("name", "args", "title"),
    [
        ("policies:list", [], "政策文件"),
        ("policies:targets", [], "量化指标总览"),
        ("policies:compare", [], "比较文件"),
        ("policies:body_list", [], "发文机关"),
    ],
)
def test_every_page_has_title_description_breadcrumb_skip_link_favicon(client, name, args, title):
    page = html(client.get(reverse(name, args=args)))
    assert f"<title>{title} · 政策知识库</title>" in page
    description = re.search(r'<meta name="description" content="([^"]+)">', page).group(1)
    assert len(description) > 10
    assert '<nav class="breadcrumb" aria-label="当前位置">' in page
    assert '<a class="skip-link" href="#main">跳到正文</a>' in page and 'id="main"' in page
    assert '<link rel="icon" href="/static/img/favicon.svg"' in page
    assert "<script>" not in page  # no inline script (CSP)


def test_policy_page_description_and_breadcrumb(client, data_industry):
    page = html(client.get(data_industry.get_absolute_url()))
    assert f'<meta property="og:title" content="{data_industry.title}">' in page
    assert '<li><a href="/policies/">政策</a></li><li aria-current="page">' in page


def test_detail_page_query_count_is_pinned(client, django_assert_num_queries):
    """The policy, then one query per prefetched relation, the clauses and related documents —
    the same for any policy, however many clauses, targets or references it has."""
    for slug in (DRAFT_SLUG, Policy.objects.get(doc_number=DATA_INDUSTRY).slug):
        # 13 + the lead/partner bodies of the tasks (one prefetch)
        with django_assert_num_queries(14):
            html(client.get(reverse("policies:detail", args=[slug])))


def test_body_and_compare_query_counts_are_pinned(client, django_assert_num_queries, data_industry):
    body = data_industry.ordered_bodies()[0]
    with django_assert_num_queries(1):  # bodies with their policy counts
        html(client.get(reverse("policies:body_list")))
    # the body, its policies, their ordered bodies, the tasks it leads
    with django_assert_num_queries(4):
        html(client.get(body.get_absolute_url()))
    url = reverse("policies:compare") + f"?p={data_industry.slug}&p={DRAFT_SLUG}"
    # the choices, the two policies and their 9 prefetches (tasks' bodies included), one clause
    # count per policy
    with django_assert_num_queries(13):
        html(client.get(url))


@pytest.mark.parametrize(
    "url",
    [
        "/policies/?type=%00",
        "/targets/?metric=%00",
        "/compare/?p=%00&p=b",
        "/terms/%00/",
        "/export/policies.csv?body=%00",
        "/feeds/types/%00.atom",
        "/p/a/%00",
    ],
)
def test_nul_bytes_are_a_400_not_a_500(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
