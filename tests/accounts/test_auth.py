import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from concord.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("password", ["short1a", "13800138000", "abcdefghijkl", "password123"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_strong_password_is_accepted():
    validate_password("Huaiyang-grid-2026")


def test_login_lands_on_home_and_is_audited(client, county):
    response = client.post(
        reverse("login"),
        {"username": county.east.grid_worker.username, "password": "Concord-test-2026"},
    )
    assert response.status_code == 302 and response.url == reverse("home")
    assert (
        AuditEntry.objects.filter(action="accounts.login", actor=county.east.grid_worker).count()
        == 1
    )


def test_failed_login_is_audited_with_the_username(client, county):
    response = client.post(
        reverse("login"), {"username": county.east.grid_worker.username, "password": "wrong"}
    )
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="accounts.login_failed")
    assert entry.data["username"] == county.east.grid_worker.username and entry.actor is None


def test_home_requires_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_logout_ends_the_session(client, county):
    client.force_login(county.east.grid_worker)
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_password_change_refuses_a_weak_password(client, county):
    client.force_login(county.east.grid_worker)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "Concord-test-2026",
            "new_password1": "12345678901",
            "new_password2": "12345678901",
        },
    )
    assert response.status_code == 200
    county.east.grid_worker.refresh_from_db()
    assert county.east.grid_worker.check_password("Concord-test-2026")


def test_password_change_accepts_a_strong_password(client, county):
    client.force_login(county.east.grid_worker)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "Concord-test-2026",
            "new_password1": "Drainage-ditch-42",
            "new_password2": "Drainage-ditch-42",
        },
    )
    assert response.status_code == 302
    county.east.grid_worker.refresh_from_db()
    assert county.east.grid_worker.check_password("Drainage-ditch-42")
