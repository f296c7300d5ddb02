"""Shared fixtures: the five seed documents are loaded once per test session into the test database."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load fixtures/sources/ once; tests run in transactions on top and roll back."""
    with django_db_blocker.unblock():
        call_command("load_policies", verbosity=0)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counters live in an in-process cache: one test's failed logins from 127.0.0.1
    must not throttle the next test's (the live server shares this process)."""
    from django.core.cache import caches

    caches["ratelimit"].clear()
