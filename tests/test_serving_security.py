"""Safe settings, links, headers and limits (issue 8)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import tablib
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from policies.models import Policy
from policies.resources import PolicyResource

BASE = Path(settings.BASE_DIR)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, str(BASE / "manage.py"), *args],
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_only_debug_key_and_hosts():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="kb.example.org",
        DJANGO_SECRET_KEY_FILE="/nonexistent",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_required_when_debug_is_off():
    result = manage("check", DJANGO_DEBUG="false", DJANGO_SECRET_KEY_FILE="/nonexistent")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "is required when DJANGO_DEBUG is false" in result.stderr


def test_plain_http_switch_turns_https_settings_off():
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    key = secrets.token_urlsafe(50)
    on = manage("shell", "-c", code, DJANGO_DEBUG="false", DJANGO_SECRET_KEY=key)
    off = manage(
        "shell", "-c", code, DJANGO_DEBUG="false", DJANGO_SECRET_KEY=key, DJANGO_HTTPS="false"
    )
    assert on.stdout.split()[-3:] == ["True", "True", "31536000"], on.stderr
    assert off.stdout.split()[-3:] == ["False", "False", "0"], off.stderr


@pytest.mark.django_db
def test_pages_carry_a_csp_without_inline_script(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert script_src.strip() == "'self'"
    assert "frame-ancestors 'none'" in csp
    assert client.get("/api/v1/docs")["Content-Security-Policy"] == csp


def test_templates_hold_no_inline_script():
    for template in (BASE / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (template, tag)
        assert not re.search(r"\son[a-z]+\s*=", text), template  # onclick= and friends


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "ftp://x.org/a"]
)
def test_model_refuses_non_http_urls(url):
    field = Policy._meta.get_field("source_url")
    with pytest.raises(ValidationError):
        field.clean(url, None)


@pytest.mark.django_db
def test_import_export_refuses_javascript_url():
    dataset = tablib.Dataset(headers=["slug", "title", "source_url", "authors", "bodies"])
    dataset.append(["js-link", "关于测试的通知", "javascript:alert(1)", "", ""])
    result = PolicyResource().import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    assert not Policy.objects.filter(slug="js-link").exists()


@pytest.mark.django_db
def test_admin_form_refuses_javascript_url(admin_client):
    policy = Policy.objects.real().first()
    url = reverse("admin:policies_policy_change", args=[policy.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {
        name: ("javascript:alert(1)" if name == "source_url" else value)
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    data.update({"title": policy.title, "slug": policy.slug})
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, with its error
    assert "source_url" in response.context["adminform"].form.errors
    policy.refresh_from_db()
    assert not policy.source_url.startswith("javascript")


@pytest.fixture
def one_window(monkeypatch):
    """Limits count per fixed minute: a test that straddles a minute boundary would start a
    fresh count half-way. Hold the limiter's clock inside one window."""
    import portal.ratelimit

    now = portal.ratelimit.time.time()
    monkeypatch.setattr(portal.ratelimit.time, "time", lambda: now)


@pytest.mark.django_db
def test_api_rate_limit_answers_429_problem(client, one_window):
    with override_settings(RATE_LIMITS={"api": 3, "search": 2}):
        statuses = [client.get("/api/v1/bodies").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = client.get("/api/v1/bodies")
        body = response.json()
        assert body["status"] == 429 and set(body) >= {"detail", "errors"}
        assert 1 <= int(response["Retry-After"]) <= 60
        # Search has its own, smaller budget, on the page and the API alike.
        assert client.get("/search/", {"q": "数据"}).status_code == 200
        assert client.get("/api/v1/search", {"q": "数据"}).status_code == 200
        assert client.get("/search/", {"q": "数据"}).status_code == 429
        # Another client is not affected.
        other = client.get("/api/v1/bodies", REMOTE_ADDR="10.0.0.9")
        assert other.status_code == 200


@pytest.mark.django_db
def test_admin_login_is_throttled_after_failures(client, one_window):
    User.objects.create_superuser("curator", password="right-password-123")
    url = reverse("admin:login")
    for _ in range(settings.LOGIN_FAILURES_PER_MINUTE):
        response = client.post(url, {"username": "curator", "password": "wrong"})
        assert response.status_code == 200  # the form again
    response = client.post(url, {"username": "curator", "password": "right-password-123"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another client still logs in.
    response = client.post(
        url, {"username": "curator", "password": "right-password-123"}, REMOTE_ADDR="10.0.0.7"
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_healthz_answers_over_plain_http_even_with_https_on():
    from django.test import Client

    with override_settings(SECURE_SSL_REDIRECT=True):
        client = Client()
        assert client.get("/api/v1/bodies").status_code == 301  # everything else goes to https
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
