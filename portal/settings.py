"""Settings for the policy knowledge base. Every knob comes from the environment (see .env.example)."""

from __future__ import annotations

import os
import secrets
import warnings
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false)")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None


def database_from_env() -> dict:
    """DATABASE_URL when set; otherwise the project-local cluster on a unix socket (scripts/pg.sh)."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "policykb",
            "USER": "policykb",
            "HOST": str(BASE_DIR / ".pgdata" / "run"),
            "PORT": "5432",
        }
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must be postgres://…, got scheme {parsed.scheme!r}"
        )
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parsed.path.lstrip("/"),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        # libpq's form for a unix socket: postgres://user@/db?host=/run/postgresql
        "HOST": parsed.hostname or parse_qs(parsed.query).get("host", [""])[0],
        "PORT": str(parsed.port or ""),
    }


DEBUG = env_bool("DJANGO_DEBUG", False)
# The key comes from DJANGO_SECRET_KEY, else from the file DJANGO_SECRET_KEY_FILE names (default
# var/secret_key, which `make` generates and git ignores). No committed fallback: a known key
# would let anyone forge sessions and CSRF tokens.
SECRET_KEY_FILE = Path(env_str("DJANGO_SECRET_KEY_FILE") or BASE_DIR / "var" / "secret_key")
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY and SECRET_KEY_FILE.is_file():
    SECRET_KEY = SECRET_KEY_FILE.read_text().strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY (or a DJANGO_SECRET_KEY_FILE) is required when DJANGO_DEBUG is "
            "false; `make secret` writes var/secret_key"
        )
    SECRET_KEY = secrets.token_urlsafe(50)  # DEBUG only: a fresh key per process is fine
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

# HTTPS hardening is on whenever DEBUG is off. The one switch DJANGO_HTTPS=false turns it off for
# plain-HTTP serving on the loopback (`make run`); behind a TLS-terminating proxy also set
# DJANGO_PROXY_SSL_HEADER=true so Django believes X-Forwarded-Proto.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container healthcheck speaks plain HTTP inside
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("DJANGO_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (portal/middleware/security.py): no inline script anywhere; inline
# styles stay allowed because the bundled Swagger UI sets style attributes from its script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "ninja",  # serves the Swagger UI files locally instead of from a CDN
    "import_export",
    "policies",
    "search",
    "portal.apps.PortalConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.security.ContentSecurityPolicyMiddleware",
    # Serves static/ itself, so `make run` (DEBUG off) and the container need no extra web server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Malformed input is refused before anything else reads it; API errors get one JSON shape.
    "portal.validation.RequestValidationMiddleware",
    "portal.errors.ApiErrorMiddleware",
    "portal.ratelimit.RateLimitMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "portal.caching.RevalidateMiddleware",
    "django.middleware.cache.UpdateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.routers.PrimaryForWritesMiddleware",  # read scaling: see portal/routers.py
    "django.middleware.cache.FetchFromCacheMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_from_env()}
if env_str(
    "DJANGO_DB_NAME"
):  # another database on the same server (tests drive commands on theirs)
    DATABASES["default"]["NAME"] = env_str("DJANGO_DB_NAME")
# Persistent connections, checked before reuse so a restarted server is reconnected to without
# restarting the app. Each gunicorn worker holds one (portal/gunicorn.conf.py keeps the worker
# count far below max_connections=50 of the local cluster).
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DJANGO_CONN_MAX_AGE", 300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
if env_str("TEST_DB_NAME"):  # lets two test runs share one server without clashing
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DB_NAME")}
# Read replicas (portal/routers.py): off unless DATABASE_REPLICAS lists them ("local" for the
# one `make replica` starts, or postgres:// URLs); then reads go there, writes to "default".
from portal.routers import replica_databases  # noqa: E402

DATABASES.update(
    replica_databases(env_list("DATABASE_REPLICAS", []), DATABASES["default"], BASE_DIR)
)
DATABASE_ROUTERS = ["portal.routers.ReadReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = True  # serve straight from static/ without collectstatic
WHITENOISE_AUTOREFRESH = DEBUG
# WhiteNoise warns when STATIC_ROOT was never collected; we serve from the finders instead.
warnings.filterwarnings("ignore", message="No directory at")

# Where the ingestion pipeline finds sources, curated metadata and the curated dictionary.
FIXTURES_DIR = BASE_DIR / "fixtures"
SOURCES_DIR = FIXTURES_DIR / "sources"
METADATA_DIR = FIXTURES_DIR / "metadata"
# Largest file a curator may upload in the admin; it waits in the session until published.
POLICY_UPLOAD_MAX_BYTES = env_int("POLICY_UPLOAD_MAX_MB", 20) * 2**20
# Ingestion gives up (with a message) on a statement running or a lock awaited longer than this.
INGEST_STATEMENT_TIMEOUT = env_int("INGEST_STATEMENT_TIMEOUT", 600)
INGEST_LOCK_TIMEOUT = env_int("INGEST_LOCK_TIMEOUT", 30)
# jieba writes a dictionary cache; keep it inside the project rather than a shared /tmp path.
JIEBA_CACHE_DIR = Path(env_str("JIEBA_CACHE_DIR") or BASE_DIR / "var" / "jieba")

# Response cache (portal/caching.py) and rate-limit counters (portal/ratelimit.py). File-based so
# every worker process on the host shares them; a change to any record clears "default".
CACHE_DIR = Path(env_str("DJANGO_CACHE_DIR") or BASE_DIR / "var" / "cache")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(CACHE_DIR / "responses"),
        "TIMEOUT": 600,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(CACHE_DIR / "ratelimit"),
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
}
CACHE_MIDDLEWARE_SECONDS = 600
CACHE_MIDDLEWARE_KEY_PREFIX = "r1"
# Requests per client and minute (0 = unlimited); failed admin logins per client and minute.
RATE_LIMITS = {
    "search": env_int("DJANGO_RATELIMIT_SEARCH", 120),
    "api": env_int("DJANGO_RATELIMIT_API", 600),
}
LOGIN_FAILURES_PER_MINUTE = env_int("DJANGO_LOGIN_FAILURES_PER_MINUTE", 5)
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024  # admin uploads of large source files

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
