"""The inbox, the bell in the navigation bar (refreshed by htmx), marking read and the preferences."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from concord.notify.models import Kind, Notification, NotificationPreference
from concord.notify.services import notification_send
from tests.notify.conftest import bare_case

pytestmark = pytest.mark.django_db


def send(user, key, **kwargs) -> Notification:
    return notification_send(
        recipient=user, kind=Kind.OVERDUE, subject=f"任务超期 {key}", dedupe_key=key, **kwargs
    )


def bell_count(html: str) -> int:
    found = re.search(r'data-testid="notify-unread">([^<]*)<', html)
    return int(found.group(1)) if found else 0


def test_every_page_shows_the_bell_with_the_unread_count_refreshed_every_minute(county, client):
    officer = county.east.officer
    case = bare_case(county.east)
    send(officer, "a", dispute=case, url=f"/disputes/{case.case_number}/")
    send(officer, "b")
    send(county.east.chief, "c")  # someone else's
    client.force_login(officer)

    home = client.get(reverse("home")).content.decode()
    assert bell_count(home) == 2
    assert 'hx-get="/notify/bell/"' in home and 'hx-trigger="every 60s"' in home

    bell = client.get(reverse("notify_bell")).content.decode()
    assert bell_count(bell) == 2 and 'id="notify-bell"' in bell


def test_the_inbox_lists_my_notifications_and_reading_them_clears_the_bell(county, client):
    officer = county.east.officer
    case = bare_case(county.east)
    first = send(officer, "a", dispute=case, url=f"/disputes/{case.case_number}/")
    second = send(officer, "b")
    send(county.east.chief, "c")
    client.force_login(officer)

    page = client.get(reverse("notify_inbox"))
    assert [n.pk for n in page.context["page"]] == [second.pk, first.pk]
    assert "任务超期 c" not in page.content.decode()

    # Opening one reads it and goes to the case.
    response = client.get(reverse("notify_open", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == first.url
    first.refresh_from_db()
    assert first.read_at is not None
    assert bell_count(client.get(reverse("notify_bell")).content.decode()) == 1
    assert [n.pk for n in client.get(reverse("notify_inbox") + "?unread=1").context["page"]] == [
        second.pk
    ]

    client.post(reverse("notify_mark_read"))  # all
    assert bell_count(client.get(reverse("notify_bell")).content.decode()) == 0


def test_nobody_opens_or_marks_someone_elses_notification(county, client):
    theirs = send(county.east.chief, "c")
    client.force_login(county.east.officer)
    assert client.get(reverse("notify_open", args=[theirs.pk])).status_code == 404
    client.post(reverse("notify_mark_read"), {"id": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_preferences_are_saved_and_half_quiet_hours_refused(county, client):
    officer = county.east.officer
    client.force_login(officer)
    assert client.get(reverse("notify_preferences")).status_code == 200

    response = client.post(
        reverse("notify_preferences"), {"sms": "all", "quiet_start": "22:00", "quiet_end": "07:00"}
    )
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=officer)
    assert (pref.email, pref.sms, pref.quiet_start, pref.quiet_end) == (
        False,
        "all",
        dt.time(22),
        dt.time(7),
    )

    response = client.post(reverse("notify_preferences"), {"sms": "off", "quiet_start": "22:00"})
    assert response.status_code == 200
    assert "quiet_end" in response.context["form"].errors
    pref.refresh_from_db()
    assert pref.sms == "all"


def test_the_pages_need_a_login(client):
    for name in ("notify_inbox", "notify_preferences", "notify_failed"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # Signed out, the bell stops polling instead of swapping the login page into the bar.
    response = client.get(reverse("notify_bell"))
    assert response.status_code == 286 and response.content == b""
