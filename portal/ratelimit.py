"""Per-client rate limits: search and the API, and failed admin logins.

Fixed one-minute windows counted in the ``ratelimit`` cache (file-based by default, so every
gunicorn worker on the host shares the counts; point it at memcached/Redis for several hosts).
The client is ``REMOTE_ADDR``: behind a reverse proxy, the proxy must set it (or be the one
limiting). A refused request is a 429 with ``Retry-After`` — problem JSON on the API.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import caches
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from portal.errors import error_response

WINDOW_SECONDS = 60


def client_of(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(scope: str, client: str, window: int) -> str:
    digest = hashlib.sha1(client.encode()).hexdigest()[:16]
    return f"rl:{scope}:{digest}:{window}"


def hit(scope: str, client: str, *, count: bool = True) -> int:
    """Requests (or failures) seen in the current window, including this one when ``count``."""
    cache = caches["ratelimit"]
    window = int(time.time()) // WINDOW_SECONDS
    key = _key(scope, client, window)
    if not count:
        return cache.get(key, 0)
    if cache.add(key, 1, WINDOW_SECONDS * 2):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS * 2)
        return 1


def retry_after() -> str:
    return str(WINDOW_SECONDS - int(time.time()) % WINDOW_SECONDS)


def scope_of(request: HttpRequest) -> str | None:
    path = request.path_info
    if path.startswith("/api/") and not path.startswith("/api/v1/docs"):
        return "search" if path.startswith("/api/v1/search") else "api"
    if path.startswith("/search/"):
        return "search"
    return None


class RateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scope = scope_of(request)
        if scope is not None:
            limit = settings.RATE_LIMITS.get(scope, 0)
            if limit and hit(scope, client_of(request)) > limit:
                return error_response(
                    request,
                    429,
                    f"more than {limit} {scope} requests a minute from this client",
                    Retry_After=retry_after(),
                )
        return self.get_response(request)


# --- admin login ---------------------------------------------------------------------------------


def _login_client(request: HttpRequest | None) -> str:
    return client_of(request) if request is not None else "unknown"


@receiver(user_login_failed)
def count_failed_login(sender, credentials, request=None, **kwargs) -> None:
    hit("login", _login_client(request))


def throttled_login(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap the admin login: after LOGIN_FAILURES_PER_MINUTE failures a client waits (429)."""

    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        limit = settings.LOGIN_FAILURES_PER_MINUTE
        if request.method == "POST" and hit("login", _login_client(request), count=False) >= limit:
            return error_response(
                request, 429, "too many failed logins; wait a minute", Retry_After=retry_after()
            )
        return view(request, *args, **kwargs)

    return wrapper
