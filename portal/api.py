"""The assembled JSON API (/api/v1/); each app contributes one router."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="政策知识库 API", version="1", urls_namespace="api")
