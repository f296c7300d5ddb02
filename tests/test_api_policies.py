"""/api/v1/ policies, provisions, targets, bodies: shapes, values, pagination, errors, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from policies.models import IssuingBody, Policy, Provision, Target
from tests.source_facts import DATA_INDUSTRY, DATA_INDUSTRY_BODIES

pytestmark = pytest.mark.django_db


def api(name: str, *args: str) -> str:
    return reverse(f"api:{name}", args=args)


@pytest.fixture
def data_industry() -> Policy:
    return Policy.objects.get(doc_number=DATA_INDUSTRY)


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status
    body = response.json()
    # RFC 9457 problem details, keeping the older detail/errors keys (portal/errors.py).
    assert set(body) == {"type", "title", "status", "detail", "errors"}
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], list)
    return body


def test_policy_list_counts_real_policies_only(client):
    response = client.get(api("list_policies"), {"limit": 200})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "count"}
    real = set(Policy.objects.real().values_list("slug", flat=True))
    assert body["count"] == len(real) == len(body["items"])
    assert {item["slug"] for item in body["items"]} == real
    assert Policy.objects.filter(is_stub=True).exists(), "seed data cites documents it lacks"


def test_policy_list_includes_stubs_on_request(client):
    body = client.get(api("list_policies"), {"include_stubs": "true", "limit": 200}).json()
    assert body["count"] == Policy.objects.count()


def test_policy_list_item_shape_and_body_order(client, data_industry):
    items = client.get(api("list_policies"), {"limit": 200}).json()["items"]
    item = next(i for i in items if i["slug"] == data_industry.slug)
    assert item == {
        "slug": data_industry.slug,
        "title": data_industry.title,
        "short_title": data_industry.short_title,
        "doc_number": DATA_INDUSTRY,
        "doc_type": data_industry.doc_type,
        "status": data_industry.status,
        "issued_on": data_industry.issued_on.isoformat(),
        "published_on": data_industry.published_on.isoformat(),
        "url": f"http://testserver/policies/{data_industry.slug}/",
        "bodies": [
            {"name": body.name, "slug": body.slug} for body in data_industry.ordered_bodies()
        ],
    }
    assert [b["name"] for b in item["bodies"]] == DATA_INDUSTRY_BODIES


def test_policy_list_filters(client, data_industry):
    nda = IssuingBody.objects.get(name="国家数据局")
    by_body = client.get(api("list_policies"), {"body": nda.slug, "limit": 200}).json()
    expected = set(Policy.objects.real().filter(bodies=nda).values_list("slug", flat=True))
    assert {i["slug"] for i in by_body["items"]} == expected
    assert data_industry.slug in expected and by_body["count"] == len(expected)

    by_type = client.get(api("list_policies"), {"type": data_industry.doc_type}).json()
    assert by_type["items"] and all(
        i["doc_type"] == data_industry.doc_type for i in by_type["items"]
    )

    by_status = client.get(api("list_policies"), {"status": "no-such-status"}).json()
    assert by_status == {"items": [], "count": 0}


def test_policy_list_pages(client):
    everything = client.get(api("list_policies"), {"limit": 200}).json()["items"]
    page = client.get(api("list_policies"), {"limit": 2, "offset": 1}).json()
    assert page["count"] == len(everything)
    assert page["items"] == everything[1:3]
    default = client.get(api("list_policies")).json()
    assert len(default["items"]) == min(20, len(everything))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": "1e3"}, "offset"),
        ({"offset": 10**20}, "offset"),
        ({"include_stubs": "maybe"}, "include_stubs"),
    ],
)
def test_policy_list_bad_params_are_422(client, params, field):
    body = assert_error_shape(client.get(api("list_policies"), params), 422)
    assert body["errors"][0]["loc"] == ["query", field]


def test_policy_list_queries_do_not_grow_with_rows(client, django_assert_num_queries):
    # count, the page of policies, their ordered bodies.
    with django_assert_num_queries(3):
        response = client.get(api("list_policies"), {"limit": 200, "include_stubs": "true"})
    assert response.status_code == 200


def test_policy_detail(client, data_industry, django_assert_max_num_queries):
    # the policy and its prefetches, plus key terms and related documents (3)
    with django_assert_max_num_queries(13):
        response = client.get(api("get_policy", data_industry.slug))
    assert response.status_code == 200
    body = response.json()
    assert body["doc_number"] == DATA_INDUSTRY
    assert (body["doc_agency_code"], body["doc_year"], body["doc_serial"]) == (
        "发改数据",
        2024,
        1836,
    )
    assert [b["name"] for b in body["bodies"]] == DATA_INDUSTRY_BODIES
    assert body["is_stub"] is False
    assert body["source_url"] == data_industry.source_url
    assert [t["metric"] for t in body["targets"]] == list(
        data_industry.targets.values_list("metric", flat=True)
    )
    assert [t["title"] for t in body["tasks"]] == list(
        data_industry.tasks.values_list("title", flat=True)
    )
    assert len(body["goals"]) == data_industry.goals.count()
    references = list(data_industry.references.select_related("target", "provision"))
    assert body["references"] == [
        {
            "cited_title": ref.cited_title,
            "relation": ref.relation,
            "provision": ref.provision.eid if ref.provision else None,
            "target": ref.target.slug if ref.target else None,
            "resolved": ref.resolved,
        }
        for ref in references
    ]
    for target in body["targets"]:
        assert isinstance(target["value"], float)
        assert target["policy"] == {"slug": data_industry.slug, "title": data_industry.title}
        assert target["url"].endswith(f"/policies/{data_industry.slug}/#{target['provision']}")


def test_interpretation_points_at_what_it_interprets(client):
    interpretation = interpretation_of_a_held_policy()
    body = client.get(api("get_policy", interpretation.slug)).json()
    assert body["interprets"] == {
        "slug": interpretation.interprets.slug,
        "title": interpretation.interprets.title,
    }
    target = client.get(api("get_policy", interpretation.interprets.slug)).json()
    assert {"slug": interpretation.slug, "title": interpretation.title} in target["interpretations"]


def test_unknown_policy_is_404_with_error_shape(client):
    assert_error_shape(client.get(api("get_policy", "no-such-policy")), 404)
    assert_error_shape(client.get(api("list_provisions", "no-such-policy")), 404)


def test_provisions_in_reading_order_with_parent_eids(client, data_industry):
    response = client.get(api("list_provisions", data_industry.slug), {"limit": 500})
    assert response.status_code == 200
    body = response.json()
    stored = list(data_industry.provisions.select_related("parent").order_by("order"))
    assert body["count"] == len(stored) == len(body["items"])
    assert [p["eid"] for p in body["items"]] == [p.eid for p in stored]
    assert [p["parent"] for p in body["items"]] == [
        p.parent.eid if p.parent else None for p in stored
    ]
    seen: set[str] = set()
    for item in body["items"]:
        assert item["parent"] is None or item["parent"] in seen, "a parent precedes its children"
        seen.add(item["eid"])
        assert item["url"] == f"http://testserver/policies/{data_industry.slug}/#{item['eid']}"
    nested = next(p for p in stored if p.parent_id)
    assert body["items"][stored.index(nested)]["depth"] == nested.depth > 0


def test_provisions_paginate_up_to_500(client, data_industry):
    url = api("list_provisions", data_industry.slug)
    assert len(client.get(url, {"limit": 3, "offset": 2}).json()["items"]) == 3
    assert client.get(url, {"limit": 500}).status_code == 200
    assert_error_shape(client.get(url, {"limit": 501}), 422)


def test_targets_filter_by_policy_and_year(client, data_industry, django_assert_num_queries):
    with django_assert_num_queries(2):
        everything = client.get(api("list_targets"), {"limit": 200}).json()
    assert everything["count"] == Target.objects.count()
    mine = client.get(api("list_targets"), {"policy": data_industry.slug}).json()
    assert mine["count"] == data_industry.targets.count() > 0
    assert {t["policy"]["slug"] for t in mine["items"]} == {data_industry.slug}
    year = mine["items"][0]["year"]
    by_year = client.get(api("list_targets"), {"year": year, "limit": 200}).json()
    assert by_year["count"] == Target.objects.filter(year=year).count()
    assert_error_shape(client.get(api("list_targets"), {"year": "soon"}), 422)
    provision = Provision.objects.get(policy=data_industry, eid=mine["items"][0]["provision"])
    assert provision.targets.exists()


def test_bodies(client, data_industry, django_assert_num_queries):
    with django_assert_num_queries(2):
        body = client.get(api("list_bodies"), {"limit": 200}).json()
    assert body["count"] == IssuingBody.objects.count()
    nda = next(b for b in body["items"] if b["name"] == "国家数据局")
    expected_count = Policy.objects.real().filter(bodies__name="国家数据局").count()
    assert nda["policy_count"] == expected_count

    detail = client.get(api("get_body", nda["slug"])).json()
    assert detail["aliases"] == IssuingBody.objects.get(slug=nda["slug"]).aliases
    assert len(detail["policies"]) == detail["policy_count"] == expected_count
    assert data_industry.slug in {p["slug"] for p in detail["policies"]}
    assert_error_shape(client.get(api("get_body", "no-such-body")), 404)


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
