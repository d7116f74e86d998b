"""Revealing a party's masked ID number, phone or address: by role, in scope, for a reason, audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from concord.audit.models import AuditEntry
from concord.disputes.models import Party
from concord.disputes.services import PartyInput
from concord.people import reveal
from tests.factories import UserFactory, mediator, register_dispute

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
ADDRESS = "淮阳区城关镇东关村3组12号"
HTMX = {"HTTP_HX_REQUEST": "true"}


def _party(branch) -> Party:
    dispute = register_dispute(
        branch,
        parties=[PartyInput(name="王芳", id_number=ID_NUMBER, phone=PHONE, address=ADDRESS)],
    )
    return dispute.parties.get()


def _reveals():
    return AuditEntry.objects.filter(action="people.reveal")


def _url(party, field):
    return reverse("party_reveal", args=[party.pk, field])


@pytest.mark.parametrize("reason", ["", "   ", "查", "!!", "  ? "])
def test_a_reveal_without_a_reason_is_refused_and_nothing_is_audited(county, reason):
    party = _party(county.east)
    with pytest.raises(ValidationError) as refused:
        reveal.party_field_reveal(
            actor=county.east.officer, party=party, field="id_number", reason=reason
        )
    assert "reason" in refused.value.message_dict
    assert not _reveals().exists()


def test_the_endpoint_refuses_a_reveal_without_a_reason_with_the_form_and_its_error(client, county):
    party = _party(county.east)
    client.force_login(county.east.officer)
    response = client.post(_url(party, "phone"), {"reason": " "}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert 'data-testid="reveal-error"' in html and 'name="reason"' in html
    assert 'aria-invalid="true"' in html
    assert PHONE not in html and "138****5678" in html
    assert not _reveals().exists()


def test_a_reveal_with_a_reason_returns_the_value_and_audits_the_reason(client, county):
    party = _party(county.east)
    officer = county.east.officer
    assert (
        reveal.party_field_reveal(
            actor=officer, party=party, field="id_number", reason=" 核实身份 "
        )
        == ID_NUMBER
    )
    client.force_login(officer)
    response = client.post(_url(party, "phone"), {"reason": "电话回访"}, **HTMX)
    assert response.status_code == 200
    assert PHONE in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    rows = list(_reveals().order_by("pk"))
    assert [(r.actor, r.target_id, r.unit_id) for r in rows] == [
        (officer, str(party.pk), party.dispute.grid_id)
    ] * 2
    assert rows[0].data == {
        "party": party.pk,
        "field": "id_number",
        "case_number": party.dispute.case_number,
        "reason": "核实身份",
    }
    assert (rows[1].data["field"], rows[1].data["reason"]) == ("phone", "电话回访")


def test_without_htmx_the_reveal_answers_with_a_page(client, county):
    party = _party(county.east)
    client.force_login(county.east.chief)
    response = client.post(_url(party, "address"), {"reason": "上门走访"})
    html = response.content.decode()
    assert response.status_code == 200 and ADDRESS in html and "<html" in html
    assert party.dispute.case_number in html


@pytest.mark.parametrize(
    ("who", "field"),
    [("grid_worker", "id_number"), ("auxiliary", "id_number"), ("mediator", "phone")],
)
def test_a_role_that_may_not_reveal_the_field_gets_403(client, county, who, field):
    party = _party(county.east)
    user = mediator(county.east.station) if who == "mediator" else getattr(county.east, who)
    with pytest.raises(PermissionDenied):
        reveal.party_field_reveal(actor=user, party=party, field=field, reason="需要核实")
    client.force_login(user)
    response = client.post(_url(party, field), {"reason": "需要核实"}, **HTMX)
    assert response.status_code == 403
    assert not _reveals().exists()


def test_grid_workers_reveal_the_phone_they_call(client, county):
    party = _party(county.east)
    client.force_login(county.east.grid_worker)
    response = client.post(_url(party, "phone"), {"reason": "联系当事人"}, **HTMX)
    assert response.status_code == 200 and PHONE in response.content.decode()


def test_a_party_outside_the_users_area_is_not_found(client, county):
    party = _party(county.west)
    with pytest.raises(Party.DoesNotExist):
        reveal.party_field_reveal(
            actor=county.east.chief, party=party, field="phone", reason="核实情况"
        )
    client.force_login(county.east.chief)
    assert client.post(_url(party, "phone"), {"reason": "核实情况"}).status_code == 404
    assert client.post(reverse("party_reveal", args=[999999, "phone"]), {}).status_code == 404
    assert not _reveals().exists()


def test_only_personal_fields_can_be_revealed_and_only_by_post(client, county):
    party = _party(county.east)
    client.force_login(county.east.officer)
    assert client.post(_url(party, "name"), {"reason": "核实情况"}).status_code == 404
    assert client.get(_url(party, "phone")).status_code == 405
    with pytest.raises(ValidationError) as refused:
        reveal.party_field_reveal(
            actor=county.east.officer, party=party, field="birth_date", reason="核实情况"
        )
    assert "field" in refused.value.message_dict
    assert not _reveals().exists()


def _case_page(client, user, party) -> str:
    client.force_login(user)
    return client.get(reverse("dispute_detail", args=[party.dispute.case_number])).content.decode()


def test_the_case_page_shows_masked_values_and_a_reveal_control_for_an_officer(client, county):
    party = _party(county.east)
    html = _case_page(client, county.east.officer, party)
    for clear in (ID_NUMBER, PHONE, ADDRESS, "东关村3组12号"):
        assert clear not in html
    assert "138****5678" in html and "110105********002X" in html and "淮阳区城关镇****" in html
    for field in ("id_number", "phone", "address"):
        assert f'hx-post="{_url(party, field)}"' in html
    assert "concord/reveal.js" in html
    parties = html.split('aria-labelledby="parties-heading"')[1].split("</section>")[0]
    assert "<script>" not in parties  # no inline script: the page may run under a strict CSP


def test_the_case_page_offers_only_the_fields_the_role_may_reveal(client, county):
    party = _party(county.east)
    html = _case_page(client, county.east.grid_worker, party)
    assert f'hx-post="{_url(party, "phone")}"' in html
    assert f'hx-post="{_url(party, "address")}"' in html
    assert _url(party, "id_number") not in html
    assert ID_NUMBER not in html and PHONE not in html and ADDRESS not in html


def test_a_role_that_may_reveal_nothing_sees_no_control_and_no_script(client, county):
    party = _party(county.east)
    html = _case_page(client, mediator(county.east.station), party)
    assert 'data-testid="parties"' in html and "138****5678" in html
    assert "reveal-form" not in html and "concord/reveal.js" not in html
    assert ID_NUMBER not in html and PHONE not in html and ADDRESS not in html


def test_the_person_page_masks_the_address_too(client, county):
    party = _party(county.east)
    client.force_login(county.east.officer)
    html = client.get(reverse("person_detail", args=[party.person_id])).content.decode()
    assert ADDRESS not in html and PHONE not in html and ID_NUMBER not in html
    assert f'hx-post="{_url(party, "address")}"' in html


def test_exports_follow_the_reveal_rules():
    from concord.reporting import ledger_export

    assert ledger_export.UNMASK_ROLES is reveal.UNMASKED_EXPORT_ROLES
    for field in reveal.EXPORTED_FIELDS:
        assert reveal.UNMASKED_EXPORT_ROLES.issubset(reveal.REVEAL_ROLES[field])


def test_an_unmasked_export_needs_a_reason_the_reveal_would_take(tmp_path, county):
    from concord.reporting.ledger_export import LedgerExportRefused, ledger_export

    analyst = UserFactory(role="analyst", scope_unit=county.bureau)
    with pytest.raises(LedgerExportRefused):
        ledger_export(
            actor=analyst, filters=None, output=tmp_path / "l.xlsx", unmasked=True, reason="!"
        )


def test_health_notes_are_for_officer_roles_only(county):
    assert reveal.may_see_health_notes(county.east.officer)
    assert reveal.may_see_health_notes(county.east.chief)
    assert not reveal.may_see_health_notes(county.east.grid_worker)
    assert not reveal.may_see_health_notes(county.east.auxiliary)
    assert not reveal.may_see_health_notes(mediator(county.east.station))
