"""Property-based check of the API against its own OpenAPI document (schemathesis).

Every GET operation of /api/v1/openapi.json, called in-process through the WSGI application with
generated valid and invalid parameters: no 5xx, every status and content type declared, every
body valid against the declared schema. The example count is bounded so `make test` stays quick;
raise SCHEMATHESIS_MAX_EXAMPLES for a deeper run.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from portal.wsgi import application

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def keep_test_connection():
    """Called straight through WSGI, the app would close the test's connection at the end of each
    request (it is inside the test's transaction); Django's own test client avoids that the same
    way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples every run: a failure reproduces
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case):
    excluded = []
    query = case.query or {}
    years = [str(query.get(name, "")) for name in ("year_from", "year_to")]
    if all(year.lstrip("-").isdigit() for year in years) and int(years[0]) > int(years[1]):
        # An inverted year range is a 422 by design (issue: "inverted year range → 422 with a
        # message"); OpenAPI cannot state a rule between two parameters, so schema-valid data
        # is rejected here on purpose. Every other check still runs on these cases.
        excluded.append(positive_data_acceptance)
    case.call_and_validate(excluded_checks=excluded)
