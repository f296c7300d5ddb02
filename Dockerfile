# Development image for the web app (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    JIEBA_CACHE_DIR=/app/var/jieba

WORKDIR /app

# Dependencies first so the layer is cached until requirements.lock changes.
# (psycopg-binary bundles libpq; no system packages are needed.)
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .

RUN useradd --create-home --uid 1000 app \
    && mkdir -p /app/var/jieba \
    && chown -R app:app /app/var
USER app

EXPOSE 8000

CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py load_policies && exec python manage.py runserver 0.0.0.0:8000"]
