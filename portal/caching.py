"""Whole-response caching of the read-only pages and API answers, invalidated on every change.

Django's cache middleware (``UpdateCacheMiddleware``/``FetchFromCacheMiddleware``) stores GET/HEAD
200 answers that set no cookie and are not ``private`` (the admin is ``private``), keyed by URL.
``ConditionalGetMiddleware`` adds an ETag and answers ``If-None-Match`` with 304. Clients are told
``no-cache``: they may keep a copy but must revalidate, so an edit is visible at once.

Any saved or deleted record of the ``policies`` or ``search`` apps clears the cache once its
transaction commits (the loader always saves a SourceDocument, so every load counts). The cache
is file-based by default: every worker on the host shares it, and a clear reaches all of them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

WATCHED_APPS = ("policies", "search")


def clear_response_cache() -> None:
    caches["default"].clear()


def _schedule_clear(**kwargs) -> None:
    if kwargs.get("raw"):
        return
    # Once per transaction, however many rows it saves.
    pending = any(func is clear_response_cache for _, func, _ in connection.run_on_commit)
    if not pending:
        transaction.on_commit(clear_response_cache)


def connect_invalidation() -> None:
    for label in WATCHED_APPS:
        for model in apps.get_app_config(label).get_models():
            uid = f"portal_cache_{model._meta.label_lower}"
            post_save.connect(_schedule_clear, sender=model, dispatch_uid=f"{uid}_save")
            post_delete.connect(_schedule_clear, sender=model, dispatch_uid=f"{uid}_delete")
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(
                    _schedule_clear, sender=field.remote_field.through, dispatch_uid=f"{uid}_m2m"
                )


class RevalidateMiddleware:
    """Cached answers may be kept by clients only if they revalidate (ETag → 304).

    Sits outside UpdateCacheMiddleware, which refuses to store a ``no-cache`` response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        cache_control = response.get("Cache-Control", "")
        if request.method in ("GET", "HEAD") and not any(
            directive in cache_control for directive in ("private", "no-store")
        ):
            # Replaces the max-age/Expires the cache middleware sets for its own timeout.
            del response["Cache-Control"]
            del response["Expires"]
            patch_cache_control(response, no_cache=True)
        return response
