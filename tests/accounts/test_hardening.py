"""Login hardening (issue 10): lockout, a second factor for commanders and administrators, session
expiry, the Content-Security-Policy, and production settings that `check --deploy` accepts."""

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from concord.accounts.middleware import LAST_SEEN_KEY, STARTED_KEY
from concord.accounts.models import Role
from concord.audit.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Concord-test-2026"
PROJECT = Path(__file__).resolve().parents[2]


def post_login(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{token:0{device.digits}d}"


# --- lockout -------------------------------------------------------------------------------------


def test_lockout_after_the_configured_failures(client, county, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = county.east.grid_worker
    for _ in range(2):
        response = post_login(client, user.username, "Wrong-password-1")
        assert response.status_code == 200  # the form again, with its error
    response = post_login(client, user.username, "Wrong-password-1")
    assert response.status_code == 429
    assert "accounts/lockout.html" in [t.name for t in response.templates]
    assert b'data-testid="lockout"' in response.content
    # Locked out: even the right password does not log in now.
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Every failure, the refused ones too, is in the audit log.
    assert AuditEntry.objects.filter(action="accounts.login_failed").count() == 4


def test_the_lockout_page_is_translated(client, county, settings):
    settings.AXES_FAILURE_LIMIT = 1
    response = post_login(client, county.east.grid_worker.username, "x", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert b"Login locked" in response.content and b"30 minutes" in response.content
    client.cookies.clear()
    other = UserFactory(role=Role.GRID_WORKER, scope_unit=county.east.grid)
    response = post_login(client, other.username, "x", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 429
    assert 'lang="zh-CN"' in response.content.decode()


def test_lockout_is_per_username_and_address(client, county, settings):
    settings.AXES_FAILURE_LIMIT = 2
    worker = county.east.grid_worker
    for _ in range(2):
        post_login(client, worker.username, "Wrong-password-1")
    # Another user from the same address, and the same user from another address, still log in.
    other = county.west.grid_worker
    assert post_login(client, other.username, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    response = post_login(client, worker.username, PASSWORD, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302


def test_a_success_resets_the_count(client, county, settings):
    settings.AXES_FAILURE_LIMIT = 3
    worker = county.east.grid_worker
    for _ in range(2):
        post_login(client, worker.username, "Wrong-password-1")
    assert post_login(client, worker.username, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(2):
        assert post_login(client, worker.username, "Wrong-password-1").status_code == 200


# --- second factor -------------------------------------------------------------------------------

PAGES = [
    "home",
    "dispute_list",
    "dashboard",
    "grid_map",
    "notify_inbox",
    "password_change",
]


def page_urls() -> list[str]:
    return [reverse(name) for name in PAGES] + [
        "/intake/",
        "/intake/screening/",
        "/reporting/briefs/",
    ]


def log_in_with_password(client, user):
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 302
    return response


@pytest.mark.real_2fa
@pytest.mark.parametrize("role", [Role.BUREAU_COMMANDER, Role.ADMIN])
def test_without_a_second_factor_no_page_is_reachable(client, county, role):
    user = UserFactory(role=role, scope_unit=county.bureau, is_staff=role == Role.ADMIN)
    log_in_with_password(client, user)
    urls = page_urls() + (["/admin/", "/admin/accounts/user/"] if user.is_staff else [])
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("two_factor") + "?next="), url
    # htmx fragments are sent to the two-factor page as a whole page, not swapped in.
    response = client.get(reverse("notify_bell"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(reverse("two_factor"))


@pytest.mark.real_2fa
def test_force_login_alone_does_not_pass_for_a_commander(client, county):
    client.force_login(county.commander)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("two_factor"))


@pytest.mark.real_2fa
def test_the_api_refuses_an_unverified_commander_session(client, county):
    client.force_login(county.commander)
    for url in ("/api/disputes", "/api/categories"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["detail"]
    response = client.post("/api/disputes", {}, content_type="application/json")
    assert response.status_code == 403


@pytest.mark.real_2fa
def test_a_bearer_token_still_reaches_the_api(client, county):
    from concord.accounts.tokens import api_token_issue

    admin = UserFactory(role=Role.ADMIN, scope_unit=county.bureau)
    system = UserFactory(role=Role.BUREAU_COMMANDER, scope_unit=county.bureau)
    _token, plain = api_token_issue(actor=admin, user=system, name="12345 hotline")
    response = client.get("/api/disputes", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert response.status_code == 200


@pytest.mark.real_2fa
def test_set_up_and_confirm_a_totp_device_then_pages_open(client, county):
    commander = county.commander
    log_in_with_password(client, commander)
    page = client.get(reverse("two_factor"), {"next": reverse("dashboard")})
    assert page.status_code == 200
    html = page.content.decode()
    assert "otpauth://totp/" in html and 'data-testid="otp-secret"' in html and "<svg" in html
    device = TOTPDevice.objects.get(user=commander)
    assert not device.confirmed
    # The same key on a second visit, so a slow phone set-up is not invalidated.
    client.get(reverse("two_factor"))
    assert TOTPDevice.objects.filter(user=commander).count() == 1

    wrong = client.post(reverse("two_factor"), {"token": "000000", "next": reverse("dashboard")})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert client.get(reverse("dashboard")).status_code == 302
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the wrong code above delays the next try; skip that
    device.throttling_failure_timestamp = None
    device.save()

    right = client.post(
        reverse("two_factor"), {"token": code_for(device), "next": reverse("dashboard")}
    )
    assert right.status_code == 302 and right.url == reverse("dashboard")
    device.refresh_from_db()
    assert device.confirmed
    for url in page_urls():
        assert client.get(url).status_code == 200, url
    assert client.get("/api/categories").status_code == 200
    assert AuditEntry.objects.filter(action="accounts.two_factor_enrolled").count() == 1
    assert AuditEntry.objects.filter(action="accounts.two_factor_failed").count() == 1


@pytest.mark.real_2fa
def test_a_later_login_asks_for_the_code_again(client, county):
    commander = county.commander
    device = TOTPDevice.objects.create(user=commander, name="phone", confirmed=True)
    response = client.get(reverse("dashboard"))
    assert response.url.startswith(reverse("login"))
    log_in_with_password(client, commander)
    page = client.get(reverse("two_factor"))
    assert "otpauth://" not in page.content.decode()  # a confirmed device is never shown again
    response = client.post(reverse("two_factor"), {"token": code_for(device)})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("dashboard")).status_code == 200
    client.post(reverse("logout"))
    log_in_with_password(client, commander)
    assert client.get(reverse("dashboard")).url.startswith(reverse("two_factor"))


@pytest.mark.real_2fa
def test_the_two_factor_page_refuses_an_outside_next_url(client, county):
    device = TOTPDevice.objects.create(user=county.commander, name="phone", confirmed=True)
    log_in_with_password(client, county.commander)
    response = client.post(
        reverse("two_factor"), {"token": code_for(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == reverse("home")


@pytest.mark.real_2fa
def test_a_grid_worker_is_not_asked_for_a_second_factor(client, county):
    log_in_with_password(client, county.east.grid_worker)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("two_factor")).status_code == 302  # nothing to do: back home


def test_the_test_suites_force_login_passes_the_second_factor(client, county):
    client.force_login(county.commander)
    assert client.get(reverse("dashboard")).status_code == 200


# --- session expiry ------------------------------------------------------------------------------


def test_sessions_expire_after_inactivity(client, county):
    assert settings.CONCORD_SESSION_IDLE_SECONDS == 30 * 60
    assert settings.SESSION_COOKIE_HTTPONLY
    log_in_with_password(client, county.east.grid_worker)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - settings.CONCORD_SESSION_IDLE_SECONDS - 5
    session.save()
    response = client.get(reverse("dispute_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert client.get(reverse("home")).status_code == 302  # logged out for good


def test_activity_keeps_the_session_but_the_bell_poll_does_not(client, county):
    log_in_with_password(client, county.east.grid_worker)
    almost = time.time() - settings.CONCORD_SESSION_IDLE_SECONDS + 120
    session = client.session
    session[LAST_SEEN_KEY] = almost
    session.save()
    client.get(reverse("notify_bell"), HTTP_HX_REQUEST="true")
    assert client.session[LAST_SEEN_KEY] == almost  # a background poll is not activity
    assert client.get(reverse("home")).status_code == 200
    assert client.session[LAST_SEEN_KEY] > almost


def test_an_idle_htmx_request_sends_the_whole_page_to_login(client, county):
    log_in_with_password(client, county.east.grid_worker)
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - settings.CONCORD_SESSION_IDLE_SECONDS - 5
    session.save()
    response = client.get(reverse("notify_bell"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"].startswith(reverse("login"))


def test_sessions_end_at_their_absolute_age_even_when_busy(client, county):
    log_in_with_password(client, county.east.grid_worker)
    session = client.session
    session[STARTED_KEY] = time.time() - settings.SESSION_COOKIE_AGE - 5
    session.save()
    assert client.get(reverse("home")).status_code == 302


# --- Content-Security-Policy ---------------------------------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


def test_csp_allows_only_own_scripts(client, county):
    client.force_login(county.commander)
    policy = csp_directives(client.get(reverse("dashboard")))
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    login = client.get(reverse("login"))
    assert "Content-Security-Policy" in login


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def test_no_page_has_an_inline_script(client, county):
    from tests.factories import register_dispute

    dispute = register_dispute(county.east)
    client.force_login(county.commander)
    urls = page_urls() + [
        reverse("dispute_detail", args=[dispute.case_number]),
        reverse("brief") + "?format=print",
        "/api/docs",
    ]
    client.post(reverse("logout"))
    urls_anonymous = [reverse("login")]
    for url in urls_anonymous:
        html = client.get(url).content.decode()
        assert not INLINE_SCRIPT.search(html), url
    client.force_login(county.commander)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), (url, INLINE_SCRIPT.search(html))
        assert not INLINE_HANDLER.search(html.replace("hx-on", "")), url


def test_no_template_has_an_inline_script():
    templates = Path(settings.BASE_DIR) / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text()
        assert not INLINE_SCRIPT.search(text), path
        assert not re.search(r"\son(click|change|submit|load|input)\s*=", text), path


# --- production settings -------------------------------------------------------------------------


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONCORD_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update(
        {
            "CONCORD_DEBUG": "0",
            "CONCORD_SECRET_KEY": secrets.token_urlsafe(48)[:60],
            "CONCORD_ALLOWED_HOSTS": "concord.example",
            "CONCORD_VAR_DIR": str(tmp_path),
        }
    )
    concord = Path(sys.executable).with_name("concord")
    result = subprocess.run(
        [str(concord), "check", "--deploy"],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_production_settings_are_secure(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.X_FRAME_OPTIONS)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "concord.settings",
            "CONCORD_SECRET_KEY": secrets.token_urlsafe(48),
            "CONCORD_VAR_DIR": str(tmp_path),
        }
    )
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert out == ["True", "True", "True", "31536000", "DENY"]


def test_authenticate_without_a_request_still_works_on_the_server(county):
    from django.contrib.auth import authenticate

    worker = county.east.grid_worker
    assert authenticate(username=worker.username, password=PASSWORD) == worker
