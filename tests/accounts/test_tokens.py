import datetime as dt
import hashlib
import re

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from concord.accounts.models import ApiToken, Role
from concord.accounts.tokens import api_token_issue, api_token_revoke, api_token_verify
from concord.audit.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(county):
    return UserFactory(role=Role.ADMIN, scope_unit=county.bureau)


def test_issue_returns_the_token_once_and_stores_only_its_hash(county, admin):
    account = UserFactory(role=Role.STATION_STAFF, scope_unit=county.east.station)
    token, plain = api_token_issue(actor=admin, user=account, name="12345 热线")

    assert len(plain) >= 40
    row = ApiToken.objects.get(pk=token.pk)
    assert row.key_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert row.key_prefix == plain[:8]
    assert plain not in {str(getattr(row, f.attname)) for f in ApiToken._meta.concrete_fields}
    assert (row.user, row.name, row.revoked_at, row.last_used_at) == (
        account,
        "12345 热线",
        None,
        None,
    )
    # Issuing again gives a different token: nothing derives it from the account.
    assert api_token_issue(actor=admin, user=account, name="12345 热线")[1] != plain


def test_issue_and_revoke_are_audited_without_the_token(county, admin):
    token, plain = api_token_issue(actor=admin, user=county.east.grid_worker, name="网格 App")
    api_token_revoke(actor=admin, token=token)
    api_token_revoke(actor=admin, token=token)  # again: nothing changes, nothing more is written

    entries = list(
        AuditEntry.objects.filter(
            target_type="accounts.apitoken", target_id=str(token.pk)
        ).order_by("id")
    )
    assert [(e.action, e.actor) for e in entries] == [
        ("accounts.api_token_issue", admin),
        ("accounts.api_token_revoke", admin),
    ]
    assert entries[0].data == {
        "user": county.east.grid_worker.username,
        "name": "网格 App",
        "key_prefix": plain[:8],
    }
    assert all(plain not in str(e.data) for e in entries)


def test_a_token_verifies_and_records_its_last_use(county, admin):
    token, plain = api_token_issue(actor=admin, user=county.east.officer, name="110")
    found = api_token_verify(plain)
    assert found == token and found.user == county.east.officer
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    # Within a minute the row is not written again; later it is.
    api_token_verify(plain, now=first_use + dt.timedelta(seconds=30))
    token.refresh_from_db()
    assert token.last_used_at == first_use
    later = first_use + dt.timedelta(minutes=5)
    api_token_verify(plain, now=later)
    token.refresh_from_db()
    assert token.last_used_at == later


def test_a_revoked_token_fails(county, admin):
    token, plain = api_token_issue(actor=admin, user=county.east.officer, name="110")
    api_token_revoke(actor=admin, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None and not token.is_active
    assert api_token_verify(plain) is None


def test_a_token_of_a_disabled_account_fails(county, admin):
    _, plain = api_token_issue(actor=admin, user=county.east.officer, name="110")
    county.east.officer.is_active = False
    county.east.officer.save()
    assert api_token_verify(plain) is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # same prefix, wrong token
        lambda t: t[:8],
        lambda t: t + "x" * 200,
        lambda t: t.replace(t[10], "!"),
        lambda t: "",
        lambda t: t[:20] + "\x00" + t[21:],
    ],
)
def test_a_wrong_or_malformed_token_fails(county, admin, mangle):
    _, plain = api_token_issue(actor=admin, user=county.east.officer, name="110")
    assert api_token_verify(mangle(plain)) is None


def test_only_administrators_issue_and_revoke(county, admin):
    with pytest.raises(PermissionDenied):
        api_token_issue(actor=county.commander, user=county.commander, name="mine")
    assert (
        not ApiToken.objects.exists()
        and not AuditEntry.objects.filter(action__startswith="accounts.api_token").exists()
    )
    token, plain = api_token_issue(actor=admin, user=county.east.officer, name="110")
    with pytest.raises(PermissionDenied):
        api_token_revoke(actor=county.east.officer, token=token)
    assert api_token_verify(plain) is not None


def test_a_token_needs_a_name_and_an_active_account(county, admin):
    county.west.officer.is_active = False
    county.west.officer.save()
    with pytest.raises(ValidationError) as exc:
        api_token_issue(actor=admin, user=county.west.officer, name="  ")
    assert set(exc.value.message_dict) == {"name", "user"}
    assert not ApiToken.objects.exists()


def test_the_admin_issues_a_token_shown_once_lists_it_and_revokes_it(client, county):
    superuser = UserFactory(
        role=Role.ADMIN, scope_unit=county.bureau, is_staff=True, is_superuser=True
    )
    client.force_login(superuser)
    response = client.post(
        "/admin/accounts/apitoken/add/", {"user": county.east.officer.pk, "name": "12345"}
    )
    assert response.status_code == 302
    token = ApiToken.objects.get()
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    plain = next(re.split(r"[:：]\s*", m)[-1] for m in shown if token.key_prefix in m)
    assert api_token_verify(plain) == token

    listing = client.get("/admin/accounts/apitoken/")
    assert listing.status_code == 200 and token.key_prefix in listing.content.decode()
    assert token.key_hash not in listing.content.decode()
    assert client.get(f"/admin/accounts/apitoken/{token.pk}/change/").status_code == 200

    response = client.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_at <= timezone.now()
