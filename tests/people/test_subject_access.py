import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from concord.audit.models import AuditEntry
from concord.disputes.services import PartyInput
from concord.intake.models import Lead
from concord.mediation.models import FollowUpVisit
from concord.people.subject_access import subject_access_export
from tests.factories import UserFactory, register_dispute

pytestmark = pytest.mark.django_db


def _two_cases_and_a_stranger(county):
    first = register_dispute(
        county.east,
        parties=[
            PartyInput(name="周杰", phone="13700009999", id_number="11010519491231002X"),
            PartyInput(name="吴刚", phone="13600008888", role="respondent"),
        ],
    )
    second = register_dispute(
        county.west,
        parties=[PartyInput(name="周杰", phone="13700009999", role="respondent")],
    )
    zhou = first.parties.get(name="周杰").person
    assert second.parties.get().person == zhou
    stranger = first.parties.get(name="吴刚")
    for note, met in (("周杰表示满意", "周杰"), ("吴刚仍有怨言", "吴刚")):
        FollowUpVisit.objects.create(
            dispute=first,
            visited_at=timezone.now() - dt.timedelta(days=1),
            visited_by=county.east.officer,
            method="phone",
            met_with=met,
            matter_settled=True,
            grievance_settled=True,
            note=note,
        )
    Lead.objects.create(
        channel="hotline",
        text="周杰反映邻居占道",
        received_at=timezone.now(),
        station=county.east.station,
        grid=county.east.grid,
        reporter_name="周杰",
        reporter_phone="13700009999",
        reporter_person=zhou,
    )
    return zhou, stranger, first, second


def test_the_export_holds_the_persons_records_across_cases_and_nothing_about_others(county):
    zhou, stranger, first, second = _two_cases_and_a_stranger(county)
    export = subject_access_export(actor=county.commander, person=zhou)
    text = json.dumps(export, ensure_ascii=False)
    assert {r["case_number"] for r in export["party_records"]} == {
        first.case_number,
        second.case_number,
    }
    assert "11010519491231002X" in text and "13700009999" in text  # unmasked: it is their data
    assert [v["note"] for v in export["follow_up_visits"]] == ["周杰表示满意"]
    assert [lead["text"] for lead in export["leads"]] == ["周杰反映邻居占道"]
    assert "吴刚" not in text and "13600008888" not in text
    assert stranger.person_id != zhou.pk
    entry = AuditEntry.objects.get(action="people.subject_access")
    assert entry.actor == county.commander and entry.target_id == str(zhou.pk)
    assert sorted(entry.data["party_records"]) == sorted(r["id"] for r in export["party_records"])


def test_a_station_chief_gets_only_the_records_in_the_station(county):
    zhou, _stranger, first, second = _two_cases_and_a_stranger(county)
    export = subject_access_export(actor=county.east.chief, person=zhou)
    assert [r["case_number"] for r in export["party_records"]] == [first.case_number]


def test_a_grid_worker_is_refused(county, client):
    zhou, *_ = _two_cases_and_a_stranger(county)
    with pytest.raises(PermissionDenied):
        subject_access_export(actor=county.east.grid_worker, person=zhou)
    client.force_login(county.east.grid_worker)
    response = client.get(reverse("person_subject_access", args=[zhou.pk]))
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="people.subject_access").exists()


def test_the_download_is_json_and_a_person_outside_the_area_is_not_found(county, client):
    zhou, *_ = _two_cases_and_a_stranger(county)
    west_only = register_dispute(county.west, parties=[PartyInput(name="郑和")]).parties.get()
    client.force_login(county.east.chief)
    response = client.get(reverse("person_subject_access", args=[zhou.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert json.loads(response.content)["person"]["id"] == zhou.pk
    outside = client.get(reverse("person_subject_access", args=[west_only.person_id]))
    assert outside.status_code == 404


def test_an_administrator_may_export(county):
    zhou, *_ = _two_cases_and_a_stranger(county)
    admin = UserFactory(role="admin", scope_unit=county.bureau)
    assert len(subject_access_export(actor=admin, person=zhou)["party_records"]) == 2
