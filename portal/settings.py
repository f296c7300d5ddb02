"""Settings for the policy knowledge base. Every knob comes from the environment (see .env.example)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from urllib.parse import unquote, urlparse

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
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
    }


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = (
    env_str("DJANGO_SECRET_KEY") or "dev-only-insecure-key-set-DJANGO_SECRET_KEY-in-production"
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves static/ itself, so `make run` (DEBUG off) and the container need no extra web server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.routers.PrimaryForWritesMiddleware",  # read scaling: see portal/routers.py
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
# jieba writes a dictionary cache; keep it inside the project rather than a shared /tmp path.
JIEBA_CACHE_DIR = Path(env_str("JIEBA_CACHE_DIR") or BASE_DIR / "var" / "jieba")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
