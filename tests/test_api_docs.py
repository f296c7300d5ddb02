"""The OpenAPI docs work on a machine without internet: Swagger UI is served locally."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_docs_page_uses_local_swagger(client):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn.jsdelivr.net" not in page
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/policies", "/api/v1/search", "/api/v1/targets", "/api/v1/bodies"} <= set(
        schema["paths"]
    )
