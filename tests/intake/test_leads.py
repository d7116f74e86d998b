"""The lead pool: taking leads in from channels, ranking them, and triaging them into the register."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from concord.audit.models import AuditEntry
from concord.disputes.models import Category, Task
from concord.disputes.services import PartyInput
from concord.intake import selectors, services
from concord.intake.models import Lead
from tests.factories import register_dispute

pytestmark = pytest.mark.django_db


def _lead(county, text, *, actor=None, **kwargs):
    data = services.LeadInput(
        channel=kwargs.pop("channel", "police_call"),
        text=text,
        grid=kwargs.pop("grid", county.east.grid),
        **kwargs,
    )
    return services.lead_create(actor=actor or county.east.chief, data=data)


def test_a_dispute_lead_is_classified_graded_and_audited(county):
    lead = _lead(county, "报警人称邻居扬言要和他同归于尽，双方因宅基地边界争吵")
    assert lead.is_dispute and lead.level == "red" and lead.priority == 3
    assert "threat_kill" in lead.flags and lead.station == county.east.station
    assert AuditEntry.objects.filter(action="intake.lead.create", target_id=str(lead.pk)).exists()


def test_a_non_dispute_is_kept_but_not_ranked(county):
    lead = _lead(county, "报警人称其停在楼下的电动车被盗")
    assert not lead.is_dispute and lead.category == "none" and lead.priority == 0
    assert lead not in selectors.triage_queue(actor=county.east.chief)


def test_the_queue_is_ranked_by_risk_then_age(county):
    now = timezone.now()
    old_yellow = _lead(
        county, "市民来电反映楼上装修噪音大，协商未果", received_at=now - dt.timedelta(hours=5)
    )
    red = _lead(
        county, "报警人称前夫拿着菜刀在门口扬言要杀了她", received_at=now - dt.timedelta(hours=1)
    )
    new_yellow = _lead(county, "来访人反映邻居家的狗经常跑到院子里，双方争吵", received_at=now)
    queue = list(selectors.triage_queue(actor=county.east.chief))
    assert queue.index(red) < queue.index(old_yellow) < queue.index(new_yellow)


def test_the_same_source_reference_gives_the_same_lead(county):
    first = _lead(
        county, "报警人称与邻居因排水沟发生争吵", source_ref="110-0001", source_system="110"
    )
    again = _lead(
        county, "报警人称与邻居因排水沟发生争吵", source_ref="110-0001", source_system="110"
    )
    assert first == again and Lead.objects.count() == 1


def test_a_lead_outside_the_users_area_is_refused(county):
    with pytest.raises(PermissionDenied):
        _lead(county, "报警人称与邻居争吵", actor=county.west.chief)


def test_a_lead_about_a_party_of_an_open_case_proposes_attaching_to_it(county):
    case = register_dispute(county.east, parties=[PartyInput(name="张三", phone="13812345678")])
    lead = _lead(
        county,
        "报警人称又与邻居因排水沟吵起来",
        reporter_name="张三",
        reporter_phone="138-1234-5678",
    )
    assert lead.reporter_person == case.parties.get().person
    assert lead.repeat_of == case and lead.repeat_reasons


def test_triage_registers_a_new_case_from_a_lead(county):
    lead = _lead(county, "报警人称与邻居因排水沟发生争吵")
    dispute = services.lead_register_dispute(
        actor=county.east.chief,
        lead=lead,
        title="排水沟纠纷",
        category=Category.objects.get(code="neighbour"),
        grid=county.east.grid,
    )
    lead.refresh_from_db()
    assert lead.state == "registered" and lead.dispute == dispute
    assert dispute.channel == "police_call" and dispute.description == lead.text
    assert dispute.found_at == lead.received_at


def test_attaching_a_lead_puts_it_on_the_case_timeline_and_proposes_reassessment(county):
    case = register_dispute(county.east)
    lead = _lead(county, "报警人称邻居又因排水沟吵架")
    services.lead_attach(actor=county.east.chief, lead=lead, dispute=case)
    lead.refresh_from_db()
    assert lead.state == "attached" and lead.dispute == case
    assert case.events.filter(action="lead_attach").exists()
    assert case.tasks.filter(kind=Task.Kind.REASSESS, state="open").exists()


def test_dismissing_needs_a_reason_and_a_triage_role(county):
    lead = _lead(county, "报警人称与邻居争吵")
    with pytest.raises(ValidationError):
        services.lead_dismiss(actor=county.east.chief, lead=lead, reason=" ")
    with pytest.raises(PermissionDenied):
        services.lead_dismiss(actor=county.east.grid_worker, lead=lead, reason="已自行和解")
    services.lead_dismiss(actor=county.east.chief, lead=lead, reason="已自行和解")
    lead.refresh_from_db()
    assert lead.state == "dismissed" and lead.dismiss_reason == "已自行和解"


def test_a_lead_is_triaged_once(county):
    lead = _lead(county, "报警人称与邻居争吵")
    services.lead_dismiss(actor=county.east.chief, lead=lead, reason="误报")
    with pytest.raises(ValidationError):
        services.lead_dismiss(actor=county.east.chief, lead=lead, reason="误报")


def test_a_grid_worker_reports_from_the_lane(client, county):
    client.force_login(county.east.grid_worker)
    response = client.post(
        reverse("grid_report"),
        {
            "text": "网格员走访发现张庄村两户因宅基地边界吵架",
            "address": "",
            "reporter_name": "",
            "reporter_phone": "",
        },
    )
    lead = Lead.objects.get()
    assert (
        response.status_code == 302
        and lead.channel == "grid_report"
        and lead.grid == county.east.grid
    )
    assert lead.created_by == county.east.grid_worker


def test_the_station_sees_the_queue_and_triages_from_the_page(client, county):
    lead = _lead(county, "报警人称与邻居因排水沟发生争吵")
    client.force_login(county.east.chief)
    assert lead.text in client.get(reverse("triage_queue")).content.decode()
    client.post(
        reverse("lead_detail", args=[lead.pk]), {"action": "dismiss", "dismiss-reason": "重复报警"}
    )
    lead.refresh_from_db()
    assert lead.state == "dismissed"
    client.force_login(county.west.chief)
    assert client.get(reverse("lead_detail", args=[lead.pk])).status_code == 404


def test_an_external_system_sends_a_lead_once_per_idempotency_key(client, county):
    from concord.accounts.tokens import api_token_issue
    from tests.factories import UserFactory

    admin = UserFactory(role="admin", scope_unit=county.bureau)
    system = UserFactory(role="analyst", scope_unit=county.bureau, username="hotline-12345")
    with __import__("django").db.transaction.atomic():
        _, token = api_token_issue(actor=admin, user=system, name="12345")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = {
        "idempotency_key": "T-1",
        "channel": "hotline",
        "text": "市民来电反映邻居在楼道堆放杂物，多次协商未果",
        "grid": county.east.grid.code,
    }
    first = client.post("/api/leads", body, content_type="application/json", **headers)
    again = client.post("/api/leads", body, content_type="application/json", **headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert Lead.objects.count() == 1 and Lead.objects.get().source_system == "12345"
    status = client.get("/api/leads/T-1", **headers)
    assert status.status_code == 200 and status.json()["state"] == "new"
    bad = client.post(
        "/api/leads",
        {"idempotency_key": "T-2", "text": ""},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 422 and "text" in str(bad.json())


def test_a_patrol_visit_with_a_finding_puts_a_lead_in_the_pool(client, county):
    from concord.intake.models import PatrolVisit

    client.force_login(county.east.grid_worker)
    client.post(
        reverse("patrol_visit"),
        {
            "grid": county.east.grid.pk,
            "visited_on": timezone.localdate().isoformat(),
            "households": "12",
            "found": "走访发现两户因宅基地边界争吵",
        },
    )
    visit = PatrolVisit.objects.get()
    assert visit.households == 12 and visit.lead.channel == "patrol_visit"
    assert visit.lead.grid == county.east.grid


def test_a_patrol_visit_with_nothing_found_makes_no_lead(client, county):
    from concord.intake.models import PatrolVisit

    client.force_login(county.east.grid_worker)
    client.post(
        reverse("patrol_visit"),
        {
            "grid": county.east.grid.pk,
            "visited_on": timezone.localdate().isoformat(),
            "households": "8",
            "found": "",
        },
    )
    assert PatrolVisit.objects.get().lead is None and not Lead.objects.exists()


def test_one_system_cannot_see_another_systems_leads(client, county):
    from django.db import transaction

    from concord.accounts.tokens import api_token_issue
    from tests.factories import UserFactory

    admin = UserFactory(role="admin", scope_unit=county.bureau)
    hotline = UserFactory(role="analyst", scope_unit=county.bureau, username="sys-12345")
    court = UserFactory(role="analyst", scope_unit=county.bureau, username="sys-court")
    with transaction.atomic():
        _, hotline_token = api_token_issue(actor=admin, user=hotline, name="12345")
        _, court_token = api_token_issue(actor=admin, user=court, name="court")
    body = {
        "idempotency_key": "K-1",
        "channel": "hotline",
        "text": "市民来电反映邻居占用公共通道，双方争吵",
        "grid": county.east.grid.code,
    }
    client.post(
        "/api/leads",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {hotline_token}",
    )
    assert (
        client.get("/api/leads/K-1", HTTP_AUTHORIZATION=f"Bearer {hotline_token}").status_code
        == 200
    )
    assert (
        client.get("/api/leads/K-1", HTTP_AUTHORIZATION=f"Bearer {court_token}").status_code == 404
    )


def test_a_bad_lead_payload_names_the_fields(client, county):
    from django.db import transaction

    from concord.accounts.tokens import api_token_issue
    from tests.factories import UserFactory

    admin = UserFactory(role="admin", scope_unit=county.bureau)
    system = UserFactory(role="analyst", scope_unit=county.bureau, username="sys-110")
    with transaction.atomic():
        _, token = api_token_issue(actor=admin, user=system, name="110")
    bad = client.post(
        "/api/leads",
        {"idempotency_key": "", "text": "x" * 5000, "grid": "NOPE"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert bad.status_code == 422
    fields = {tuple(e["loc"])[-1] for e in bad.json()["detail"]}
    assert {"idempotency_key", "text"} <= fields
    unknown_grid = client.post(
        "/api/leads",
        {"idempotency_key": "G-1", "text": "邻里因排水争吵", "grid": "NOPE"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert unknown_grid.status_code == 422 and "grid" in str(unknown_grid.json())
