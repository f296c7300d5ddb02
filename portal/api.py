"""The assembled JSON API (/api/v1/); each app contributes one router.

Every error answers one shape, RFC 9457 problem details that keep the older ``detail``/``errors``
keys (portal/errors.py). The OpenAPI document declares, on every operation, each error status the
middleware in front of the API can give, so clients and schemathesis see the whole contract.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError

from policies.api import router as policies_router
from portal.errors import problem_response
from portal.validation import MAX_VALUE_CHARS
from search.api import router as search_router

# Statuses any GET operation can answer besides its own, and why.
COMMON_ERRORS = {
    "400": "malformed request: invalid UTF-8, a control/private-use character, an over-long value",
    "404": "no such resource",
    "414": "URL too long",
    "422": "invalid request parameters",
    "429": "rate limit exceeded (see Retry-After)",
    "500": "server error",
    "503": "database unavailable (see Retry-After)",
}

PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; `detail` and `errors` kept for older clients",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {}},
    },
    "required": ["type", "title", "status", "detail", "errors"],
}


def _plane_noncharacters() -> str:
    return "".join(f"\\U{plane:04X}FFFE\\U{plane:04X}FFFF" for plane in range(1, 17))


# What portal/validation.py refuses in any parameter, as a JSON Schema pattern, so the contract
# says it: control characters (tab/CR/LF allowed in query values), private use, non-characters.
# Written as escapes (Python, Rust and ECMA regexes read \uXXXX; the first two \UXXXXXXXX). Lone
# surrogates need no rule: they cannot be sent as UTF-8, and invalid UTF-8 is a declared 400.
_REFUSED = (
    "\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uE000-\\uF8FF\\uFDD0-\\uFDEF"
    "\\uFFFE\\uFFFF\\U000F0000-\\U0010FFFF" + _plane_noncharacters()
)
QUERY_VALUE_PATTERN = f"^[^{_REFUSED}]*$"
PATH_VALUE_PATTERN = f"^[^{_REFUSED}\\t\\n\\r]*$"


def _constrain_strings(parameter: dict) -> None:
    """Declare the request validation's limits on a string parameter."""
    pattern = PATH_VALUE_PATTERN if parameter.get("in") == "path" else QUERY_VALUE_PATTERN
    schema = parameter.get("schema", {})
    for variant in [schema, *schema.get("anyOf", [])]:
        if variant.get("type") == "string":
            variant["pattern"] = pattern
            variant["maxLength"] = min(variant.get("maxLength", MAX_VALUE_CHARS), MAX_VALUE_CHARS)


class PortalAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any):
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        ref = {"$ref": "#/components/schemas/Problem"}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                for parameter in operation.get("parameters", []):
                    _constrain_strings(parameter)
                responses = operation["responses"]
                for status, description in COMMON_ERRORS.items():
                    responses[status] = {
                        "description": description,
                        "content": {"application/problem+json": {"schema": ref}},
                    }
        return schema


api = PortalAPI(
    title="政策知识库 API",
    version="1",
    description="Chinese policy documents as structured records: policies, provisions, targets, "
    "bodies, search. Errors are RFC 9457 problem details (`application/problem+json`).",
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return problem_response(422, "invalid request parameters", exc.errors)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404, str(exc) or "not found")


api.add_router("/", policies_router)
api.add_router("/", search_router)
