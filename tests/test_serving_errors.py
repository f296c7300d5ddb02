"""No 500 on any input, and every API error in one JSON shape (issue 8)."""

from __future__ import annotations

import pytest
from django.db import connections
from django.urls import reverse

from policies.models import IssuingBody, Policy

PROBLEM_KEYS = {"type", "title", "status", "detail", "errors"}

# Raw query strings / paths as a hostile client sends them (already percent-encoded).
BAD_VALUES = {
    "%00": "NUL character U+0000",
    "a%01b": "control character U+0001",
    "%ED%A0%80": "not valid UTF-8",  # a lone surrogate, encoded
    "%FF%FE": "not valid UTF-8",
    "%EE%80%80": "private-use character U+E000",
    "%EF%BF%BE": "non-character U+FFFE",
    "x" * 600: "longer than 500 characters",
}

API_PARAMS = [
    ("/api/v1/policies", "type"),
    ("/api/v1/policies", "status"),
    ("/api/v1/policies", "body"),
    ("/api/v1/targets", "policy"),
    ("/api/v1/search", "type"),
    ("/api/v1/search", "q"),
]
PAGE_PARAMS = [("/policies/", "type"), ("/", "status"), ("/search/", "q"), ("/search/", "body")]


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert body["status"] == status
    assert body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], list)
    return body


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "name"), API_PARAMS)
@pytest.mark.parametrize("raw", list(BAD_VALUES))
def test_bad_api_parameters_are_4xx_problems(client, path, name, raw):
    response = client.get(f"{path}?{name}={raw}")
    expected = 400 if BAD_VALUES[raw] == "not valid UTF-8" else 422
    body = assert_problem(response, expected)
    assert BAD_VALUES[raw] in body["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "name"), PAGE_PARAMS)
@pytest.mark.parametrize("raw", list(BAD_VALUES))
def test_bad_page_parameters_are_400_pages(client, path, name, raw):
    response = client.get(f"{path}?{name}={raw}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/policies/%00", "/api/v1/bodies/%00", "/api/v1/policies/%00/provisions"]
)
def test_nul_in_api_path_is_400(client, path):
    body = assert_problem(client.get(path), 400)
    assert "U+0000" in body["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/policies/%00/", "/bodies/%ED%A0%80/", "/policies/%EE%80%80/"])
def test_bad_page_paths_are_4xx(client, path):
    assert client.get(path).status_code in (400, 404)


@pytest.mark.django_db
def test_unknown_route_and_trailing_slash_are_json_404(client):
    for path in ("/api/v1/nope", "/api/v1/policies/", "/api/v2/policies"):
        assert_problem(client.get(path), 404)


@pytest.mark.django_db
def test_unknown_slug_is_json_404_naming_it(client):
    body = assert_problem(client.get("/api/v1/policies/no-such-policy"), 404)
    assert "no-such-policy" in body["detail"]


@pytest.mark.django_db
def test_wrong_method_is_json_405_with_allow(client):
    response = client.post("/api/v1/policies", data={})
    assert_problem(response, 405)
    assert response["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.django_db
def test_over_long_url_is_414_and_big_body_413(client):
    assert_problem(client.get("/api/v1/search?q=" + "%E6%95%B0" * 3000), 414)
    response = client.generic(
        "POST", "/api/v1/policies", data=b"x" * 1_000_001, content_type="application/json"
    )
    assert_problem(response, 413)


@pytest.mark.django_db
def test_head_and_options_on_get_routes(client):
    get = client.get("/api/v1/bodies")
    head = client.head("/api/v1/bodies")
    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Length"] == str(len(get.content))
    assert head["Content-Type"] == get["Content-Type"]
    options = client.options("/api/v1/policies")
    assert options.status_code == 204
    assert options["Allow"] == "GET, HEAD, OPTIONS"
    assert_problem(client.options("/api/v1/nope"), 404)


@pytest.mark.django_db
def test_head_of_missing_resource_is_404_without_body(client):
    response = client.head("/api/v1/policies/no-such-policy")
    assert response.status_code == 404
    assert response.content == b""


@pytest.mark.django_db
def test_good_requests_still_answer(client):
    policy = Policy.objects.real().first()
    body = IssuingBody.objects.first()
    assert client.get(f"/api/v1/policies/{policy.slug}").json()["slug"] == policy.slug
    assert client.get(f"/api/v1/bodies/{body.slug}").json()["name"] == body.name
    assert client.get("/api/v1/search", {"q": "数据\t要素"}).status_code == 200
    assert client.get(reverse("search:page"), {"q": "数据"}).status_code == 200


@pytest.mark.django_db
def test_database_down_is_503_and_recovers(client):
    """A real connection failure (the server's socket gone), then the server back.

    Played on a copy of the connection in place of the test's (which holds the test's
    transaction), so the failure and the reconnect are real."""
    original = connections["default"]
    stand_in = original.copy()
    host = stand_in.settings_dict["HOST"]
    connections["default"] = stand_in
    try:
        stand_in.settings_dict["HOST"] = "/nonexistent-policykb-socket-dir"
        body = assert_problem(client.get("/api/v1/bodies"), 503)
        assert body["detail"] == "database unavailable"
        page = client.get("/bodies/")
        assert page.status_code == 503
        assert page["Content-Type"].startswith("text/html")
        # The server is back; nothing is restarted: the next request reconnects.
        stand_in.settings_dict["HOST"] = host
        response = client.get("/api/v1/bodies")
        assert response.status_code == 200
        assert response.json()["count"] == IssuingBody.objects.using("default").count()
    finally:
        stand_in.close()
        connections["default"] = original
