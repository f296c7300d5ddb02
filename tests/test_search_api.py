"""GET /api/v1/search and the /search page: shapes, validation, garbage input, escaping."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from policies.models import Policy, Provision
from search.models import SearchEntry

pytestmark = pytest.mark.django_db

API = "/api/v1/search"

GARBAGE = [
    "&|!():*",
    "'",
    "\\",
    "\\'; DROP TABLE policies_policy; --",
    '"',
    '""',
    '"unterminated phrase',
    "-",
    "--",
    "- -数据",
    "a:*",
    "数据 & | ! <->",
    "<->",
    "!!",
    "%",
    "_",
    "%_%",
    "\x00null",
    "😀🚀",
    "\u200b",
    "数据" * 300,
    "(((((",
    "OR AND NOT",
    "'数据'::tsquery",
    "1 = 1",
    "\t\n",
]


def test_shape(client) -> None:
    response = client.get(API, {"q": "可信数据空间", "limit": 3})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"query", "total", "items", "facets"}
    assert body["query"] == "可信数据空间"
    assert body["total"] >= 4
    assert len(body["items"]) == 3
    item = body["items"][0]
    assert set(item) == {
        "policy",
        "provision",
        "text",
        "snippet",
        "score",
        "url",
        "matched_all",
        "group",
        "document_matches",
    }
    assert item["group"] == item["policy"]["slug"]
    assert item["matched_all"] is True
    assert body["total_full"] == 7  # clauses with 可信数据空间 or all of its words
    assert body["documents"] == [] and body["document_total"] == 0
    assert set(item["policy"]) == {"slug", "title", "doc_number"}
    assert set(item["provision"]) == {"eid", "num", "heading", "path"}
    # Each hit's heading path is its own clause's (carried through the ranking statement): in
    # 发改数据〔2024〕1836号 "扩大数据资源供给" sits in chapter 五 (checked against the source).
    paths = {
        (i["policy"]["slug"], i["provision"]["heading"]): i["provision"]["path"]
        for i in body["items"]
    }
    assert paths[("ndrc-2024-1836-data-industry", "扩大数据资源供给")] == [
        "五、提高数据资源开发利用水平"
    ]
    provision = Provision.objects.get(
        policy__slug=item["policy"]["slug"], eid=item["provision"]["eid"]
    )
    assert item["url"] == provision.get_absolute_url()
    assert "<mark>可信数据空间</mark>" in item["snippet"]
    assert set(body["facets"]) == {"body", "type", "status", "year"}
    assert sum(f["count"] for f in body["facets"]["type"]) == body["total"]


@pytest.mark.parametrize("q", GARBAGE)
def test_garbage_is_data_not_syntax(client, q: str) -> None:
    response = client.get(API, {"q": q})
    assert response.status_code in (200, 422), response.content
    body = response.json()
    if response.status_code == 422:
        assert "detail" in body and "errors" in body
    else:
        assert isinstance(body["items"], list)
    page = client.get(reverse("search:page"), {"q": q})
    assert page.status_code in (200, 400)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "数据", "limit": 0},
        {"q": "数据", "limit": 101},
        {"q": "数据", "limit": "ten"},
        {"q": "数据", "offset": -1},
        {"q": "数据", "offset": 10**12},
        {"q": "数据", "year_from": "x"},
        {"q": "数据", "year_to": 99999},
    ],
)
def test_invalid_parameters_are_a_clear_422(client, params: dict) -> None:
    response = client.get(API, params)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"]
    assert isinstance(body["errors"], list)


def test_unknown_filter_values_give_no_results_not_errors(client) -> None:
    response = client.get(API, {"q": "数据", "body": "no-such-body", "type": "x' OR 1=1"})
    assert response.status_code == 200
    assert response.json()["total"] == 0


def test_highlight_escapes_query_and_text(client, django_capture_on_commit_callbacks) -> None:
    policy = Policy.objects.get(slug="ndrc-2024-1836-data-industry")
    provision = Provision.objects.filter(policy=policy).order_by("-order").first()
    provision.text = "测试<script>alert('x')</script>条款 & 引用"
    with django_capture_on_commit_callbacks(execute=True):
        provision.save()
    response = client.get(API, {"q": "<script>alert('x')</script>"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert items[0]["provision"]["eid"] == provision.eid
    snippet = items[0]["snippet"]
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0
    assert "<mark>" in snippet
    assert "&amp;" in snippet
    page = client.get(reverse("search:page"), {"q": "<script>alert('x')</script>"})
    html = page.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_search_page(client) -> None:
    response = client.get(reverse("search:page"), {"q": "发改委"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>" in html
    assert "国家发展改革委等部门关于促进数据产业高质量发展的指导意见" in html
    assert "发文机关" in html  # facets
    assert "同时检索：国家发展改革委" in html
    html = client.get(reverse("search:page"), {"q": "数据"}).content.decode()
    assert 'rel="next"' in html  # more than one page
    response = client.get(reverse("search:page"), {"q": "数据", "page": 2})
    assert response.status_code == 200
    assert 'rel="prev"' in response.content.decode()
    assert client.get(reverse("search:page")).status_code == 200
    assert client.get(reverse("search:page"), {"q": "数据", "page": "x"}).status_code == 200


def test_query_count_is_pinned(client, django_assert_num_queries) -> None:
    client.get(API, {"q": "数据"})  # warm the per-process dictionary and catalog
    # index state, savepoint, the count with the ranked hits and their details (sent with the
    # planner settings, one round trip: a counted set is ranked by the statement counting
    # it), planner settings put back (the test runs in a transaction), savepoint release —
    # whatever the number of matches or hits
    with django_assert_num_queries(5):
        response = client.get(API, {"q": "区块链", "limit": 10})
    assert response.status_code == 200
    assert SearchEntry.objects.count() == Provision.objects.count()


def test_each_hit_links_to_its_clause(client) -> None:
    """A hit's url is its provision's permalink (built once per search, not per hit)."""
    body = client.get(API, {"q": "数据要素", "limit": 20}).json()
    assert len(body["items"]) == 20
    for item in body["items"]:
        provision = Provision.objects.select_related("policy").get(
            policy__slug=item["policy"]["slug"], eid=item["provision"]["eid"]
        )
        assert item["url"] == provision.get_absolute_url()
