"""The assembled JSON API (/api/v1/); each app contributes one router.

Every 4xx answers the same shape: {"detail": "...", "errors": [...]}.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError

from policies.api import router as policies_router
from search.api import router as search_router

api = NinjaAPI(
    title="政策知识库 API",
    version="1",
    description="Chinese policy documents as structured records: policies, provisions, targets, bodies, search.",
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "invalid request parameters", "errors": exc.errors}, status=422
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(exc) or "not found", "errors": []}, status=404
    )


api.add_router("/", policies_router)
api.add_router("/", search_router)
