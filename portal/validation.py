"""Refuse malformed requests before any view sees them: a clear 4xx instead of a 500 deeper down.

PostgreSQL refuses NUL in text, psycopg refuses lone surrogates, and nothing useful is a kilobyte
long, so every query parameter and path segment is checked here once, for pages and API alike
(views and search code can then trust ``request.GET``):

* the query string must be valid UTF-8 once percent-decoded (400);
* no control characters (tab, CR and LF excepted in values), private-use characters, surrogates
  or Unicode non-characters, in the path (400) or a parameter;
* bounded sizes: the whole URL (414), each value and the number of parameters, a request
  body (413).

A bad parameter is a 422 on the API, like every other invalid parameter there, and a 400 on pages.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse

from portal.errors import error_response, is_api

MAX_URL_BYTES = 8000  # gunicorn refuses request lines over 8190 bytes
MAX_VALUE_CHARS = 500
MAX_PARAMETERS = 30
MAX_BODY_BYTES = 1_000_000
# Non-characters: U+FDD0..U+FDEF and the last two code points of every plane.
_NONCHARACTER = re.compile("[\ufdd0-\ufdef\ufffe\uffff]")
_ALLOWED_CONTROLS = frozenset("\t\r\n")


def bad_character(text: str, *, allow_whitespace_controls: bool = True) -> str | None:
    """Describe the first character a request must not carry, or None when all are fine."""
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Co"):
            if category == "Cc" and allow_whitespace_controls and char in _ALLOWED_CONTROLS:
                continue
            if char == "\x00":
                return "NUL character U+0000"
            kind = {"Cc": "control", "Cs": "surrogate", "Co": "private-use"}[category]
            return f"{kind} character U+{ord(char):04X}"
        if _NONCHARACTER.match(char) or (ord(char) & 0xFFFE) == 0xFFFE:
            return f"non-character U+{ord(char):04X}"
    return None


def _decode(raw: str, what: str) -> str:
    """Percent-decode a WSGI QUERY_STRING (bytes as latin-1, PEP 3333) as strict UTF-8."""
    data = unquote_to_bytes(raw.encode("latin-1", errors="replace").replace(b"+", b" "))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{what} is not valid UTF-8 (byte {exc.start})") from None


PARAMETER = 0  # status placeholder: 422 on the API, 400 on pages


def problem_in(request: HttpRequest) -> tuple[int, str] | None:
    """(status, detail) for a request to refuse, or None; status PARAMETER for a bad parameter."""
    meta = request.META
    # Django has already decoded the path (bytes that are not UTF-8 are re-percent-encoded, so
    # they can only miss a route: a 404); the query string is still raw.
    path = request.path_info
    raw_query = meta.get("QUERY_STRING", "")
    if len(path.encode("utf-8", "surrogatepass")) + len(raw_query) > MAX_URL_BYTES:
        return 414, f"URL longer than {MAX_URL_BYTES} bytes"
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 400, "invalid Content-Length"
    if length > MAX_BODY_BYTES and not request.path_info.startswith("/admin/"):
        return 413, f"request body larger than {MAX_BODY_BYTES} bytes"
    try:
        # Decode each pair separately so the message can name the parameter.
        pairs = []
        for chunk in raw_query.split("&"):  # "&" only, like Django's QueryDict
            if not chunk:
                continue
            name, _, value = chunk.partition("=")
            pairs.append((_decode(name, "a parameter name"), _decode(value, f"parameter {name}")))
    except ValueError as exc:
        return 400, str(exc)
    problem_char = bad_character(path, allow_whitespace_controls=False)
    if problem_char:
        return 400, f"path contains a {problem_char}"
    if len(pairs) > MAX_PARAMETERS:
        return PARAMETER, f"more than {MAX_PARAMETERS} query parameters"
    for name, value in pairs:
        problem_char = bad_character(name, allow_whitespace_controls=False) or bad_character(value)
        if problem_char:
            return PARAMETER, f"parameter {name[:50]!r} contains a {problem_char}"
        if len(value) > MAX_VALUE_CHARS:
            return PARAMETER, f"parameter {name[:50]!r} is longer than {MAX_VALUE_CHARS} characters"
    return None


class RequestValidationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = problem_in(request)
        if found is not None:
            status, detail = found
            if status == PARAMETER:
                status = 422 if is_api(request) else 400
            return error_response(request, status, detail)
        return self.get_response(request)
