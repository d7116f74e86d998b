"""The mediation room's HTTP API: referral to performance, scope, refusals, error shapes, closure and
the OpenAPI schema."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from concord.accounts.models import Role
from concord.accounts.tokens import api_token_issue
from concord.disputes.models import Dispute, LevelPolicy, Party
from concord.mediation import services
from concord.mediation.models import Agreement, Instalment, MediationSession, Referral
from tests.disputes.test_api import VALID_ID, Api, errors_at
from tests.factories import (
    UserFactory,
    make_closure_ready,
    mediation_body,
    mediator,
    register_dispute,
)

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
EXPECTED_OPERATION_IDS = {
    "mediation_bodies_list",
    "referrals_list",
    "referral_detail",
    "referral_create",
    "referral_accept",
    "referral_return",
    "referral_withdraw",
    "session_record",
    "agreement_record",
    "instalment_perform",
    "dispute_closure_check",
    "dispute_visits",
}


@pytest.fixture
def as_user(county):
    admin = UserFactory(role=Role.ADMIN, scope_unit=county.bureau)

    def make(user) -> Api:
        return Api(api_token_issue(actor=admin, user=user, name=f"test {user.username}")[1])

    return make


def today() -> dt.date:
    return timezone.localdate()


def refer(api: Api, dispute: Dispute, bodies: list[int], **overrides):
    dispute.refresh_from_db()
    return api.post(
        f"/disputes/{dispute.case_number}/referrals",
        {
            "expected_version": dispute.version,
            "bodies": bodies,
            "route": "police",
            "note": "请组织双方调解",
            **overrides,
        },
    )


def session_body(**overrides) -> dict:
    return {
        "held_at": timezone.now().isoformat(),
        "place": "东镇调解室",
        "mediators": [],
        "attendees": "张三、李四及村委会主任",
        "summary": "双方同意李四疏通排水沟并赔偿损失",
        "result": "agreed",
        **overrides,
    }


def agreement_body(**overrides) -> dict:
    return {
        "form": "written",
        "facts": "李四家排水沟堵塞致张三家院墙受损",
        "terms": "李四疏通排水沟并赔偿张三3000元",
        "amount": "3000.00",
        "signed_on": today().isoformat(),
        "instalments": [],
        **overrides,
    }


def referral_made(county, m) -> Referral:
    [referral] = services.referral_create(
        actor=county.east.officer,
        dispute=m.dispute,
        expected_version=m.dispute.version,
        bodies=[m.body],
    )
    return referral


def referral_in_hand(county, m) -> Referral:
    return services.referral_accept(actor=m.mediator, referral=referral_made(county, m))


# --- the whole loop --------------------------------------------------------------------------------


def test_refer_accept_hold_a_session_agree_and_perform(county, mediation, as_user):
    m = mediation
    officer, mediator_api = as_user(county.east.officer), as_user(m.mediator)
    number = m.dispute.case_number

    bodies = officer.get("/mediation/bodies", {"case_number": number})
    assert bodies.status_code == 200, bodies.content
    assert [b["id"] for b in bodies.json()] == [m.body.pk]

    response = refer(officer, m.dispute, [m.body.pk])
    assert response.status_code == 201, response.content
    [made] = response.json()
    referral_id = made["id"]
    assert (made["state"], made["route"], made["kind"], made["joint"]) == (
        "referred",
        "police",
        "peoples",
        False,
    )
    assert made["case"]["status"] == "mediating"
    assert made["case"]["version"] == Dispute.objects.get().version
    assert made["referred_by"] == county.east.officer.username and not made["overdue"]

    inbox = mediator_api.get("/mediation/referrals", {"state": "referred"}).json()
    assert (inbox["count"], [r["id"] for r in inbox["items"]]) == (1, [referral_id])

    response = mediator_api.post(f"/mediation/referrals/{referral_id}/accept")
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["answered_by"]) == (
        "accepted",
        m.mediator.username,
    )

    response = mediator_api.post(
        f"/mediation/referrals/{referral_id}/sessions",
        session_body(mediators=[m.mediator.username, m.second_mediator.username]),
    )
    assert response.status_code == 201, response.content
    [session] = response.json()["sessions"]
    assert session["mediators"] == sorted([m.mediator.username, m.second_mediator.username])
    assert (session["result"], session["recorded_by"]) == ("agreed", m.mediator.username)

    later = today() + dt.timedelta(days=30)
    response = mediator_api.post(
        f"/mediation/referrals/{referral_id}/agreement",
        agreement_body(
            instalments=[
                {"due_on": later.isoformat(), "description": "支付余款", "amount": "2000"},
                {
                    "due_on": today().isoformat(),
                    "description": "疏通排水沟并支付首期",
                    "amount": "1000",
                },
            ]
        ),
    )
    assert response.status_code == 201, response.content
    detail = response.json()
    assert detail["state"] == "succeeded"
    agreement = detail["agreement"]
    assert (agreement["number"], agreement["form"], Decimal(agreement["amount"])) == (
        f"{number}-T1",
        "written",
        Decimal("3000"),
    )
    # The schedule is kept in date order.
    assert [(i["sequence"], i["due_on"], i["performed_on"]) for i in agreement["instalments"]] == [
        (1, today().isoformat(), None),
        (2, later.isoformat(), None),
    ]
    first, second = (i["id"] for i in agreement["instalments"])

    response = mediator_api.post(
        f"/mediation/instalments/{first}/perform", {"performed_on": today().isoformat()}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["performed_on"], Decimal(response.json()["performed_amount"])) == (
        today().isoformat(),
        Decimal("1000"),
    )
    # The case's officer may record performance too (the parties often report to the police).
    response = officer.post(
        f"/mediation/instalments/{second}/perform",
        {"performed_on": today().isoformat(), "amount": "2000.00", "note": "当面转账"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["performed_note"] == "当面转账"

    detail = officer.get(f"/mediation/referrals/{referral_id}").json()
    assert all(i["performed_on"] for i in detail["agreement"]["instalments"])
    events = officer.get(f"/disputes/{number}/events").json()
    steps = [(e["action"], e["actor"]) for e in events]
    assert steps[-6:] == [
        ("refer", county.east.officer.username),
        ("referral_accept", m.mediator.username),
        ("mediation_session", m.mediator.username),
        ("agreement_record", m.mediator.username),
        ("instalment_perform", m.mediator.username),
        ("instalment_perform", county.east.officer.username),
    ]
    assert events[-6]["to_status"] == "mediating"
    # Each step moved the case's version on, so an open form elsewhere sees the change.
    assert officer.get(f"/disputes/{number}").json()["version"] == Dispute.objects.get().version


def test_the_referral_detail_masks_the_parties(county, mediation, as_user):
    d = register_dispute(
        county.east,
        parties=[
            services.dispute_services.PartyInput(
                name="王芳",
                id_number=VALID_ID,
                phone="13800138000",
                address="淮阳区城关镇东关村3组12号",
            )
        ],
    )
    referral = Referral.objects.create(
        dispute=d,
        body=mediation.body,
        route="police",
        kind="peoples",
        due_at=timezone.now() + dt.timedelta(days=3),
        referred_by=county.east.officer,
        referred_at=timezone.now(),
    )
    response = as_user(mediation.mediator).get(f"/mediation/referrals/{referral.pk}")
    assert response.status_code == 200, response.content
    [party] = response.json()["parties"]
    assert (party["name"], party["id_number"], party["phone"], party["address"]) == (
        "王芳",
        "110105********002X",
        "138****8000",
        "淮阳区城关镇****",
    )
    text = response.content.decode()
    for secret in (VALID_ID, "13800138000", "东关村"):
        assert secret not in text
    assert Party.objects.filter(id_number=VALID_ID).exists()


# --- returning and withdrawing ---------------------------------------------------------------------


def test_a_returned_referral_becomes_a_referral_task_for_the_owner(county, mediation, as_user):
    m = mediation
    referral = referral_made(county, m)
    mediator_api = as_user(m.mediator)

    response = mediator_api.post(f"/mediation/referrals/{referral.pk}/return", {"reason": "  "})
    assert ["body", "payload", "reason"] in errors_at(response)
    assert mediator_api.post(f"/mediation/referrals/{referral.pk}/return", {}).status_code == 422
    assert Referral.objects.get().state == Referral.State.REFERRED

    response = mediator_api.post(
        f"/mediation/referrals/{referral.pk}/return", {"reason": "涉及土地确权，不属本会受理范围"}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["return_reason"]) == (
        "returned",
        "涉及土地确权，不属本会受理范围",
    )
    tasks = as_user(county.east.officer).get(f"/disputes/{m.dispute.case_number}/tasks").json()
    [task] = [t for t in tasks if t["kind"] == "referral"]
    assert (task["state"], task["assignee"]) == ("open", county.east.officer.username)
    assert "涉及土地确权" in task["title"]
    # Returned is final: a second answer is refused, naming the state.
    response = mediator_api.post(f"/mediation/referrals/{referral.pk}/accept")
    assert ["body", "payload", "state"] in errors_at(response)


def test_the_officer_withdraws_a_referral_and_a_mediator_may_not(county, mediation, as_user):
    referral = referral_made(county, mediation)
    path = f"/mediation/referrals/{referral.pk}/withdraw"
    response = as_user(mediation.mediator).post(path, {"reason": "双方已自行和解"})
    assert response.status_code == 403, response.content
    response = as_user(county.east.officer).post(path, {"reason": "双方已自行和解"})
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["conclusion"]) == (
        "withdrawn",
        "双方已自行和解",
    )


# --- scope and refusals ----------------------------------------------------------------------------


def test_a_mediator_who_is_not_a_member_is_refused_with_403(county, mediation, as_user):
    referral = referral_made(county, mediation)
    outsider = as_user(mediator(county.east.station, display_name="钱调解"))

    # The case lies in the outsider's area, so the referral is no secret; acting on it is refused.
    assert outsider.get(f"/mediation/referrals/{referral.pk}").status_code == 200
    response = outsider.post(f"/mediation/referrals/{referral.pk}/accept", **EN)
    assert response.status_code == 403
    assert mediation.body.name in response.json()["detail"]
    # Their own list holds only their bodies' referrals.
    assert outsider.get("/mediation/referrals").json()["count"] == 0
    # The officer is no mediator of the body either.
    officer = as_user(county.east.officer)
    assert officer.post(f"/mediation/referrals/{referral.pk}/accept").status_code == 403
    assert Referral.objects.get().state == Referral.State.REFERRED

    # A member may not name an outsider as a co-mediator of a session.
    services.referral_accept(actor=mediation.mediator, referral=referral)
    response = as_user(mediation.mediator).post(
        f"/mediation/referrals/{referral.pk}/sessions",
        session_body(mediators=[mediation.mediator.username, county.east.officer.username]),
    )
    assert ["body", "payload", "mediators"] in errors_at(response)
    response = as_user(mediation.mediator).post(
        f"/mediation/referrals/{referral.pk}/sessions", session_body(mediators=["nobody-here"])
    )
    assert ["body", "payload", "mediators", 0] in errors_at(response)
    assert not MediationSession.objects.exists()


def test_another_stations_people_get_404(county, mediation, as_user):
    m = mediation
    referral = referral_in_hand(county, m)
    number = m.dispute.case_number
    west_officer = as_user(county.west.officer)
    west_mediator = as_user(mediator(county.west.station))

    missing = west_officer.get(f"/mediation/referrals/{10**9}")
    assert missing.status_code == 404
    for api in (west_officer, west_mediator):
        response = api.get(f"/mediation/referrals/{referral.pk}")
        assert response.status_code == 404 and response.json() == missing.json()
        assert m.dispute.title not in response.content.decode()
        assert api.get("/mediation/referrals").json()["count"] == 0
        for path in (f"/disputes/{number}/closure", f"/disputes/{number}/visits"):
            assert api.get(path).status_code == 404, path
        assert api.get("/mediation/bodies", {"case_number": number}).status_code == 404
        for action, body in (
            ("accept", {}),
            ("return", {"reason": "x"}),
            ("withdraw", {"reason": "x"}),
            ("sessions", session_body()),
            ("agreement", agreement_body()),
        ):
            response = api.post(f"/mediation/referrals/{referral.pk}/{action}", body)
            assert response.status_code == 404, action
    assert refer(west_officer, m.dispute, [m.body.pk]).status_code == 404
    assert Referral.objects.get().state == Referral.State.ACCEPTED

    agreement = services.agreement_record(
        actor=m.mediator,
        referral=referral,
        form="oral",
        facts="排水沟堵塞",
        terms="疏通",
        signed_on=today(),
        instalments=[services.InstalmentInput(due_on=today(), description="疏通排水沟")],
    )
    instalment = agreement.instalments.get()
    response = west_officer.post(
        f"/mediation/instalments/{instalment.pk}/perform", {"performed_on": today().isoformat()}
    )
    assert response.status_code == 404
    assert Instalment.objects.get().performed_on is None


def test_the_lists_of_bodies_and_referrals_are_scoped(county, mediation, as_user):
    m = mediation
    west_body = mediation_body(county.west.station, name="西镇人民调解委员会")
    county_body = mediation_body(county.bureau, name="县医疗纠纷调解委员会")
    closed = mediation_body(county.east.station, name="东镇旧调解委员会")
    closed.is_active = False
    closed.save()

    def names(api, **params):
        response = api.get("/mediation/bodies", params)
        assert response.status_code == 200, response.content
        return {b["name"] for b in response.json()}

    east_officer, west_officer = as_user(county.east.officer), as_user(county.west.officer)
    assert names(east_officer) == {m.body.name, county_body.name}
    assert names(east_officer, case_number=m.dispute.case_number) == {m.body.name, county_body.name}
    assert names(west_officer) == {west_body.name, county_body.name}
    [east] = [b for b in east_officer.get("/mediation/bodies").json() if b["id"] == m.body.pk]
    assert (east["kind"], east["mediation_kind"], east["serves"]) == (
        "township_committee",
        "peoples",
        [county.east.station.code],
    )

    # A body that does not serve the case's place is refused, naming the field.
    response = refer(east_officer, m.dispute, [west_body.pk])
    assert ["body", "payload", "bodies"] in errors_at(response)
    # Joint handling: two bodies at once.
    response = refer(east_officer, m.dispute, [m.body.pk, county_body.pk])
    assert response.status_code == 201, response.content
    assert [(r["body"]["name"], r["joint"]) for r in response.json()] == [
        (m.body.name, True),
        (county_body.name, True),
    ]
    assert east_officer.get("/mediation/referrals").json()["count"] == 2
    assert east_officer.get("/mediation/referrals", {"state": "accepted"}).json()["count"] == 0
    page = as_user(county.commander).get("/mediation/referrals", {"limit": 1, "offset": 1}).json()
    assert (page["count"], page["limit"], page["offset"], len(page["items"])) == (2, 1, 1, 1)
    assert as_user(m.mediator).get("/mediation/referrals").json()["count"] == 1
    assert west_officer.get("/mediation/referrals").json()["count"] == 0
    assert east_officer.get("/mediation/referrals", {"state": "lost"}).status_code == 422


# --- error shapes ----------------------------------------------------------------------------------


def test_a_stale_version_is_409_and_nothing_is_referred(county, mediation, as_user):
    m = mediation
    response = as_user(county.east.officer).post(
        f"/disputes/{m.dispute.case_number}/referrals",
        {"expected_version": m.dispute.version - 1, "bodies": [m.body.pk]},
    )
    assert response.status_code == 409, response.content
    assert response.json()["current_version"] == m.dispute.version
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"bodies": []}, ["body", "payload", "bodies"]),
        ({"bodies": [10**9]}, ["body", "payload", "bodies", 0]),
        ({"bodies": ["东镇"]}, ["body", "payload", "bodies", 0]),
        ({"route": "phone"}, ["body", "payload", "route"]),
        ({"due_at": "2026-02-30T09:00"}, ["body", "payload", "due_at"]),
        ({"due_at": "2020-01-01T09:00"}, ["body", "payload", "due_at"]),
        ({"expected_version": None}, ["body", "payload", "expected_version"]),
    ],
)
def test_a_bad_referral_is_422_naming_the_field(county, mediation, as_user, overrides, loc):
    m = mediation
    body = {"expected_version": m.dispute.version, "bodies": [m.body.pk], **overrides}
    if overrides.get("expected_version", 0) is None:
        del body["expected_version"]
    response = as_user(county.east.officer).post(
        f"/disputes/{m.dispute.case_number}/referrals", body
    )
    assert loc in errors_at(response)
    assert not Referral.objects.exists()


def test_a_bad_date_or_a_missing_field_is_422_naming_the_field(county, mediation, as_user):
    referral = referral_in_hand(county, mediation)
    api = as_user(mediation.mediator)
    sessions = f"/mediation/referrals/{referral.pk}/sessions"
    agreement = f"/mediation/referrals/{referral.pk}/agreement"

    assert ["body", "payload", "held_at"] in errors_at(
        api.post(sessions, session_body(held_at="2026-02-30T10:00"))
    )
    assert ["body", "payload", "held_at"] in errors_at(
        api.post(
            sessions, session_body(held_at=(timezone.now() + dt.timedelta(days=2)).isoformat())
        )
    )
    without_summary = session_body()
    del without_summary["summary"]
    assert ["body", "payload", "summary"] in errors_at(api.post(sessions, without_summary))
    assert ["body", "payload", "place"] in errors_at(api.post(sessions, session_body(place=" ")))
    assert ["body", "payload", "result"] in errors_at(api.post(sessions, session_body(result="ok")))
    assert not MediationSession.objects.exists()

    without_terms = agreement_body()
    del without_terms["terms"]
    assert ["body", "payload", "terms"] in errors_at(api.post(agreement, without_terms))
    assert ["body", "payload", "signed_on"] in errors_at(
        api.post(agreement, agreement_body(signed_on="2026-13-01"))
    )
    assert ["body", "payload", "amount"] in errors_at(
        api.post(agreement, agreement_body(amount="-5"))
    )
    judicial = errors_at(api.post(agreement, agreement_body(form="judicial")))
    for field in ("court", "confirmation_number", "confirmed_on"):
        assert ["body", "payload", field] in judicial
    assert not Agreement.objects.exists()
    assert Referral.objects.get().state == Referral.State.ACCEPTED


def test_an_instalment_due_before_signing_is_422_naming_the_row(county, mediation, as_user):
    referral = referral_in_hand(county, mediation)
    api = as_user(mediation.mediator)
    response = api.post(
        f"/mediation/referrals/{referral.pk}/agreement",
        agreement_body(
            instalments=[
                {"due_on": today().isoformat(), "description": "疏通排水沟"},
                {
                    "due_on": (today() - dt.timedelta(days=1)).isoformat(),
                    "description": "赔偿",
                    "amount": "3000",
                },
                {"due_on": "2026-04-31", "description": "道歉"},
            ]
        ),
        **EN,
    )
    assert response.status_code == 422
    # The schema's check (an impossible date) answers first, naming its row.
    assert ["body", "payload", "instalments", 2, "due_on"] in errors_at(response)

    response = api.post(
        f"/mediation/referrals/{referral.pk}/agreement",
        agreement_body(
            instalments=[
                {"due_on": today().isoformat(), "description": "疏通排水沟"},
                {
                    "due_on": (today() - dt.timedelta(days=1)).isoformat(),
                    "description": "赔偿",
                    "amount": "3000",
                },
                {"due_on": today().isoformat(), "description": "  "},
            ]
        ),
        **EN,
    )
    errors = {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}
    assert response.status_code == 422
    assert set(errors) == {
        ("body", "payload", "instalments", 1, "due_on"),
        ("body", "payload", "instalments", 2, "description"),
    }
    assert "Instalment 2" in errors[("body", "payload", "instalments", 1, "due_on")]
    response = api.post(
        f"/mediation/referrals/{referral.pk}/agreement",
        agreement_body(
            amount="100",
            instalments=[{"due_on": today().isoformat(), "description": "赔偿", "amount": "3000"}],
        ),
    )
    assert ["body", "payload", "amount"] in errors_at(response)
    assert not Agreement.objects.exists() and not Instalment.objects.exists()


def test_performance_is_refused_twice_in_advance_and_to_outsiders(county, mediation, as_user):
    referral = referral_in_hand(county, mediation)
    agreement = services.agreement_record(
        actor=mediation.mediator,
        referral=referral,
        form="oral",
        facts="排水沟堵塞",
        terms="疏通",
        signed_on=today(),
        instalments=[services.InstalmentInput(due_on=today(), description="疏通排水沟")],
    )
    path = f"/mediation/instalments/{agreement.instalments.get().pk}/perform"
    api = as_user(mediation.mediator)
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    assert ["body", "payload", "performed_on"] in errors_at(
        api.post(path, {"performed_on": tomorrow})
    )
    assert ["body", "payload", "performed_on"] in errors_at(api.post(path, {"performed_on": "x"}))
    outsider = as_user(mediator(county.east.station))
    assert outsider.post(path, {"performed_on": today().isoformat()}).status_code == 403
    assert api.post(path, {"performed_on": today().isoformat()}).status_code == 200
    assert ["body", "payload", "performed_on"] in errors_at(
        api.post(path, {"performed_on": today().isoformat()})
    )
    assert api.post(f"/mediation/instalments/{10**30}/perform", {}).status_code == 422


# --- closure and visits ----------------------------------------------------------------------------


def test_the_closure_check_lists_what_is_missing(county, mediation, as_user):
    m = mediation
    referral_made(county, m)
    officer = as_user(county.east.officer)
    response = officer.get(f"/disputes/{m.dispute.case_number}/closure", **EN)
    assert response.status_code == 200, response.content
    closure = response.json()
    assert closure["ready"] is False
    assert any("No outcome has been recorded" in text for text in closure["missing"])
    assert any(m.body.name in text for text in closure["missing"])
    assert any("follow-up visits" in text for text in closure["missing"])
    # The body's mediator sees the same list.
    assert as_user(m.mediator).get(f"/disputes/{m.dispute.case_number}/closure", **EN).json() == (
        closure
    )

    ready = make_closure_ready(register_dispute(county.east), county.east.officer)
    assert officer.get(f"/disputes/{ready.case_number}/closure").json() == {
        "ready": True,
        "missing": [],
    }
    visits = officer.get(f"/disputes/{ready.case_number}/visits").json()
    assert len(visits) == LevelPolicy.objects.get(level=ready.level).visits_after_outcome
    assert all(
        v["both_settled"] and v["visited_by"] == county.east.officer.username for v in visits
    )
    assert officer.get("/disputes/NO-SUCH-CASE/closure").status_code == 404
    assert officer.get("/disputes/NO-SUCH-CASE/visits").status_code == 404


def test_a_missed_instalment_on_the_timeline_does_not_break_the_events(county, mediation, as_user):
    referral = referral_in_hand(county, mediation)
    services.agreement_record(
        actor=mediation.mediator,
        referral=referral,
        form="oral",
        facts="排水沟堵塞",
        terms="疏通",
        signed_on=today(),
        instalments=[services.InstalmentInput(due_on=today(), description="疏通排水沟")],
    )
    assert services.instalments_check_missed(now=timezone.now() + dt.timedelta(days=2)) == 1
    response = as_user(county.east.officer).get(f"/disputes/{mediation.dispute.case_number}/events")
    assert response.status_code == 200, response.content
    assert (response.json()[-1]["action"], response.json()[-1]["actor"]) == (
        "instalment_missed",
        None,
    )


# --- the schema ------------------------------------------------------------------------------------


def test_the_openapi_schema_lists_the_mediation_operations(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    operations = {
        op["operationId"]: (method, path, op)
        for path, item in response.json()["paths"].items()
        for method, op in item.items()
        if op["tags"] == ["mediation"]
    }
    assert set(operations) == EXPECTED_OPERATION_IDS
    for operation_id, (method, _path, op) in operations.items():
        assert op["summary"], operation_id
        codes = set(op["responses"])
        assert {"401", "403", "404", "422"} <= codes, operation_id
        assert ("409" in codes) == (operation_id == "referral_create"), operation_id
        if method == "post" and operation_id != "referral_accept":
            assert "requestBody" in op, operation_id
        assert op["security"] == [{"BearerToken": []}, {"Session": []}]
    assert operations["referral_create"][:2] == ("post", "/api/disputes/{case_number}/referrals")
    assert "201" in operations["agreement_record"][2]["responses"]
