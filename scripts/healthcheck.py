"""Container healthcheck (Dockerfile, docker-compose.yml): exit 0 when /healthz answers 200.

Standard library only (the slim image has no curl). Asks with the first allowed host name, so
Django's host check passes whatever DJANGO_ALLOWED_HOSTS says; /healthz is exempt from the HTTPS
redirect, so this works with DJANGO_HTTPS on or off.
"""

from __future__ import annotations

import http.client
import os
import sys

port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rsplit(":", 1)[-1]
hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")]
host = next((h.lstrip(".") for h in hosts if h and h != "*"), "localhost")
try:
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=4)
    conn.request("GET", "/healthz", headers={"Host": host})
    status = conn.getresponse().status
except OSError as exc:
    print(f"healthcheck: {exc}", file=sys.stderr)
    sys.exit(1)
sys.exit(0 if status == 200 else 1)
