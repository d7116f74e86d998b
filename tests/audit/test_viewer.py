"""The audit viewer (/audit/): supervisors and administrators, scoped, filterable, itself audited;
and the pages whose opening is recorded."""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from concord.accounts.models import Role
from concord.audit.models import AuditEntry
from concord.audit.services import audit_record
from concord.disputes.services import PartyInput
from concord.intake import services as intake_services
from tests.factories import UserFactory, register_dispute

pytestmark = pytest.mark.django_db


def _seqs(response) -> set[int]:
    return {entry.seq for entry in response.context["page"]}


def _row(actor, action, *, unit=None, target=None, data=None) -> AuditEntry:
    with transaction.atomic():
        return audit_record(actor=actor, action=action, unit=unit, target=target, data=data)


@pytest.fixture
def rows(county):
    east, west = county.east, county.west
    return {
        "east_unit": _row(east.officer, "test.east", unit=east.grid),
        # A west user acting without a unit on the row: his chief sees it through him.
        "west_actor": _row(west.officer, "test.west_actor"),
        "west_unit": _row(county.commander, "test.west", unit=west.grid),
        "anonymous": _row(None, "accounts.login_failed", data={"username": "nobody"}),
    }


def test_grid_workers_and_officers_cannot_open_the_audit_log(client, county):
    for user in (county.east.grid_worker, county.east.officer):
        client.force_login(user)
        assert client.get(reverse("audit_log")).status_code == 404


def test_a_station_chief_sees_his_area_and_his_people_only(client, county, rows):
    client.force_login(county.east.chief)
    seen = _seqs(client.get(reverse("audit_log")))
    assert rows["east_unit"].seq in seen
    assert not {rows["west_actor"].seq, rows["west_unit"].seq, rows["anonymous"].seq} & seen

    client.force_login(county.west.chief)
    seen = _seqs(client.get(reverse("audit_log")))
    assert {rows["west_actor"].seq, rows["west_unit"].seq} <= seen
    assert rows["east_unit"].seq not in seen


def test_the_commander_sees_the_county_and_the_administrator_everything(client, county, rows):
    client.force_login(county.commander)
    seen = _seqs(client.get(reverse("audit_log")))
    assert {rows["east_unit"].seq, rows["west_actor"].seq, rows["west_unit"].seq} <= seen
    assert rows["anonymous"].seq not in seen

    admin = UserFactory(role=Role.ADMIN, scope_unit=county.bureau)
    client.force_login(admin)
    assert rows["anonymous"].seq in _seqs(client.get(reverse("audit_log")))


def test_the_nav_shows_the_audit_log_to_supervisors(client, county):
    client.force_login(county.east.chief)
    assert reverse("audit_log") in client.get(reverse("dispute_list")).content.decode()
    client.force_login(county.east.officer)
    assert reverse("audit_log") not in client.get(reverse("dispute_list")).content.decode()


def test_filters_by_user_action_and_time(client, county, rows):
    admin = UserFactory(role=Role.ADMIN, scope_unit=county.bureau)
    client.force_login(admin)
    url = reverse("audit_log")
    by_user = _seqs(client.get(url, {"user": county.east.officer.username}))
    assert rows["east_unit"].seq in by_user and rows["west_unit"].seq not in by_user
    # A failed login is found under the username that was tried.
    assert rows["anonymous"].seq in _seqs(client.get(url, {"user": "nobody"}))
    assert _seqs(client.get(url, {"action": "test.west"})) == {
        rows["west_actor"].seq,
        rows["west_unit"].seq,
    }
    today = timezone.localdate()
    assert rows["east_unit"].seq in _seqs(client.get(url, {"date_from": today, "date_to": today}))
    yesterday = today - dt.timedelta(days=1)
    assert not _seqs(client.get(url, {"date_to": yesterday.isoformat()}))
    assert client.get(url, {"person": "not a number"}).status_code == 200


def test_filters_by_case_and_person(client, county):
    dispute = register_dispute(county.east, parties=[PartyInput(name="王五", role="applicant")])
    person = dispute.parties.get().person
    client.force_login(county.east.officer)
    client.get(reverse("dispute_detail", args=[dispute.case_number]))
    client.get(reverse("person_detail", args=[person.pk]))
    other = register_dispute(county.east, title="另一起纠纷")

    client.force_login(county.east.chief)
    by_case = client.get(reverse("audit_log"), {"case_number": dispute.case_number})
    actions = {e.action for e in by_case.context["page"]}
    assert {"disputes.register", "disputes.view"} <= actions
    assert all(
        e.data.get("case_number") == dispute.case_number or e.target_id == str(dispute.pk)
        for e in by_case.context["page"]
    )
    assert other.case_number not in by_case.content.decode()
    by_person = client.get(reverse("audit_log"), {"person": person.pk})
    found = list(by_person.context["page"])
    assert "people.view" in {e.action for e in found}
    assert all(e.target_id == str(person.pk) for e in found)


def test_reading_the_audit_log_is_itself_audited_with_the_filters(client, county, rows):
    client.force_login(county.east.chief)
    client.get(reverse("audit_log"), {"action": "test.", "date_from": "2026-01-01", "page": "1"})
    entry = AuditEntry.objects.get(action="audit.view")
    assert entry.actor == county.east.chief and entry.unit == county.east.station
    assert entry.data["filters"] == {"action": "test.", "date_from": "2026-01-01"}
    assert entry.data["rows"] == 1 and entry.data["page"] == 1


def test_opening_a_case_page_is_audited(client, county):
    dispute = register_dispute(county.east)
    client.force_login(county.east.officer)
    assert client.get(reverse("dispute_detail", args=[dispute.case_number])).status_code == 200
    entry = AuditEntry.objects.get(action="disputes.view")
    assert entry.actor == county.east.officer and entry.target_id == str(dispute.pk)
    assert entry.data == {"case_number": dispute.case_number} and entry.unit == county.east.grid


def test_a_case_outside_the_area_is_not_shown_nor_logged_as_viewed(client, county):
    dispute = register_dispute(county.east)
    client.force_login(county.west.officer)
    assert client.get(reverse("dispute_detail", args=[dispute.case_number])).status_code == 404
    assert not AuditEntry.objects.filter(action="disputes.view").exists()


def test_opening_a_lead_page_is_audited(client, county):
    lead = intake_services.lead_create(
        actor=county.east.chief,
        data=intake_services.LeadInput(
            channel="police_call", text="两户因宅基地边界争吵", grid=county.east.grid
        ),
    )
    client.force_login(county.east.chief)
    assert client.get(reverse("lead_detail", args=[lead.pk])).status_code == 200
    entry = AuditEntry.objects.get(action="intake.lead_view")
    assert entry.target_id == str(lead.pk) and entry.unit == county.east.station
