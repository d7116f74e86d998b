"""Drafts kept offline (drafts.js) reaching the register: once only, and never over a newer case."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from concord.disputes import services
from concord.disputes.models import Dispute, DisputeEvent, Status
from concord.mediation.models import FollowUpVisit
from tests.disputes.test_views import _register_payload
from tests.factories import register_dispute
from tests.mediation.conftest import assigned_case

pytestmark = pytest.mark.django_db

DRAFT = {"HTTP_X_CONCORD_DRAFT": "1"}


def resolved_case(county) -> Dispute:
    """A case whose outcome is recorded: the grid worker's follow-up visit form is on its page."""
    d = assigned_case(county)
    return services.dispute_record_outcome(
        actor=county.east.officer,
        dispute=d,
        expected_version=d.version,
        outcome=Status.RESOLVED,
        note="调解成功",
    )


def _visit(d, token, **overrides):
    data = {
        "expected_version": d.version,
        "follow_up-method": "in_person",
        "follow_up-met_with": "张三",
        "follow_up-note": "回访：双方关系平稳",
        "follow_up-matter_settled": "on",
        "client_token": str(token),
    }
    data.update(overrides)
    return data


# --- services ------------------------------------------------------------------------------------


def test_a_draft_registered_twice_opens_one_case(county):
    token = uuid.uuid4()
    first = register_dispute(county.east, client_token=token)
    with pytest.raises(services.DraftAlreadySent) as caught:
        register_dispute(county.east, client_token=token)
    assert caught.value.dispute == first
    assert Dispute.objects.count() == 1
    assert first.events.get(action="register").client_token == token


def test_a_draft_token_of_another_user_is_refused(county):
    token = uuid.uuid4()
    register_dispute(county.east, client_token=token)
    with pytest.raises(ValidationError) as caught:
        register_dispute(county.east, actor=county.east.auxiliary, client_token=token)
    assert "client_token" in caught.value.message_dict
    assert Dispute.objects.count() == 1


def test_without_a_token_two_registrations_are_two_cases(county):
    register_dispute(county.east)
    register_dispute(county.east)
    assert Dispute.objects.count() == 2
    assert not DisputeEvent.objects.exclude(client_token=None).exists()


# --- registering by the page ---------------------------------------------------------------------


def test_the_same_draft_posted_twice_redirects_to_the_one_case(client, county):
    client.force_login(county.east.grid_worker)
    token = str(uuid.uuid4())
    first = client.post(reverse("dispute_register"), _register_payload(county, client_token=token))
    again = client.post(
        reverse("dispute_register"), _register_payload(county, client_token=token), follow=True
    )
    dispute = Dispute.objects.get()
    assert first.status_code == 302
    assert again.redirect_chain[-1][0] == reverse("dispute_detail", args=[dispute.case_number])
    assert "未重复记录" in again.content.decode()


def test_a_draft_request_gets_json_naming_the_case(client, county):
    client.force_login(county.east.grid_worker)
    token = str(uuid.uuid4())
    answers = [
        client.post(
            reverse("dispute_register"), _register_payload(county, client_token=token), **DRAFT
        )
        for _ in range(2)
    ]
    dispute = Dispute.objects.get()
    url = reverse("dispute_detail", args=[dispute.case_number])
    assert [a.json() for a in answers] == [{"status": "done", "redirect": url}] * 2
    # The messages wait for the page the browser opens next.
    page = client.get(url).content.decode()
    assert dispute.case_number in page and "未重复记录" in page


def test_a_draft_with_errors_gets_the_form_again(client, county):
    client.force_login(county.east.grid_worker)
    response = client.post(
        reverse("dispute_register"),
        _register_payload(county, title="", client_token=str(uuid.uuid4())),
        **DRAFT,
    )
    assert response.status_code == 200 and 'data-draft="register"' in response.content.decode()
    assert not Dispute.objects.exists()


def test_a_signed_out_draft_gets_401_not_the_login_page(client, county):
    response = client.post(reverse("dispute_register"), _register_payload(county), **DRAFT)
    assert response.status_code == 401 and response.json() == {"status": "login"}
    assert not Dispute.objects.exists()


# --- a draft on an existing case -----------------------------------------------------------------


def test_a_visit_sent_twice_is_recorded_once(client, county):
    d = resolved_case(county)
    client.force_login(county.east.grid_worker)
    url = reverse("dispute_act", args=[d.case_number, "follow_up"])
    token = uuid.uuid4()
    first = client.post(url, _visit(d, token), **DRAFT)
    again = client.post(url, _visit(d, token), **DRAFT)
    detail = reverse("dispute_detail", args=[d.case_number])
    assert first.json() == {"status": "done", "redirect": detail}
    assert again.json() == {"status": "done", "redirect": detail}
    assert FollowUpVisit.objects.filter(dispute=d).count() == 1
    assert DisputeEvent.objects.get(client_token=token).action == "follow_up"


def test_a_draft_on_a_case_changed_meanwhile_is_shown_the_conflict_and_not_applied(client, county):
    d = resolved_case(county)
    stale = d.version
    # While the grid worker is offline, the officer records a visit of their own.
    services.dispute_step(
        "follow_up",
        actor=county.east.officer,
        dispute=d,
        expected_version=d.version,
        target=Status.FOLLOWING_UP,
        note="社区民警电话回访",
    )
    d.refresh_from_db()
    client.force_login(county.east.grid_worker)
    response = client.post(
        reverse("dispute_act", args=[d.case_number, "follow_up"]),
        _visit(d, uuid.uuid4(), expected_version=stale),
        **DRAFT,
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert 'data-testid="draft-conflict"' in page
    assert f"当前为第 {d.version} 版" in page and f"基于第 {stale} 版" in page
    assert "社区民警电话回访" in page  # what changed on the server
    assert not FollowUpVisit.objects.filter(dispute=d).exists()
    assert not d.events.filter(actor=county.east.grid_worker, action="follow_up").exists()
    assert Dispute.objects.get(pk=d.pk).version == d.version


def test_a_stale_draft_is_refused_even_when_the_action_is_no_longer_offered(client, county):
    """The conflict is judged before the form: the case moved on to a state without the action."""
    d = resolved_case(county)
    stale = d.version
    services.dispute_step(
        "follow_up",
        actor=county.east.officer,
        dispute=d,
        expected_version=d.version,
        target=Status.FOLLOWING_UP,
        note="回访",
    )
    d.refresh_from_db()
    client.force_login(county.east.grid_worker)
    response = client.post(
        reverse("dispute_act", args=[d.case_number, "reopen"]),
        {"expected_version": stale, "reopen-note": "又吵起来了", "client_token": str(uuid.uuid4())},
        **DRAFT,
    )
    assert response.status_code == 409
    d.refresh_from_db()
    assert d.status == Status.FOLLOWING_UP


def test_a_stale_form_without_javascript_is_still_refused_with_a_message(client, county):
    d = resolved_case(county)
    stale = d.version
    services.dispute_step(
        "follow_up",
        actor=county.east.officer,
        dispute=d,
        expected_version=d.version,
        target=Status.FOLLOWING_UP,
        note="回访",
    )
    client.force_login(county.east.grid_worker)
    response = client.post(
        reverse("dispute_act", args=[d.case_number, "follow_up"]),
        _visit(d, uuid.uuid4(), expected_version=stale),
        follow=True,
    )
    assert "已被他人修改" in response.content.decode()
    assert not FollowUpVisit.objects.filter(dispute=d).exists()


def test_an_action_refused_for_a_draft_is_reported_as_refused(client, county):
    d = register_dispute(county.east)
    client.force_login(county.east.grid_worker)
    response = client.post(
        reverse("dispute_act", args=[d.case_number, "assess"]),
        {"expected_version": d.version, "assess-level": "red", "assess-reasons": "x"},
        **DRAFT,
    )
    assert response.json() == {
        "status": "refused",
        "redirect": reverse("dispute_detail", args=[d.case_number]),
    }
