"""Settings for the test suite: the real settings with a throwaway key and in-process caches."""

from __future__ import annotations

import os

# Tests run with DEBUG off (as pytest-django forces) and over plain HTTP.
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-" + "k" * 40 + "-not-a-secret")
os.environ.setdefault("DJANGO_HTTPS", "false")

from portal.settings import *  # noqa: F403

CACHES = {
    # No response cache: test transactions roll back without the commit that would clear it.
    # tests/test_serving_cache.py switches a real one on.
    "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl"},
}
RATE_LIMITS = {"search": 0, "api": 0}  # tests that need limits override them
