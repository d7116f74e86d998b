"""Data for the security tests: two counties, each with a full set of objects in its west branch.

Users scoped to county A's east branch (or to its east station) must never reach county A's west
objects; users scoped to county A's whole bureau (commander, analyst, administrator) must never
reach county B's. Every object's identifying text carries a marker, so a page that leaks one is
found by searching its body for the marker.
"""

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from concord.accounts.models import Role, User
from concord.accounts.tokens import api_token_issue
from concord.disputes import services as dispute_services
from concord.disputes.models import Dispute, Task
from concord.disputes.services import PartyInput
from concord.intake import services as intake_services
from concord.intake.screening_services import campaign_create
from concord.mediation import services as mediation_services
from concord.mediation.models import MediationBody
from concord.notify.models import Delivery, Kind
from concord.notify.services import notification_send
from concord.people.models import PersonMerge, ReviewPair
from tests.factories import (
    Branch,
    County,
    UserFactory,
    make_county,
    mediation_body,
    mediator,
    register_dispute,
)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
API_SYSTEM = "matrix-system"  # every token has this name: only scope separates their leads


@dataclass
class Outside:
    """The objects of one branch that somebody elsewhere must not reach."""

    tag: str
    branch: Branch
    dispute: Dispute
    task: Task
    attachment_id: int
    person_id: int
    party_id: int
    pair_id: int
    merge_id: int
    lead_id: int
    lead_key: str
    campaign_id: int
    body: MediationBody
    referral_id: int
    agreement_id: int
    instalment_id: int
    notification_id: int
    delivery_id: int
    ledger_token: str = "no-such-report-token"
    markers: list[str] = field(default_factory=list)

    @property
    def case_number(self) -> str:
        return self.dispute.case_number


def assigned(county: County, branch: Branch, **kwargs) -> Dispute:
    d = register_dispute(branch, **kwargs)
    d = dispute_services.dispute_assess(
        actor=branch.officer,
        dispute=d,
        expected_version=d.version,
        level="yellow",
        reasons=["口角，无暴力"],
    )
    return dispute_services.dispute_assign(
        actor=branch.officer, dispute=d, expected_version=d.version, owner=branch.officer
    )


def build_outside(county: County, tag: str) -> Outside:
    """A west-branch case through mediation to an agreement, and every other object a route names."""
    b = county.west
    today = timezone.localdate()
    analyst = UserFactory(role=Role.ANALYST, scope_unit=county.bureau)
    member = mediator(b.station, display_name=f"{tag}调解员")
    body = mediation_body(b.station, name=f"{tag}调解委员会", members=[member])
    d = assigned(
        county,
        b,
        title=f"{tag}越界纠纷",
        description=f"{tag}两家因排水沟堵塞争吵",
        parties=[
            PartyInput(name=f"{tag}甲方", role="applicant", phone="13812340001"),
            PartyInput(name=f"{tag}乙方", role="respondent", phone="15912340002"),
        ],
    )
    [referral] = mediation_services.referral_create(
        actor=b.officer, dispute=d, expected_version=d.version, bodies=[body]
    )
    referral = mediation_services.referral_accept(actor=member, referral=referral)
    agreement = mediation_services.agreement_record(
        actor=member,
        referral=referral,
        form="written",
        facts=f"{tag}事实",
        terms=f"{tag}条款",
        signed_on=today,
        amount=Decimal("500"),
        instalments=[
            mediation_services.InstalmentInput(
                due_on=today + dt.timedelta(days=30), description="赔偿", amount=Decimal("500")
            )
        ],
    )
    d.refresh_from_db()
    attachment = dispute_services.attachment_add(
        actor=b.officer,
        dispute=d,
        upload=SimpleUploadedFile("scene.png", PNG, content_type="image/png"),
    )
    first, second = (p.person for p in d.parties.order_by("pk"))
    pair = ReviewPair.objects.create(left=first, right=second, probability=0.7)
    merge = PersonMerge.objects.create(
        kept=first, absorbed=second, merged_by=analyst, merged_at=timezone.now()
    )
    lead = intake_services.lead_create(
        actor=b.chief,
        data=intake_services.LeadInput(
            channel="police_call",
            text=f"{tag}线索：邻居两家因宅基地吵架",
            grid=b.grid,
            source_ref=f"{tag}-lead",
            source_system=API_SYSTEM,
        ),
    )
    campaign = campaign_create(
        actor=b.chief,
        name=f"{tag}排查",
        deadline=today + dt.timedelta(days=10),
        checklist=["走访全部户"],
        units=[b.station],
    )
    note = notification_send(
        recipient=b.chief,
        kind=Kind.OVERDUE,
        subject=f"{tag}通知",
        dedupe_key=f"{tag}-note",
        dispute=d,
        inbox_only=True,
    )
    delivery = Delivery.objects.create(
        notification=note, channel="sms", address="13800000000", state=Delivery.State.GAVE_UP
    )
    return Outside(
        tag=tag,
        branch=b,
        dispute=d,
        task=Task.objects.filter(dispute=d).order_by("pk").first(),
        attachment_id=attachment.pk,
        person_id=first.pk,
        party_id=d.parties.order_by("pk").first().pk,
        pair_id=pair.pk,
        merge_id=merge.pk,
        lead_id=lead.pk,
        lead_key=lead.source_ref,
        campaign_id=campaign.pk,
        body=body,
        referral_id=referral.pk,
        agreement_id=agreement.pk,
        instalment_id=agreement.instalments.get().pk,
        notification_id=note.pk,
        delivery_id=delivery.pk,
        markers=[d.case_number, tag, agreement.number],
    )


@dataclass
class World:
    county: County
    users: dict[str, User]  # role label → user in county A
    outside: dict[str, Outside]  # role label → the objects that user must not reach
    tokens: dict[str, str]  # role label → bearer token
    east_case: Dispute  # a case the east users may see (the fuzzer's real rows)


BRANCH_ROLES = ["chief", "station_staff", "officer", "auxiliary", "grid_worker", "mediator"]
BUREAU_ROLES = ["commander", "analyst", "admin"]
ROLES = BRANCH_ROLES + BUREAU_ROLES


def build_world() -> World:
    from concord.disputes.data.categories import load_reference_data
    from concord.disputes.models import Category, LevelPolicy

    load_reference_data(Category, LevelPolicy)
    a, b = make_county(), make_county()
    e = a.east
    east_mediator = mediator(e.station, display_name="东调解员")
    mediation_body(e.station, name="东镇调委会", members=[east_mediator])
    users = {
        "chief": e.chief,
        "station_staff": UserFactory(role=Role.STATION_STAFF, scope_unit=e.station),
        "officer": e.officer,
        "auxiliary": e.auxiliary,
        "grid_worker": e.grid_worker,
        "mediator": east_mediator,
        "commander": a.commander,
        "analyst": UserFactory(role=Role.ANALYST, scope_unit=a.bureau),
        "admin": UserFactory(role=Role.ADMIN, scope_unit=a.bureau),
    }
    west_a, west_b = build_outside(a, "甲西标记"), build_outside(b, "乙西标记")
    outside = {role: (west_b if role in BUREAU_ROLES else west_a) for role in ROLES}
    tokens = {
        role: api_token_issue(actor=users["admin"], user=user, name=API_SYSTEM)[1]
        for role, user in users.items()
    }
    east_case = assigned(a, e, title="东区纠纷", description="东区两家争吵")
    return World(a, users, outside, tokens, east_case)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction that is rolled back at its end."""
    with (
        django_db_blocker.unblock(),
        tempfile.TemporaryDirectory() as media,
        override_settings(MEDIA_ROOT=media),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def login(client, user: User):
    """Sign `user` in; a commander's or administrator's session also has its second factor
    confirmed (when the project asks for one), so the pages themselves answer."""
    client.force_login(user)
    try:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice
    except ImportError:  # pragma: no cover - no second factor configured
        return client
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="matrix", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
