"""One error shape for the API, and error pages for everything else.

Every API error answers RFC 9457 problem details that keep the project's older keys::

    {"type": "about:blank", "title": "Not Found", "status": 404,
     "detail": "no policy with slug 'x'", "errors": []}

:func:`problem_response` builds it; :class:`ApiErrorMiddleware` rewrites whatever else an API
request produced (Django's 404 for an unknown route, django-ninja's bare 405, a 500) into it, and
answers HEAD and OPTIONS on the API's GET routes. The ``handler*`` views serve pages: the site's
``templates/404.html``/``500.html`` when present, a plain Chinese message otherwise. A database
that is down or restarting is a 503 (JSON on the API), not a 500; Django drops the broken
connection at the end of the request, so the next request reconnects by itself.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from http import HTTPStatus

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.html import escape
from ninja.responses import NinjaJSONEncoder

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
PROBLEM_CONTENT_TYPE = "application/problem+json"
# The API only has GET routes; these are what every one of them answers.
API_ALLOWED_METHODS = "GET, HEAD, OPTIONS"

PAGE_MESSAGES = {
    400: "请求无效",
    403: "禁止访问",
    404: "页面不存在",
    405: "不支持该请求方法",
    413: "请求内容过大",
    414: "请求地址过长",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误",
    503: "服务暂时不可用，请稍后再试",
}


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def problem(status: int, detail: str = "", errors: list | None = None) -> dict:
    phrase = HTTPStatus(status).phrase
    return {
        "type": "about:blank",
        "title": phrase,
        "status": status,
        "detail": detail or phrase.lower(),
        "errors": errors if errors is not None else [],
    }


def problem_response(
    status: int, detail: str = "", errors: list | None = None, **headers: str
) -> JsonResponse:
    response = JsonResponse(
        problem(status, detail, errors),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        encoder=NinjaJSONEncoder,
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def page_response(request: HttpRequest, status: int, detail: str = "") -> HttpResponse:
    """An HTML error page: the site's template for the status if there is one."""
    context = {"status": status, "message": PAGE_MESSAGES.get(status, ""), "detail": detail}
    try:
        body = render_to_string(f"{status}.html", context, request=request)
    except TemplateDoesNotExist:
        body = (
            '<!doctype html><html lang="zh-CN"><meta charset="utf-8">'
            f"<title>{status} {context['message']}</title>"
            f"<h1>{status} {context['message']}</h1>"
            + (f"<p>{escape(detail)}</p>" if detail else "")
            + "</html>"
        )
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def error_response(request: HttpRequest, status: int, detail: str = "", **headers: str):
    """The right error for the request: problem JSON on the API, a page elsewhere."""
    if is_api(request):
        return problem_response(status, detail, **headers)
    response = page_response(request, status, detail)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


# --- Django's error handlers (set in portal/urls.py) -------------------------------------------


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 404, "no such resource" if is_api(request) else "")


def server_error(request: HttpRequest) -> HttpResponse:
    # Called from inside Django's except block, so the exception is still at hand.
    if database_unavailable(sys.exc_info()[1]):
        return error_response(request, 503, "database unavailable", Retry_After="5")
    return error_response(request, 500)


# --- middleware ---------------------------------------------------------------------------------


class ApiErrorMiddleware:
    """Every API error in the problem shape; HEAD and OPTIONS on the API's GET routes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api(request):
            return self.get_response(request)
        if request.method == "OPTIONS":
            return self._options(request)
        head = request.method == "HEAD"
        if head:
            request.method = "GET"  # the GET route answers; its body is dropped below
        response = self.get_response(request)
        if head:
            request.method = "HEAD"
        if response.status_code >= 400:
            response = self._as_problem(response)
        if response.status_code == 405:
            response["Allow"] = API_ALLOWED_METHODS
        if head and not response.streaming:
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api(request):
            if database_unavailable(exception):
                return page_response(request, 503)
            return None
        if database_unavailable(exception):
            logger.warning("database unavailable: %s", exception)
            return problem_response(503, "database unavailable", Retry_After="5")
        logger.exception("API error on %s", request.path, exc_info=exception)
        if settings.DEBUG:
            return None  # Django's technical page helps more while developing
        return problem_response(500)

    def _options(self, request: HttpRequest) -> HttpResponse:
        try:
            resolve(request.path_info)
        except Resolver404:
            return problem_response(404, "no such resource")
        response = HttpResponse(status=204)
        response["Allow"] = API_ALLOWED_METHODS
        return response

    @staticmethod
    def _as_problem(response: HttpResponse) -> HttpResponse:
        status = response.status_code
        if getattr(response, "streaming", False):
            return problem_response(status)
        content_type = response.get("Content-Type", "")
        if "json" in content_type:
            try:
                body = json.loads(response.content)
            except ValueError:
                body = None
            if isinstance(body, dict) and "detail" in body:
                shaped = problem(status, str(body["detail"]), body.get("errors") or [])
                if body == shaped:
                    return response
                new = problem_response(status, shaped["detail"], shaped["errors"])
            else:
                new = problem_response(status)
        else:
            detail = "method not allowed" if status == 405 else ""
            new = problem_response(status, detail)
        for header in ("Retry-After", "Allow"):
            if header in response:
                new[header] = response[header]
        return new
