"""The mediation pages: the mediator's inbox, the referral page and its forms, performance, the
printable agreement (人民调解协议书) and the mediation sections of the case page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from concord.audit.models import AuditEntry
from concord.disputes import services as dispute_services
from concord.disputes.models import Dispute, Status, Task
from concord.disputes.services import PartyInput
from concord.mediation import services
from concord.mediation.models import Agreement, MediationSession, Referral
from tests.factories import mediation_body, mediator, register_dispute
from tests.mediation.conftest import Mediation, assigned_case

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"  # GB 11643 check digit correct
TERMS = "1. 李四于本月内疏通排水沟\n2. 李四赔偿张三损失五百元"


def today() -> dt.date:
    return timezone.localdate()


def refer(county, dispute: Dispute, body) -> Referral:
    dispute.refresh_from_db()
    [referral] = services.referral_create(
        actor=county.east.officer, dispute=dispute, expected_version=dispute.version, bodies=[body]
    )
    return referral


def accepted(county, mediation: Mediation, dispute: Dispute | None = None) -> Referral:
    referral = refer(county, dispute or mediation.dispute, mediation.body)
    return services.referral_accept(actor=mediation.mediator, referral=referral)


def agreed(county, mediation: Mediation, dispute: Dispute | None = None) -> Agreement:
    return services.agreement_record(
        actor=mediation.mediator,
        referral=accepted(county, mediation, dispute),
        form="written",
        facts="两家因排水沟堵塞争吵，张三家院子被淹。",
        terms=TERMS,
        signed_on=today(),
        amount=Decimal("500"),
        instalments=[
            services.InstalmentInput(
                due_on=today() + dt.timedelta(days=30),
                description="赔偿张三损失",
                amount=Decimal("500"),
            )
        ],
    )


def case_with_party_details(county) -> Dispute:
    """An assigned case whose parties have phones, an ID number and an address."""
    b = county.east
    d = register_dispute(
        b,
        parties=[
            PartyInput(
                name="王芳",
                phone="13812345678",
                id_number=VALID_ID,
                address="东村三组12号",
            ),
            PartyInput(name="赵强", role="respondent", phone="13900001111"),
        ],
    )
    d = dispute_services.dispute_assess(
        actor=b.officer, dispute=d, expected_version=d.version, level="yellow", reasons=["口角"]
    )
    return dispute_services.dispute_assign(
        actor=b.officer, dispute=d, expected_version=d.version, owner=b.officer
    )


def session_payload(mediation: Mediation, **overrides) -> dict:
    data = {
        "session-held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "session-place": "东村村委会调解室",
        "session-mediators": [mediation.mediator.pk],
        "session-attendees": "张三、李四",
        "session-summary": "双方陈述，调解员释法说理。",
        "session-result": "continuing",
    }
    data.update(overrides)
    return data


def agreement_payload(rows: list[tuple[str, str, str]], **overrides) -> dict:
    data = {
        "agreement-form": "written",
        "agreement-facts": "两家因排水沟堵塞争吵。",
        "agreement-terms": TERMS,
        "agreement-amount": "500",
        "agreement-signed_on": today().isoformat(),
        "agreement-court": "",
        "agreement-confirmation_number": "",
        "agreement-confirmed_on": "",
        "instalments-TOTAL_FORMS": str(len(rows) + 1),
        "instalments-INITIAL_FORMS": "0",
        "instalments-MIN_NUM_FORMS": "0",
        "instalments-MAX_NUM_FORMS": "60",
    }
    for n, (due_on, description, amount) in enumerate([*rows, ("", "", "")]):
        data[f"instalments-{n}-due_on"] = due_on
        data[f"instalments-{n}-description"] = description
        data[f"instalments-{n}-amount"] = amount
    data.update(overrides)
    return data


# --- the inbox ---------------------------------------------------------------------------------


def test_the_inbox_lists_referred_and_accepted_referrals_of_the_mediators_bodies_only(
    client, county, mediation
):
    waiting = refer(county, mediation.dispute, mediation.body)
    in_hand = accepted(county, mediation, assigned_case(county))
    other_body = mediation_body(
        county.east.station,
        name="东镇司法所",
        kind="justice_office",
        members=[mediator(county.east.station)],
    )
    elsewhere = refer(county, assigned_case(county), other_body)
    client.force_login(mediation.mediator)
    html = client.get(reverse("mediation_inbox")).content.decode()
    assert f'data-referral="{waiting.pk}"' in html and f'data-referral="{in_hand.pk}"' in html
    assert waiting.dispute.case_number in html and in_hand.dispute.case_number in html
    assert f'data-referral="{elsewhere.pk}"' not in html
    assert elsewhere.dispute.case_number not in html


def test_the_inbox_puts_referrals_awaiting_acceptance_first(client, county, mediation):
    in_hand = accepted(county, mediation, assigned_case(county))
    waiting = refer(county, mediation.dispute, mediation.body)
    client.force_login(mediation.mediator)
    html = client.get(reverse("mediation_inbox")).content.decode()
    assert html.index(f'data-referral="{waiting.pk}"') < html.index(f'data-referral="{in_hand.pk}"')


def test_the_inbox_filters_by_state(client, county, mediation):
    waiting = refer(county, mediation.dispute, mediation.body)
    in_hand = accepted(county, mediation, assigned_case(county))
    client.force_login(mediation.mediator)
    html = client.get(reverse("mediation_inbox"), {"state": "accepted"}).content.decode()
    assert f'data-referral="{in_hand.pk}"' in html
    assert f'data-referral="{waiting.pk}"' not in html


def test_an_overdue_referral_is_marked_in_the_inbox(client, county, mediation):
    referral = refer(county, mediation.dispute, mediation.body)
    Referral.objects.filter(pk=referral.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(mediation.mediator)
    html = client.get(reverse("mediation_inbox")).content.decode()
    assert 'data-testid="overdue"' in html


def test_an_officer_has_no_mediation_inbox(client, county, mediation):
    client.force_login(county.east.officer)
    assert client.get(reverse("mediation_inbox")).status_code == 404


def test_the_mediation_inbox_is_in_a_mediators_navigation_only(client, county, mediation):
    client.force_login(mediation.mediator)
    assert reverse("mediation_inbox") in client.get(reverse("my_tasks")).content.decode()
    client.force_login(county.east.officer)
    assert reverse("mediation_inbox") not in client.get(reverse("my_tasks")).content.decode()


# --- the referral page -------------------------------------------------------------------------


def test_the_referral_page_shows_the_case_its_parties_and_the_referrals_note(
    client, county, mediation
):
    d = mediation.dispute
    [referral] = services.referral_create(
        actor=county.east.officer,
        dispute=d,
        expected_version=d.version,
        bodies=[mediation.body],
        note="请尽快组织双方调解",
    )
    client.force_login(mediation.mediator)
    html = client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert reverse("dispute_detail", args=[d.case_number]) in html
    assert "张三" in html and "李四" in html and "请尽快组织双方调解" in html


def test_a_referral_awaiting_acceptance_offers_accept_and_return_but_no_session_form(
    client, county, mediation
):
    referral = refer(county, mediation.dispute, mediation.body)
    client.force_login(mediation.mediator)
    html = client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert reverse("referral_accept", args=[referral.pk]) in html
    assert reverse("referral_return", args=[referral.pk]) in html
    assert reverse("session_record", args=[referral.pk]) not in html


def test_a_mediator_of_another_body_cannot_open_the_referral(client, county, mediation):
    referral = refer(county, mediation.dispute, mediation.body)
    outsider = mediator(county.west.station)
    mediation_body(county.west.station, name="西镇调委会", members=[outsider])
    client.force_login(outsider)
    assert client.get(reverse("referral_detail", args=[referral.pk])).status_code == 404


def test_a_mediator_accepts_the_referral(client, county, mediation):
    referral = refer(county, mediation.dispute, mediation.body)
    client.force_login(mediation.mediator)
    response = client.post(reverse("referral_accept", args=[referral.pk]))
    assert response.status_code == 302 and response.url == reverse(
        "referral_detail", args=[referral.pk]
    )
    referral.refresh_from_db()
    assert referral.state == Referral.State.ACCEPTED and referral.answered_by == mediation.mediator


def test_an_officer_may_not_accept_a_referral(client, county, mediation):
    referral = refer(county, mediation.dispute, mediation.body)
    client.force_login(county.east.officer)
    response = client.post(reverse("referral_accept", args=[referral.pk]))
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.state == Referral.State.REFERRED


def test_returning_the_referral_gives_the_case_owner_a_task_carrying_the_reason(
    client, county, mediation
):
    referral = refer(county, mediation.dispute, mediation.body)
    client.force_login(mediation.mediator)
    response = client.post(
        reverse("referral_return", args=[referral.pk]), {"return-reason": "涉及刑事案件，不宜调解"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.state == Referral.State.RETURNED
    task = Task.objects.get(dispute=mediation.dispute, kind=Task.Kind.REFERRAL)
    assert task.assignee == county.east.officer
    assert task.data["reason"] == "涉及刑事案件，不宜调解" and "涉及刑事案件" in task.title


def test_returning_without_a_reason_is_refused_on_the_reason_field(client, county, mediation):
    referral = refer(county, mediation.dispute, mediation.body)
    client.force_login(mediation.mediator)
    response = client.post(reverse("referral_return", args=[referral.pk]), {"return-reason": " "})
    assert response.status_code == 422
    assert "reason" in response.context["return_form"].errors
    referral.refresh_from_db()
    assert referral.state == Referral.State.REFERRED


# --- sessions ----------------------------------------------------------------------------------


def test_a_session_is_recorded_with_its_mediators(client, county, mediation):
    referral = accepted(county, mediation)
    client.force_login(mediation.mediator)
    payload = session_payload(
        mediation, **{"session-mediators": [mediation.mediator.pk, mediation.second_mediator.pk]}
    )
    response = client.post(reverse("session_record", args=[referral.pk]), payload)
    assert response.status_code == 302
    session = MediationSession.objects.get(referral=referral)
    assert session.place == "东村村委会调解室"
    assert set(session.mediators.all()) == {mediation.mediator, mediation.second_mediator}


def test_a_session_without_a_place_is_refused_naming_the_place(client, county, mediation):
    referral = accepted(county, mediation)
    client.force_login(mediation.mediator)
    response = client.post(
        reverse("session_record", args=[referral.pk]),
        session_payload(mediation, **{"session-place": ""}),
    )
    assert response.status_code == 422
    form = response.context["session_form"]
    assert list(form.errors) == ["place"]
    html = response.content.decode()
    assert str(form.fields["place"].label) in html and form.errors["place"][0] in html
    assert not MediationSession.objects.exists()


def test_a_session_dated_in_the_future_shows_the_services_error_on_held_at(
    client, county, mediation
):
    referral = accepted(county, mediation)
    client.force_login(mediation.mediator)
    later = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("session_record", args=[referral.pk]),
        session_payload(mediation, **{"session-held_at": later}),
    )
    assert response.status_code == 422
    assert "held_at" in response.context["session_form"].errors


# --- agreements --------------------------------------------------------------------------------


def test_the_agreement_form_records_the_agreement_with_its_instalment_schedule(
    client, county, mediation
):
    referral = accepted(county, mediation)
    client.force_login(mediation.mediator)
    first, second = today() + dt.timedelta(days=10), today() + dt.timedelta(days=40)
    response = client.post(
        reverse("agreement_record", args=[referral.pk]),
        agreement_payload(
            [
                (first.isoformat(), "疏通排水沟", ""),
                (second.isoformat(), "赔偿张三损失", "500"),
            ]
        ),
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get(referral=referral)
    assert [
        (i.sequence, i.due_on, i.description, i.amount) for i in agreement.instalments.all()
    ] == [
        (1, first, "疏通排水沟", None),
        (2, second, "赔偿张三损失", Decimal("500.00")),
    ]
    referral.refresh_from_db()
    assert referral.state == Referral.State.SUCCEEDED


def test_an_instalment_due_before_signing_shows_the_error_on_its_row(client, county, mediation):
    referral = accepted(county, mediation)
    client.force_login(mediation.mediator)
    response = client.post(
        reverse("agreement_record", args=[referral.pk]),
        agreement_payload(
            [
                ((today() + dt.timedelta(days=5)).isoformat(), "疏通排水沟", ""),
                ((today() - dt.timedelta(days=3)).isoformat(), "赔偿张三损失", "500"),
            ]
        ),
    )
    assert response.status_code == 422
    rows = response.context["instalments"].forms
    assert not rows[0].errors and list(rows[1].errors) == ["due_on"]
    assert rows[1].errors["due_on"][0] in response.content.decode()
    assert not Agreement.objects.exists()


# --- performance -------------------------------------------------------------------------------


def test_the_case_owner_records_an_instalment_performed_from_the_case_page(
    client, county, mediation
):
    agreement = agreed(county, mediation)
    instalment = agreement.instalments.get()
    case_page = reverse("dispute_detail", args=[mediation.dispute.case_number])
    client.force_login(county.east.officer)
    assert reverse("instalment_perform", args=[agreement.pk, instalment.pk]) in (
        client.get(case_page).content.decode()
    )
    response = client.post(
        reverse("instalment_perform", args=[agreement.pk, instalment.pk]),
        {
            "performed_on": today().isoformat(),
            "amount": "500",
            "note": "现金支付",
            "next": case_page,
        },
    )
    assert response.status_code == 302 and response.url == case_page
    instalment.refresh_from_db()
    assert instalment.performed_on == today() and instalment.recorded_by == county.east.officer


def test_performance_dated_in_the_future_is_refused_on_its_field(client, county, mediation):
    agreement = agreed(county, mediation)
    instalment = agreement.instalments.get()
    client.force_login(mediation.mediator)
    response = client.post(
        reverse("instalment_perform", args=[agreement.pk, instalment.pk]),
        {"performed_on": (today() + dt.timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 422
    assert "performed_on" in response.context["form"].errors
    instalment.refresh_from_db()
    assert not instalment.performed


# --- the printable agreement -------------------------------------------------------------------


def _print(client, agreement: Agreement) -> str:
    response = client.get(reverse("agreement_print", args=[agreement.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_printed_agreement_is_the_chinese_peoples_mediation_agreement(
    client, county, mediation
):
    agreement = agreed(county, mediation, case_with_party_details(county))
    client.force_login(mediation.mediator)
    html = _print(client, agreement)
    assert "人民调解协议书" in html and agreement.number in html
    assert "王芳" in html and "赵强" in html
    assert "李四于本月内疏通排水沟" in html and "李四赔偿张三损失五百元" in html
    assert "赔偿张三损失" in html and "500.00" in html
    assert "当事人（签名" in html and "调解员（签名" in html and mediation.body.name in html
    assert "@page { size: A4; margin: 2cm; }" in html


def test_the_printed_agreement_is_in_chinese_when_the_reader_works_in_english(
    client, county, mediation
):
    agreement = agreed(county, mediation, case_with_party_details(county))
    client.force_login(mediation.mediator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Mediation inbox" in client.get(reverse("mediation_inbox")).content.decode()
    html = _print(client, agreement)
    assert "人民调解协议书" in html and agreement.number in html
    assert "王芳" in html and "赵强" in html and "李四赔偿张三损失五百元" in html
    assert "赔偿张三损失" in html
    assert "当事人（签名" in html and "调解员（签名" in html and mediation.body.name in html
    assert "@page { size: A4; margin: 2cm; }" in html


def test_the_printed_agreement_masks_phone_and_id_numbers(client, county, mediation):
    agreement = agreed(county, mediation, case_with_party_details(county))
    client.force_login(mediation.mediator)
    html = _print(client, agreement)
    assert "13812345678" not in html and VALID_ID not in html
    assert "138****5678" in html and "110105********002X" in html


def test_printing_the_agreement_is_audited(client, county, mediation):
    agreement = agreed(county, mediation)
    client.force_login(county.east.officer)
    _print(client, agreement)
    entry = AuditEntry.objects.get(action="mediation.agreement_print")
    assert entry.actor == county.east.officer and entry.target_id == str(agreement.pk)
    assert entry.data["number"] == agreement.number and entry.unit == mediation.dispute.grid


def test_an_agreement_outside_the_readers_area_cannot_be_printed(client, county, mediation):
    agreement = agreed(county, mediation)
    client.force_login(county.west.officer)
    response = client.get(reverse("agreement_print", args=[agreement.pk]))
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="mediation.agreement_print").exists()


# --- the case page -----------------------------------------------------------------------------


def test_the_case_page_lists_the_referral_with_a_link_to_its_page(client, county, mediation):
    referral = refer(county, mediation.dispute, mediation.body)
    client.force_login(county.east.officer)
    html = client.get(
        reverse("dispute_detail", args=[mediation.dispute.case_number])
    ).content.decode()
    assert f'data-referral="{referral.pk}"' in html and mediation.body.name in html
    assert reverse("referral_detail", args=[referral.pk]) in html


def test_the_case_page_lists_the_agreement_with_a_link_to_print_it(client, county, mediation):
    agreement = agreed(county, mediation)
    client.force_login(county.east.officer)
    html = client.get(
        reverse("dispute_detail", args=[mediation.dispute.case_number])
    ).content.decode()
    assert agreement.number in html and reverse("agreement_print", args=[agreement.pk]) in html


def test_the_case_page_says_what_is_missing_before_closure_of_a_case_without_visits(
    client, county, mediation
):
    d = mediation.dispute
    d = dispute_services.dispute_record_outcome(
        actor=county.east.officer,
        dispute=d,
        expected_version=d.version,
        outcome=Status.RESOLVED,
        note="双方和解",
    )
    # Following up, but no visit recorded yet (the first visit is what normally moves it here).
    Dispute.objects.filter(pk=d.pk).update(status=Status.FOLLOWING_UP)
    client.force_login(county.east.officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("dispute_detail", args=[d.case_number])).content.decode()
    alert = html[html.index('data-testid="closure-missing"') :]
    assert "0 of the 1 follow-up visits required after the outcome are done." in alert
