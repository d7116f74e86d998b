import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from concord.audit.models import AuditEntry
from concord.audit.retention import pseudonym, retention_apply, retention_plan
from concord.disputes.models import Dispute, DisputeEvent, Party
from concord.disputes.services import PartyInput
from concord.intake.models import Lead
from concord.mediation.models import FollowUpVisit
from concord.people.models import Person, PersonKey
from tests.factories import register_dispute

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2030, 6, 1, 9, 0))
ID_ZHANG = "11010519491231002X"


def _case(branch, *, closed_days_ago: int | None, parties=None, **kwargs) -> Dispute:
    dispute = register_dispute(
        branch,
        parties=parties
        or [
            PartyInput(
                name="张三",
                id_number=ID_ZHANG,
                phone="13812345678",
                address=f"{branch.village.name}3组12号",
                role="applicant",
            ),
            PartyInput(name="欧阳明", phone="0394-8234567", role="respondent"),
        ],
        **kwargs,
    )
    if closed_days_ago is not None:
        Dispute.objects.filter(pk=dispute.pk).update(
            status="closed", closed_at=NOW - dt.timedelta(days=closed_days_ago)
        )
    dispute.refresh_from_db()
    return dispute


def _snapshot():
    return {
        "parties": list(Party.objects.order_by("pk").values()),
        "persons": list(Person.objects.order_by("pk").values()),
        "keys": list(PersonKey.objects.order_by("pk").values()),
        "disputes": list(Dispute.objects.order_by("pk").values()),
        "leads": list(Lead.objects.order_by("pk").values()),
        "events": DisputeEvent.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_pseudonyms_keep_the_surname_compound_ones_whole():
    assert pseudonym("张三") == "张某"
    assert pseudonym("欧阳明") == "欧阳某"
    assert pseudonym("张某") == "张某"
    assert pseudonym("John") == "某某"


def test_the_dry_run_lists_what_would_change_and_changes_nothing(county):
    old = _case(county.east, closed_days_ago=2000)
    _case(county.east, closed_days_ago=10)
    before = _snapshot()
    report = retention_plan(now=NOW, days=1095)
    assert _snapshot() == before
    assert report["applied"] is False
    assert report["cases"] == 1 and report["parties"] == 2
    (case,) = report["by_case"]
    assert case["case_number"] == old.case_number
    fields = {p["party"]: p["fields"] for p in case["parties"]}
    zhang = old.parties.get(name="张三")
    assert {"name", "id_number", "phone"} <= set(fields[zhang.pk])


def test_the_command_is_a_dry_run_unless_told_to_apply(county, capsys):
    _case(county.east, closed_days_ago=2000)
    before = _snapshot()
    call_command("retention", "--days", "365")
    report = json.loads(capsys.readouterr().out)
    assert report["applied"] is False and report["cases"] == 1
    assert _snapshot() == before
    call_command("retention", "--days", "365", "--apply")
    assert json.loads(capsys.readouterr().out)["applied"] is True
    assert not Party.objects.filter(pseudonymised_at__isnull=True).exists()


def test_the_real_run_pseudonymises_the_parties_and_is_audited(county):
    dispute = _case(county.east, closed_days_ago=2000)
    Dispute.objects.filter(pk=dispute.pk).update(
        description="张三称欧阳明占用排水沟，张三电话13812345678，身份证11010519491231002X。"
    )
    FollowUpVisit.objects.create(
        dispute=dispute,
        visited_at=NOW - dt.timedelta(days=2100),
        visited_by=county.east.officer,
        method="phone",
        met_with="张三、欧阳明",
        matter_settled=True,
        grievance_settled=True,
        note="欧阳明表示已和解",
    )
    lead = Lead.objects.create(
        channel="hotline",
        text="张三报称与邻居欧阳明争执",
        received_at=NOW - dt.timedelta(days=2200),
        station=county.east.station,
        grid=county.east.grid,
        reporter_name="张三",
        reporter_phone="13812345678",
        dispute=dispute,
    )
    report = retention_apply(actor=county.commander, now=NOW, days=1095)
    assert report["applied"] is True and report["cases"] == 1

    zhang = dispute.parties.get(role="applicant")
    ouyang = dispute.parties.get(role="respondent")
    assert (zhang.name, zhang.id_number, zhang.phone, zhang.birth_date) == ("张某", "", "", None)
    assert (ouyang.name, ouyang.phone) == ("欧阳某", "")
    assert "3组" not in zhang.address and "12号" not in zhang.address
    assert zhang.pseudonymised_at == NOW and ouyang.pseudonymised_at == NOW

    dispute.refresh_from_db()
    for text in (dispute.description, FollowUpVisit.objects.get().note, Lead.objects.get().text):
        assert "张三" not in text and "欧阳明" not in text
        assert "13812345678" not in text and ID_ZHANG not in text
    assert "张某" in dispute.description and "欧阳某" in dispute.description
    lead.refresh_from_db()
    assert (lead.reporter_name, lead.reporter_phone) == ("张某", "")

    # The persons behind the parties no longer carry anything that re-identifies them.
    person = zhang.person
    person.refresh_from_db()
    assert (person.name, person.id_number, person.birth_date) == ("张某", "", None)
    assert not PersonKey.objects.filter(person__in=[zhang.person_id, ouyang.person_id]).exists()

    entry = AuditEntry.objects.get(action="retention.pseudonymise")
    assert entry.actor == county.commander and entry.target_id == str(dispute.pk)
    assert entry.data["case_number"] == dispute.case_number
    assert AuditEntry.objects.filter(action="retention.run").count() == 1
    assert dispute.events.filter(action="pseudonymise").count() == 1


def test_recent_and_open_cases_are_left_alone(county):
    _case(county.east, closed_days_ago=10)
    open_case = register_dispute(
        county.west, parties=[PartyInput(name="李四", phone="13900001111")]
    )
    Dispute.objects.filter(pk=open_case.pk).update(found_at=NOW - dt.timedelta(days=3000))
    report = retention_apply(now=NOW, days=1095)
    assert report["cases"] == 0
    assert not Party.objects.filter(pseudonymised_at__isnull=False).exists()
    assert set(Party.objects.values_list("name", flat=True)) == {"张三", "欧阳明", "李四"}


def test_a_second_run_changes_nothing(county):
    _case(county.east, closed_days_ago=2000)
    retention_apply(now=NOW, days=1095)
    after_first = _snapshot()
    report = retention_apply(now=NOW + dt.timedelta(days=1), days=1095)
    assert report["cases"] == 0
    second = _snapshot()
    # Only the run's summary row is new.
    assert second["audit"] == after_first["audit"] + 1
    assert {k: v for k, v in second.items() if k != "audit"} == {
        k: v for k, v in after_first.items() if k != "audit"
    }


def test_a_person_with_a_recent_case_keeps_the_keys_of_that_case(county):
    old = _case(
        county.east,
        closed_days_ago=2000,
        parties=[PartyInput(name="王芳", id_number=ID_ZHANG, phone="13812345678")],
    )
    recent = _case(
        county.east,
        closed_days_ago=None,
        parties=[PartyInput(name="王芳", phone="13812345678")],
    )
    person = old.parties.get().person
    assert recent.parties.get().person == person
    retention_apply(now=NOW, days=1095)
    person.refresh_from_db()
    assert person.name == "王芳"  # a live record still names her
    kinds = set(person.keys.values_list("kind", flat=True))
    assert PersonKey.Kind.PHONE in kinds  # the recent record's phone
    assert PersonKey.Kind.ID_NUMBER not in kinds  # only the pseudonymised record had it
    assert recent.parties.get().phone == "13812345678"
