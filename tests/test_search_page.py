"""The /search page and /api/v1/search around the results: empty query, bad year ranges, pages
past the end, selected filters, grouping by document, and a query count that stays low."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

API = "/api/v1/search"


def page(client, **params):
    return client.get(reverse("search:page"), params)


def test_empty_query_shows_examples(client) -> None:
    response = page(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="examples"' in html
    assert "?q=%E5%8F%AF%E4%BF%A1%E6%95%B0%E6%8D%AE%E7%A9%BA%E9%97%B4" in html  # 可信数据空间
    assert "条条款" not in html


def test_inverted_year_range_is_a_422_with_a_message(client) -> None:
    response = page(client, q="数据", year_from=2025, year_to=2020)
    assert response.status_code == 422
    assert "起始年份晚于截止年份" in response.content.decode()
    response = client.get(API, {"q": "数据", "year_from": 2025, "year_to": 2020})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "year_from (2025) must not be after year_to (2020)"
    assert body["errors"] == []


def test_year_range_is_honoured(client) -> None:
    body = client.get(API, {"q": "数据", "year_from": 2024, "year_to": 2024}).json()
    assert body["total"] > 0
    assert {f["value"] for f in body["facets"]["year"]} == {"2024"}
    assert {d["date"][:4] for d in body["documents"]} <= {"2024"}
    html = page(client, q="数据", year_from=2024, year_to=2024).content.decode()
    assert "年份：2024" in html  # the filter in force, removable


def test_page_past_the_end_goes_to_the_last_page(client) -> None:
    response = page(client, q="区块链", page=99)  # 7 clauses: one page
    assert response.status_code == 302
    assert response["Location"] == "?q=%E5%8C%BA%E5%9D%97%E9%93%BE"
    response = page(client, q="数据", page=99)
    assert response.status_code == 302
    assert response["Location"].endswith("&page=25")  # 250 clauses, 10 a page


def test_selected_facet_is_marked_and_removable(client) -> None:
    html = page(client, q="数据", type="规划").content.decode()
    assert 'aria-current="true"' in html
    assert "类型：规划" in html
    assert 'href="?q=%E6%95%B0%E6%8D%AE"' in html  # the link that removes it


def test_clause_hits_are_grouped_under_their_document(client) -> None:
    html = page(client, q="数据").content.decode()
    assert html.count('class="group"') < 10  # ten hits, fewer documents
    assert "本文件另有" in html
    assert "policy=" in html  # "all matches in this document"
    body = client.get(API, {"q": "数据"}).json()
    assert len(body["items"]) == 10
    assert {i["group"] for i in body["items"]} == {i["policy"]["slug"] for i in body["items"]}
    assert all(i["document_matches"] >= 1 for i in body["items"])


def test_one_document_filter(client) -> None:
    body = client.get(API, {"q": "数据", "policy": "ndrc-2024-1836-data-industry"}).json()
    assert body["total"] > 10
    assert {i["policy"]["slug"] for i in body["items"]} == {"ndrc-2024-1836-data-industry"}


def test_query_count_of_a_question_with_partial_matches(
    client, django_assert_max_num_queries
) -> None:
    client.get(API, {"q": "数据"})  # warm the per-process dictionary and catalog
    # index state, savepoint, planner settings + strict facets, IDF counts (none when
    # PostgreSQL's statistics cover every word), planner settings + partial facets, planner
    # settings + ranked ids, hit details, planner settings put back, release (no typo check:
    # the query segments into whole words)
    with django_assert_max_num_queries(12):
        response = client.get(API, {"q": "数据标注产业怎么发展"})
    assert response.status_code == 200
    assert response.json()["total_full"] == 2
