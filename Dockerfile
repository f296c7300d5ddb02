# Production image of the web app (see docker-compose.yml): gunicorn, DEBUG off, no secrets inside.

# The index build's C loops (search/_speedups.c), compiled in a stage of their own so that the
# image carries no compiler.
FROM python:3.11-slim AS speedups
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY scripts/speedups.sh scripts/
COPY search/_speedups.c search/
RUN bash scripts/speedups.sh python && test -f search/_speedups.cpython-311-*.so

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_DEBUG=false \
    JIEBA_CACHE_DIR=/app/var/jieba \
    DJANGO_CACHE_DIR=/app/var/cache \
    GUNICORN_BIND=0.0.0.0:8000

WORKDIR /app

# Dependencies first so the layer is cached until requirements.lock changes.
# (psycopg-binary bundles libpq; no system packages are needed.)
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .
COPY --from=speedups /src/search/_speedups.cpython-311-*.so search/

RUN useradd --create-home --uid 1000 app \
    && mkdir -p /app/var/jieba /app/var/cache \
    && chown -R app:app /app/var
USER app

EXPOSE 8000

# The healthcheck asks the app's /healthz (which asks the database).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "scripts/healthcheck.py"]

# Migrate and load as the app's (non-superuser) role, then serve. DJANGO_SECRET_KEY and
# DJANGO_ALLOWED_HOSTS come from the environment; settings refuse to start without the key.
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py load_policies && exec gunicorn -c portal/gunicorn.conf.py"]
