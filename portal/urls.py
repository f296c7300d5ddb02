"""Root URLs: pages, admin and the JSON API."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from portal.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("search.urls")),
    path("", include("policies.urls")),
]
