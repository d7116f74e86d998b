"""The demo's notifications (`concord load-demo`): after loading, the officers with work open have
notifications in their inbox, about cases in their own area only, each once; loading again sends
nothing twice.

The demo is loaded once for the module inside a transaction that is rolled back at the end; each test
runs in a savepoint of its own inside it.
"""

from collections import Counter

import pytest
from django.db import transaction

from concord.accounts.models import Role, User
from concord.accounts.scope import can_see_unit
from concord.core.demo import BUREAU_CODE, load_demo
from concord.core.demo.loader import STEPS
from concord.core.demo.notifications import NOTIFICATIONS
from concord.notify.models import Channel, Delivery, Notification

BUREAU_PATH = f"/{BUREAU_CODE}/"
DEMO_STEPS = [
    *(step for step in STEPS if step.name not in {"people", "leads", "screening", "notifications"}),
    NOTIFICATIONS,
]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield load_demo(steps=DEMO_STEPS)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def notifications(demo, db) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient__scope_unit__path__startswith=BUREAU_PATH)
        .select_related("recipient__scope_unit", "dispute__grid")
        .order_by("pk")
    )


def test_demo_users_have_notifications_in_their_inbox(demo, notifications):
    row = next(r for s in demo.sections for r in s.rows if r.key == "notifications")
    assert row.total == len(notifications) > 100
    by_role = Counter(n.recipient.role for n in notifications)
    assert by_role[Role.COMMUNITY_OFFICER] > 0
    assert by_role[Role.STATION_CHIEF] > 0
    assert by_role[Role.BUREAU_COMMANDER] > 0
    kinds = Counter(n.kind for n in notifications)
    assert kinds["overdue"] > 0 and kinds["escalation"] > 0
    # The demo's commander, one account of the demo's login list, has red cases to supervise.
    commander = User.objects.get(username="commander")
    assert any(n.recipient == commander and n.urgent for n in notifications)
    assert all(n.read_at is None for n in notifications)


def test_every_notification_is_about_the_recipients_area_and_sent_once(notifications):
    for n in notifications:
        if n.dispute is not None:
            assert can_see_unit(n.recipient, n.dispute.grid), n.dedupe_key
    keys = Counter((n.recipient_id, n.dedupe_key) for n in notifications)
    assert max(keys.values()) == 1


def test_every_notification_is_in_the_inbox_and_texts_wait_for_the_worker(notifications):
    ids = [n.pk for n in notifications]
    inbox = Delivery.objects.filter(notification_id__in=ids, channel=Channel.INBOX)
    assert inbox.filter(state=Delivery.State.SENT).count() == len(ids)
    outbound = Delivery.objects.filter(notification_id__in=ids).exclude(channel=Channel.INBOX)
    assert not outbound.exclude(state=Delivery.State.PENDING).exists()


def test_loading_again_sends_nothing_twice(demo, notifications):
    again = load_demo(steps=DEMO_STEPS)
    row = next(r for s in again.sections for r in s.rows if r.key == "notifications")
    assert row.created == 0
    assert row.total == len(notifications)
