"""The project itself as an app: connects response-cache invalidation and the login throttle."""

from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "portal"

    def ready(self) -> None:
        from portal import ratelimit  # noqa: F401  (connects the failed-login counter)
        from portal.caching import connect_invalidation

        connect_invalidation()
