"""Atom feeds (all, per body, per type, per saved search) and CSV / JSON Lines exports."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from policies.models import IssuingBody, KeyTerm, Policy, Target, Task
from policies.related import key_terms, related_policies

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]


def test_feed_of_all_new_documents_newest_first(client):
    titles = entries(client.get(reverse("policies:feed")))
    assert titles == list(Policy.objects.real().newest_first().values_list("title", flat=True))


def test_feed_per_body_and_type(client):
    nda = IssuingBody.objects.get(name="国家数据局")
    titles = entries(client.get(reverse("policies:feed_body", args=[nda.slug])))
    assert set(titles) == set(
        Policy.objects.real().filter(bodies=nda).values_list("title", flat=True)
    )
    assert titles
    titles = entries(client.get(reverse("policies:feed_type", args=["文章"])))
    assert len(titles) == Policy.objects.real().filter(doc_type="文章").count() == 6
    assert client.get(reverse("policies:feed_type", args=["无此类型"])).status_code == 404
    assert client.get(reverse("policies:feed_body", args=["nope"])).status_code == 404


def test_feed_per_saved_search(client):
    titles = entries(client.get(reverse("policies:feed_search"), {"q": "数据要素×"}))
    assert "“数据要素×”三年行动计划（2024—2026年）（征求意见稿）" in titles
    assert all(
        "数据要素" in t
        or Policy.objects.get(title=t).provisions.filter(text__contains="数据要素").exists()
        for t in titles
    )
    assert client.get(reverse("policies:feed_search")).status_code == 404


def test_policy_list_csv_and_jsonl(client):
    response = client.get(reverse("policies:export", args=["policies", "csv"]), {"type": "文章"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="policies.csv"'
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeffslug,title,")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {r["slug"] for r in rows} == set(
        Policy.objects.real().filter(doc_type="文章").values_list("slug", flat=True)
    )
    assert response["X-Total-Count"] == "6"
    response = client.get(reverse("policies:export", args=["policies", "jsonl"]))
    lines = [
        json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()
    ]
    assert len(lines) == Policy.objects.real().count()
    data_industry = next(line for line in lines if line["doc_number"] == "发改数据〔2024〕1836号")
    assert data_industry["bodies"][:2] == ["国家发展改革委", "国家数据局"]


def test_targets_and_tasks_exports(client):
    response = client.get(reverse("policies:export", args=["targets", "jsonl"]), {"year": 2026})
    lines = [
        json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()
    ]
    expected = Target.objects.filter(year=2026, policy__is_stub=False)
    assert len(lines) == expected.count() > 0
    assert {(line["metric"], line["url"]) for line in lines} == {
        (t.metric, t.get_absolute_url()) for t in expected.select_related("policy", "provision")
    }
    response = client.get(reverse("policies:export", args=["tasks", "csv"]))
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff")))
    )
    assert len(rows) == Task.objects.filter(policy__is_stub=False).count()


def test_search_export_and_bad_requests(client):
    response = client.get(reverse("policies:export", args=["search", "csv"]), {"q": "数据要素"})
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff")))
    )
    assert len(rows) == int(response["X-Total-Count"]) > 0
    assert "数据要素" in rows[0]["text"]
    bad = client.get(reverse("policies:export", args=["search", "csv"]))
    assert bad.status_code == 400 and "搜索参数无效" in bad.content.decode()
    bad = client.get(reverse("policies:export", args=["policies", "xlsx"]))
    assert bad.status_code == 400 and "不支持的格式" in bad.content.decode()
    bad = client.get(reverse("policies:export", args=["policies", "csv"]), {"year": "soon"})
    assert bad.status_code == 400 and "参数 year 无效" in bad.content.decode()
    assert client.get(reverse("policies:export", args=["bodies", "csv"])).status_code == 404


def test_year_filter_shared_by_list_page_and_api(client):
    expected = {p.slug for p in Policy.objects.real() if p.year == 2024}
    assert expected
    api = client.get("/api/v1/policies", {"year": 2024}).json()
    assert {item["slug"] for item in api["items"]} == expected
    page = client.get(reverse("policies:list"), {"year": 2024}).content.decode()
    assert f"共 <strong>{len(expected)}</strong> 件" in page
    assert client.get("/api/v1/policies", {"year": "x"}).status_code == 422


def test_key_terms_are_coinages_not_ordinary_words():
    counts = key_terms(["加快“智改数转”，落实“意见”，推动“高质量”发展，建设“孵化器”和“数据要素×”。",
                        "碳达峰碳中和（以下简称“双碳”）", "《关于…的意见》（以下简称《意见》）"])  # fmt: skip
    assert set(counts) == {"智改数转", "数据要素×", "双碳"}
    stored = set(KeyTerm.objects.values_list("term", flat=True))
    assert {"意见", "高质量", "孵化器"}.isdisjoint(stored)
    assert {"数据要素×", "智改数转", "一数一源"} <= stored


def test_related_documents_share_coinages_only():
    draft = Policy.objects.get(slug="nda-2023-data-elements-x-action-plan-draft")
    related = dict(related_policies(draft))
    data_industry = Policy.objects.get(doc_number="发改数据〔2024〕1836号")
    assert related[data_industry] == ["数据要素×"]


def test_search_page_offers_export_and_feed_of_the_search(client):
    page = client.get(reverse("search:page"), {"q": "数据要素"}).content.decode()
    q = "%E6%95%B0%E6%8D%AE%E8%A6%81%E7%B4%A0"
    assert f'href="{reverse("policies:export", args=["search", "csv"])}?q={q}"' in page
    assert f'href="{reverse("policies:feed_search")}?q={q}"' in page
    assert '<link rel="alternate" type="application/atom+xml" title="搜索“数据要素”"' in page
