"""A grid worker's report and nil report sent from an offline draft (drafts.js): they arrive once."""

import uuid

import pytest
from django.urls import reverse

from concord.intake.models import Lead
from concord.intake.screening import NilReport
from concord.intake.views import DRAFT_SOURCE

pytestmark = pytest.mark.django_db

DRAFT = {"HTTP_X_CONCORD_DRAFT": "1"}
REPORT = {
    "text": "网格员走访发现张庄村两户因宅基地边界吵架",
    "address": "",
    "reporter_name": "",
    "reporter_phone": "",
}


def test_a_grid_report_draft_sent_twice_is_one_lead(client, county):
    client.force_login(county.east.grid_worker)
    token = str(uuid.uuid4())
    answers = [
        client.post(reverse("grid_report"), {**REPORT, "client_token": token}, **DRAFT)
        for _ in range(2)
    ]
    lead = Lead.objects.get()
    url = reverse("lead_detail", args=[lead.pk])
    assert [a.json() for a in answers] == [{"status": "done", "redirect": url}] * 2
    assert (lead.source_system, lead.source_ref) == (DRAFT_SOURCE, token)


def test_grid_reports_without_a_token_stay_separate(client, county):
    client.force_login(county.east.grid_worker)
    client.post(reverse("grid_report"), REPORT)
    client.post(reverse("grid_report"), REPORT)
    assert Lead.objects.count() == 2


def test_a_nil_report_draft_sent_twice_arrives_once_without_an_error(client, county):
    client.force_login(county.east.grid_worker)
    url = reverse("nil_report_submit", args=[county.east.grid.code])
    data = {"kind": "nothing_found", "note": "已走访", "client_token": str(uuid.uuid4())}
    home = f"{reverse('screening_home')}?grid={county.east.grid.code}"
    first = client.post(url, data, **DRAFT)
    again = client.post(url, data, **DRAFT)
    assert first.json() == {"status": "done", "redirect": home}
    assert again.json() == {"status": "done", "redirect": home}
    assert NilReport.objects.count() == 1
    assert "本期报告此前已提交成功" in client.get(home).content.decode()


def test_a_nil_report_by_someone_else_is_still_refused(client, county):
    client.force_login(county.east.auxiliary)
    url = reverse("nil_report_submit", args=[county.east.grid.code])
    client.post(url, {"kind": "nothing_found"})
    client.force_login(county.east.grid_worker)
    response = client.post(
        url, {"kind": "nothing_found", "client_token": str(uuid.uuid4())}, **DRAFT
    )
    assert response.json()["status"] == "refused"
    assert NilReport.objects.get().reported_by == county.east.auxiliary
