"""Root URLs: pages, admin and the JSON API; error handlers answer JSON under /api/."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from portal.api import api
from portal.health import healthz
from portal.ratelimit import throttled_login

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/login/", throttled_login(admin.site.login), name="throttled_admin_login"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("search.urls")),
    path("", include("policies.urls")),
]

handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
