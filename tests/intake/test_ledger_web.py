"""The web import of a ledger: upload with a progress bar, then every rejected row and warning."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path, reverse

from concord.accounts.models import Role
from concord.disputes.models import Dispute
from concord.urls import urlpatterns as project_urlpatterns
from tests.factories import UserFactory
from tests.intake import ledger_fixtures as fx

# The ledger pages mounted as concord.urls will mount them (whether or not it does already).
urlpatterns = [
    path("intake/ledger/", include("concord.intake.urls_ledger")),
    *project_urlpatterns,
]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def analyst(county):
    return UserFactory(role=Role.ANALYST, scope_unit=county.bureau)


def _upload(tmp_path, name="东派出所5月台账.xlsx"):
    data = fx.station_ledger(tmp_path / "ledger.xlsx").read_bytes()
    return SimpleUploadedFile(name, data, content_type=XLSX)


def _english(client):
    client.cookies["concord_language"] = "en"


def test_the_form_has_a_progress_bar_and_no_inline_script(client, analyst):
    client.force_login(analyst)
    response = client.get(reverse("ledger_upload"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="upload-progress"' in html and "<progress" in html
    assert 'name="dry_run"' in html and 'enctype="multipart/form-data"' in html
    assert "/static/concord/ledger_upload.js" in html
    # Every script of the page comes from a file: a Content-Security-Policy can forbid inline code.
    assert html.count("<script") == html.count("<script src=")
    assert "排查时间" in html  # the accepted headers are listed


def test_an_analyst_uploads_and_sees_every_rejected_row_and_warning(client, analyst, tmp_path):
    client.force_login(analyst)
    _english(client)
    response = client.post(reverse("ledger_upload"), {"file": _upload(tmp_path)})
    assert response.status_code == 302
    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert Dispute.objects.count() == len(fx.IMPORTED)
    for number, column in fx.REJECTED.items():
        assert f'<tr data-row="{number}"><td>{number}</td>' in html
        assert f"No. {number}, {column}: " in html
    assert "stored as a number" in html and "same dispute as No. 2" in html
    assert 'data-testid="rejected-count">3<' in html and 'data-testid="warning-count">4<' in html
    case = Dispute.objects.get(parties__name="张三").case_number
    assert reverse("dispute_detail", args=[case]) in html
    report = client.get(response.url + "report.json")
    assert report["Content-Disposition"].startswith("attachment;")
    data = json.loads(report.content)
    assert data["imported"] == fx.IMPORTED and [r["row"] for r in data["rejected"]] == [8, 9, 10]


def test_a_dry_run_from_the_form_writes_nothing(client, analyst, tmp_path):
    client.force_login(analyst)
    _english(client)
    response = client.post(reverse("ledger_upload"), {"file": _upload(tmp_path), "dry_run": "on"})
    page = client.get(response.url).content.decode()
    assert not Dispute.objects.exists()
    assert 'data-testid="dry-run"' in page and "Would be imported" in page
    del client.cookies["concord_language"]  # the default interface language renders too
    chinese = client.get(response.url)
    assert chinese.status_code == 200 and '<html lang="zh-CN">' in chinese.content.decode()


def test_a_station_chief_cannot_import_into_another_stations_grid(client, county, tmp_path):
    client.force_login(county.east.chief)
    _english(client)
    response = client.post(reverse("ledger_upload"), {"file": _upload(tmp_path)})
    html = client.get(response.url).content.decode()
    assert "No. 11, 所在村（社区）: " in html and "outside your area" in html
    assert not Dispute.objects.filter(station=county.west.station).exists()
    assert Dispute.objects.filter(station=county.east.station).count() == len(fx.IMPORTED) - 1


def test_what_is_not_a_workbook_is_refused_on_the_form(client, analyst, tmp_path):
    client.force_login(analyst)
    _english(client)
    csv = SimpleUploadedFile(
        "ledger.csv", "序号,当事人\n1,张三\n".encode(), content_type="text/csv"
    )
    response = client.post(reverse("ledger_upload"), {"file": csv})
    assert response.status_code == 400 and ".xlsx" in response.content.decode()
    fake = SimpleUploadedFile("ledger.xlsx", b"hello", content_type=XLSX)
    response = client.post(reverse("ledger_upload"), {"file": fake})
    assert response.status_code == 400 and "not an Excel workbook" in response.content.decode()
    assert not Dispute.objects.exists()


def test_only_importers_reach_the_page_and_reports_stay_with_their_session(
    client, county, analyst, tmp_path
):
    url = reverse("ledger_upload")
    assert client.get(url).status_code == 302  # to the login page
    for user in (county.east.grid_worker, county.east.officer):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"file": _upload(tmp_path)}).status_code == 403
    assert not Dispute.objects.exists()
    client.force_login(county.east.chief)
    assert client.get(url).status_code == 200
    assert client.get(reverse("ledger_result", args=["unknown"])).status_code == 404
