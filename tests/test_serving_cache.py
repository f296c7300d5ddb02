"""Read-heavy answers cached, invalidated when a record changes; ETag and conditional GET."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from policies.models import IssuingBody
from portal.caching import clear_response_cache

pytestmark = pytest.mark.django_db

LOCAL_CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"},
    "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "trl"},
}


@pytest.fixture
def cached():
    with override_settings(CACHES=LOCAL_CACHES):
        caches["default"].clear()
        yield
        caches["default"].clear()


@pytest.mark.parametrize("path", ["/api/v1/bodies", "/bodies/", "/api/v1/search?q=数据"])
def test_second_request_is_served_without_queries(cached, client, django_assert_num_queries, path):
    first = client.get(path)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = client.get(path)
    assert second.content == first.content
    assert second["Cache-Control"] == "no-cache"  # clients revalidate


def test_an_edit_clears_the_cache_on_commit(cached, client, django_capture_on_commit_callbacks):
    body = IssuingBody.objects.order_by("name").first()
    before = client.get("/api/v1/bodies").json()
    assert body.name in [item["name"] for item in before["items"]]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        body.name = body.name + "（测试）"
        body.save()
        body.aliases = [*body.aliases, "测试别名"]
        body.save()
    # Once per transaction, however many saves.
    assert [c for c in callbacks if c is clear_response_cache] == [clear_response_cache]
    after = client.get("/api/v1/bodies").json()
    assert body.name in [item["name"] for item in after["items"]]


def test_etag_and_conditional_get(cached, client):
    first = client.get("/api/v1/bodies")
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    not_modified = client.get("/api/v1/bodies", HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    changed = client.get("/api/v1/bodies", HTTP_IF_NONE_MATCH='"something-else"')
    assert changed.status_code == 200
    assert changed.content == first.content


def test_errors_are_not_cached(cached, client):
    assert client.get("/api/v1/policies/no-such").status_code == 404
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/policies/no-such").status_code == 404
    assert len(queries) >= 1  # answered by the view again, not from the cache
