"""Shared fixtures: the five seed documents are loaded once per test session into the test database."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load fixtures/sources/ once; tests run in transactions on top and roll back."""
    with django_db_blocker.unblock():
        call_command("load_policies", verbosity=0)
