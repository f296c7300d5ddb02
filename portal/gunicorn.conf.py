"""gunicorn settings for `make run` and the container (``gunicorn -c portal/gunicorn.conf.py``).

Sync workers, two per core plus one (GUNICORN_WORKERS overrides). Each worker keeps one
persistent database connection (CONN_MAX_AGE), so the count stays far below the local cluster's
max_connections=50 even with a few management commands running beside it. The app is preloaded
and jieba's dictionary read once in the master, so the forked workers share it instead of each
spending a second and ~50 MB on it.
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS") or min(2 * multiprocessing.cpu_count() + 1, 12))
worker_class = "sync"
preload_app = True
wsgi_app = "portal.wsgi:application"
timeout = 30
graceful_timeout = 20
# Recycle workers now and then so a slow leak cannot grow forever; jittered so they don't all
# restart at once.
max_requests = 20_000
max_requests_jitter = 2_000
# The kernel queues bursts beyond the workers (50 concurrent clients on 5 workers).
backlog = 512
# Same limits as portal/validation.py, enforced before Django sees the request.
limit_request_line = 8190
# gunicorn's control socket defaults to one path per user ($HOME/.gunicorn): two checkouts served
# side by side would fight over it, and nothing here uses it.
control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")


def when_ready(server) -> None:
    """Runs in the master after the app is loaded and before any worker is forked."""
    from django.db import connections

    from search.segment import segment

    segment("政策知识库预热")  # builds the jieba tokenizer now, shared copy-on-write after fork
    connections.close_all()  # a socket opened here must not be shared by the workers
    server.log.info("jieba dictionary loaded before fork; %s workers", server.cfg.workers)
