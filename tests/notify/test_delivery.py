"""Channels: e-mail through Django's mail settings, SMS through a gateway. A real HTTP server on
127.0.0.1 stands in for the SMS platform (no mock): one that answers too late is retried and, after
the last attempt, shown to an administrator; quiet hours hold back a yellow SMS but not a red one."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.urls import reverse

from concord.accounts.models import Role
from concord.notify.gateways import HttpSmsGateway, SmsError
from concord.notify.models import Channel, Delivery, Kind, Notification, SmsChoice
from concord.notify.services import (
    deliveries_attempt,
    notification_send,
    preference_save,
    quiet_until,
)
from tests.factories import UserFactory
from tests.notify.conftest import bare_case, local, tomorrow

pytestmark = pytest.mark.django_db


class SmsPlatform:
    """A little SMS platform: /ok accepts, /slow answers after `delay` seconds, /reject says 400."""

    def __init__(self, delay: float = 1.0):
        self.requests: list[tuple[str, dict]] = []
        self.release = threading.Event()
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                platform.requests.append((self.path, json.loads(self.rfile.read(length))))
                if self.path == "/slow":
                    platform.release.wait(delay)
                status = 400 if self.path == "/reject" else 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"ok": true}')
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def platform():
    with SmsPlatform() as p:
        yield p


@pytest.fixture
def http_sms(settings, platform):
    settings.CONCORD_SMS_GATEWAY = "concord.notify.gateways.HttpSmsGateway"
    settings.CONCORD_SMS_TIMEOUT = 0.2
    settings.CONCORD_SMS_RETRIES = 2
    settings.CONCORD_SMS_BACKOFF = 0
    settings.CONCORD_DELIVERY_MAX_ATTEMPTS = 3
    settings.CONCORD_DELIVERY_RETRY_MINUTES = 5
    return settings


def red_alert(county, user, now):
    case = bare_case(county.east, level="red", lead_leader=county.commander)
    return notification_send(
        recipient=user,
        kind=Kind.ESCALATION,
        subject="红色案件任务超期",
        dedupe_key=f"test:{now.isoformat()}",
        now=now,
        dispute=case,
    )


# --- the HTTP gateway on its own -------------------------------------------------------------------


def test_the_http_gateway_posts_json_and_a_4xx_is_permanent(platform):
    HttpSmsGateway(url=platform.url("/ok"), token="t0k", timeout=2).send(
        phone="13800000000", text="任务超期"
    )
    assert platform.requests == [("/ok", {"to": "13800000000", "text": "任务超期"})]
    with pytest.raises(SmsError) as exc:
        HttpSmsGateway(url=platform.url("/reject"), retries=3, backoff=0).send(phone="1", text="x")
    assert exc.value.permanent
    assert [path for path, _ in platform.requests].count("/reject") == 1  # not retried


def test_the_http_gateway_retries_a_timeout_then_fails(platform):
    gateway = HttpSmsGateway(url=platform.url("/slow"), timeout=0.2, retries=3, backoff=0)
    with pytest.raises(SmsError, match="timed out") as exc:
        gateway.send(phone="13800000000", text="任务超期")
    assert not exc.value.permanent
    assert len(platform.requests) == 3


def test_an_unreachable_gateway_is_a_failure_not_a_crash():
    gateway = HttpSmsGateway(url="http://127.0.0.1:9/sms", timeout=0.5, retries=2, backoff=0)
    with pytest.raises(SmsError, match="2 requests failed"):
        gateway.send(phone="1", text="x")


# --- retries, giving up, and the administrator -------------------------------------------------------


def test_an_sms_gateway_that_times_out_is_retried_then_shown_to_an_administrator(
    county, client, http_sms, platform
):
    http_sms.CONCORD_SMS_URL = platform.url("/slow")
    admin = UserFactory(role=Role.ADMIN, scope_unit=county.bureau)
    officer = county.east.officer
    officer.phone = "13800000001"
    officer.save(update_fields=["phone"])
    now = local(tomorrow(), 10)
    notification = red_alert(county, officer, now)
    sms = notification.deliveries.get(channel=Channel.SMS)

    assert deliveries_attempt(now=now) == {"sent": 0, "failed": 1, "gave_up": 0}
    sms.refresh_from_db()
    assert (sms.state, sms.attempts) == (Delivery.State.FAILED, 1)
    assert "timed out" in sms.last_error
    assert sms.next_attempt_at == now + dt.timedelta(minutes=5)
    assert deliveries_attempt(now=now + dt.timedelta(minutes=4)) == {
        "sent": 0,
        "failed": 0,
        "gave_up": 0,
    }
    assert deliveries_attempt(now=now + dt.timedelta(minutes=5))["failed"] == 1
    sms.refresh_from_db()
    assert sms.next_attempt_at == now + dt.timedelta(minutes=15)  # the wait doubles
    assert deliveries_attempt(now=now + dt.timedelta(minutes=15))["gave_up"] == 1

    sms.refresh_from_db()
    assert (sms.state, sms.attempts, sms.next_attempt_at) == (Delivery.State.GAVE_UP, 3, None)
    assert len(platform.requests) == 3 * 2  # three attempts of two requests each
    assert deliveries_attempt(now=now + dt.timedelta(days=1))["gave_up"] == 0  # left alone
    # The administrator hears of it in the inbox (never by SMS), and finds it on the page.
    [told] = Notification.objects.filter(recipient=admin, kind=Kind.DELIVERY_FAILED)
    assert told.data == {"delivery": sms.pk}
    assert list(told.deliveries.values_list("channel", flat=True)) == [Channel.INBOX]
    client.force_login(admin)
    page = client.get(reverse("notify_failed"))
    assert page.status_code == 200
    rows = page.context["page"].object_list
    assert [d.pk for d in rows] == [sms.pk]
    assert "138****0001" in page.content.decode() and "13800000001" not in page.content.decode()
    # A station chief may not see it.
    client.force_login(county.east.chief)
    assert client.get(reverse("notify_failed")).status_code == 403
    assert client.post(reverse("notify_retry", args=[sms.pk])).status_code == 403
    # Once the platform answers again, the administrator sends it again.
    http_sms.CONCORD_SMS_URL = platform.url("/ok")
    client.force_login(admin)
    response = client.post(reverse("notify_retry", args=[sms.pk]))
    assert response.status_code == 302
    sms.refresh_from_db()
    assert (sms.state, sms.attempts) == (Delivery.State.PENDING, 0)
    assert deliveries_attempt(now=sms.next_attempt_at)["sent"] == 1
    sms.refresh_from_db()
    assert sms.state == Delivery.State.SENT
    assert platform.requests[-1] == ("/ok", {"to": "13800000001", "text": "红色案件任务超期"})


def test_a_rejected_number_gives_up_at_once(county, http_sms, platform):
    http_sms.CONCORD_SMS_URL = platform.url("/reject")
    UserFactory(role=Role.ADMIN, scope_unit=county.bureau)
    officer = county.east.officer
    officer.phone = "13800000001"
    officer.save(update_fields=["phone"])
    now = local(tomorrow(), 10)
    red_alert(county, officer, now)
    assert deliveries_attempt(now=now) == {"sent": 0, "failed": 0, "gave_up": 1}
    assert Notification.objects.filter(kind=Kind.DELIVERY_FAILED).count() == 1


def test_email_goes_through_djangos_mail_settings_and_a_failure_is_retried(county, settings):
    officer = county.east.officer
    officer.email = "officer@police.example"
    officer.save(update_fields=["email"])
    now = local(tomorrow(), 10)
    red_alert(county, officer, now)
    deliveries_attempt(now=now)
    [message] = mail.outbox
    assert (message.to, message.subject) == (["officer@police.example"], "红色案件任务超期")

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    later = now + dt.timedelta(hours=1)
    red_alert(county, officer, later)
    assert deliveries_attempt(now=later) == {"sent": 0, "failed": 1, "gave_up": 0}
    failed = Delivery.objects.get(state=Delivery.State.FAILED)
    assert failed.channel == Channel.EMAIL and failed.last_error


# --- preferences and quiet hours --------------------------------------------------------------------


def test_quiet_hours_hold_back_a_yellow_sms_but_not_a_red_one(county):
    officer = county.east.officer
    officer.phone = "13800000001"
    officer.save(update_fields=["phone"])
    preference_save(
        actor=officer,
        email=False,
        sms=SmsChoice.ALL,
        quiet_start=dt.time(22),
        quiet_end=dt.time(7),
    )
    day = tomorrow()
    night = local(day, 23, 30)
    yellow = bare_case(county.east)
    quiet = notification_send(
        recipient=officer,
        kind=Kind.OVERDUE,
        subject="黄色案件任务超期",
        dedupe_key="yellow",
        now=night,
        dispute=yellow,
    )
    loud = red_alert(county, officer, night)
    assert (quiet.urgent, loud.urgent) == (False, True)
    held = quiet.deliveries.get(channel=Channel.SMS)
    assert held.next_attempt_at == local(day + dt.timedelta(days=1), 7)

    deliveries_attempt(now=night)
    from concord.notify.gateways import LoggingSmsGateway

    assert list(LoggingSmsGateway.sent) == [("13800000001", "红色案件任务超期")]
    deliveries_attempt(now=local(day + dt.timedelta(days=1), 6, 59))
    assert len(LoggingSmsGateway.sent) == 1
    deliveries_attempt(now=local(day + dt.timedelta(days=1), 7))
    assert list(LoggingSmsGateway.sent)[-1] == ("13800000001", "黄色案件任务超期")
    assert not quiet.deliveries.exclude(state=Delivery.State.SENT).exists()


def test_sms_by_preference_urgent_only_by_default_never_when_off(county):
    officer = county.east.officer
    officer.phone = "13800000001"
    officer.save(update_fields=["phone"])
    now = local(tomorrow(), 10)
    yellow = bare_case(county.east)

    def channels(key, **kwargs):
        n = notification_send(
            recipient=officer, kind=Kind.OVERDUE, subject="x", dedupe_key=key, now=now, **kwargs
        )
        return sorted(n.deliveries.values_list("channel", flat=True))

    assert channels("a", dispute=yellow) == ["inbox"]
    assert channels("b", urgent=True) == ["inbox", "sms"]
    preference_save(actor=officer, email=True, sms="off", quiet_start=None, quiet_end=None)
    assert channels("c", urgent=True) == ["inbox"]  # no e-mail address either


@pytest.mark.parametrize(
    ("start", "end", "at", "until"),
    [
        (dt.time(22), dt.time(7), (23, 0), (1, 7)),
        (dt.time(22), dt.time(7), (3, 0), (0, 7)),
        (dt.time(22), dt.time(7), (7, 0), None),
        (dt.time(12), dt.time(14), (12, 30), (0, 14)),
        (dt.time(12), dt.time(14), (21, 0), None),
    ],
)
def test_quiet_hours_may_run_past_midnight(start, end, at, until):
    from concord.notify.models import NotificationPreference

    day = dt.date(2026, 3, 4)
    pref = NotificationPreference(quiet_start=start, quiet_end=end)
    expected = None if until is None else local(day + dt.timedelta(days=until[0]), until[1])
    assert quiet_until(pref, local(day, *at)) == expected


def test_a_notification_about_a_case_outside_the_area_is_never_sent(county):
    west_case = bare_case(county.west)
    sent = notification_send(
        recipient=county.east.chief,
        kind=Kind.OVERDUE,
        subject="x",
        dedupe_key="k",
        dispute=west_case,
    )
    assert sent is None
    assert not Notification.objects.exists()
