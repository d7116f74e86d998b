"""The dispute register's HTTP API: auth, scope, the workflow, error shapes and the OpenAPI schema."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from concord.accounts.models import Role
from concord.accounts.tokens import api_token_issue, api_token_revoke
from concord.audit.models import AuditEntry
from concord.disputes.models import Dispute, DisputeEvent, Party, Status, Task
from concord.disputes.services import PartyInput
from tests.factories import UserFactory, register_dispute

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"  # GB 11643 check digit correct
BAD_CHECKSUM_ID = "110105194912310022"


class Api:
    """A test client that speaks JSON with a bearer token."""

    def __init__(self, token: str | None = None, client: Client | None = None):
        self.client = client or Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path, params=None, **extra):
        return self.client.get(f"/api{path}", params or {}, **self.headers, **extra)

    def post(self, path, body=None, **extra):
        return self.client.post(
            f"/api{path}",
            body if body is not None else {},
            content_type="application/json",
            **self.headers,
            **extra,
        )


@pytest.fixture
def admin(county):
    return UserFactory(role=Role.ADMIN, scope_unit=county.bureau)


@pytest.fixture
def as_user(admin):
    def make(user) -> Api:
        return Api(api_token_issue(actor=admin, user=user, name=f"test {user.username}")[1])

    return make


def register_body(county, **overrides):
    body = {
        "title": "排水沟纠纷",
        "category": "neighbour",
        "subtype": "neighbour.drainage",
        "grid": county.east.grid.code,
        "channel": "hotline",
        "description": "两家因排水沟堵塞争吵",
        "people_involved": 2,
        "level": "yellow",
        "parties": [
            {
                "name": "张三",
                "role": "applicant",
                "id_number": VALID_ID,
                "phone": "13800138000",
                "address": "淮阳区城关镇东关村3组12号",
            },
            {"name": "李四", "role": "respondent", "phone": "0394-8234567"},
        ],
    }
    return {**body, **overrides}


def errors_at(response) -> list[list]:
    assert response.status_code == 422, response.content
    return [e["loc"] for e in response.json()["detail"]]


# --- authentication and scope ----------------------------------------------------------------------


def test_without_credentials_every_endpoint_is_401(county):
    d = register_dispute(county.east)
    anonymous = Api()
    assert anonymous.get("/disputes").status_code == 401
    assert anonymous.get(f"/disputes/{d.case_number}").status_code == 401
    response = anonymous.post(
        f"/disputes/{d.case_number}/assess",
        {"expected_version": 1, "level": "red", "reasons": ["x"]},
    )
    assert response.status_code == 401 and response.json()["detail"]
    assert Dispute.objects.get().version == 1


def test_an_unknown_or_revoked_token_is_401(county, admin):
    register_dispute(county.east)
    token, plain = api_token_issue(actor=admin, user=county.east.officer, name="110")
    assert Api(plain).get("/disputes").status_code == 200
    assert Api(plain[:-2] + "zz").get("/disputes").status_code == 401
    api_token_revoke(actor=admin, token=token)
    assert Api(plain).get("/disputes").status_code == 401


def test_a_token_acts_as_its_account_within_its_scope(county, as_user):
    east = register_dispute(county.east, title="东边的纠纷")
    west = register_dispute(county.west, title="西边的纠纷")
    west_worker = as_user(county.west.grid_worker)

    listed = west_worker.get("/disputes").json()
    assert [i["case_number"] for i in listed["items"]] == [west.case_number] and listed[
        "count"
    ] == 1
    assert west_worker.get(f"/disputes/{west.case_number}").status_code == 200
    for path in (
        f"/disputes/{east.case_number}",
        f"/disputes/{east.case_number}/events",
        f"/disputes/{east.case_number}/tasks",
    ):
        response = west_worker.get(path)
        assert response.status_code == 404, path
        assert (
            west.title not in response.content.decode()
            and east.title not in response.content.decode()
        )
    # Outside the area and never existing look exactly the same.
    assert (
        west_worker.get("/disputes/NO-SUCH-CASE").json()
        == west_worker.get(f"/disputes/{east.case_number}").json()
    )
    # A write to an invisible case is a 404 too, and changes nothing.
    response = west_worker.post(
        f"/disputes/{east.case_number}/follow-up",
        {"expected_version": 1, "note": "x", "matter_settled": True, "grievance_settled": True},
    )
    assert response.status_code == 404
    assert as_user(county.commander).get("/disputes").json()["count"] == 2


def test_a_browser_session_works_and_its_writes_need_the_csrf_token(county):
    d = register_dispute(county.east)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(county.east.officer)
    api = Api(client=browser)
    assert api.get(f"/disputes/{d.case_number}").status_code == 200

    body = {"expected_version": d.version, "level": "yellow", "reasons": ["口角，无暴力"]}
    response = api.post(f"/disputes/{d.case_number}/assess", body)
    assert response.status_code == 403
    assert Dispute.objects.get().status == Status.REGISTERED

    browser.cookies["csrftoken"] = "a" * 32
    response = api.post(f"/disputes/{d.case_number}/assess", body, HTTP_X_CSRFTOKEN="a" * 32)
    assert response.status_code == 200 and response.json()["status"] == "assessed"


def test_a_token_caller_needs_no_csrf_token(county, admin):
    d = register_dispute(county.east)
    _, plain = api_token_issue(actor=admin, user=county.east.officer, name="110")
    api = Api(plain, client=Client(enforce_csrf_checks=True))
    response = api.post(
        f"/disputes/{d.case_number}/assess",
        {"expected_version": 1, "level": "yellow", "reasons": ["口角"]},
    )
    assert response.status_code == 200


# --- the workflow ----------------------------------------------------------------------------------


def test_register_then_assess_assign_mediate_and_record_the_outcome(county, as_user):
    b = county.east
    worker, officer, auxiliary = as_user(b.grid_worker), as_user(b.officer), as_user(b.auxiliary)

    response = worker.post("/disputes", register_body(county))
    assert response.status_code == 201, response.content
    case = response.json()
    number = case["case_number"]
    assert number.startswith(f"{b.station.code}-")
    assert (case["status"], case["version"], case["owner"], case["channel"]) == (
        "registered",
        1,
        b.officer.username,
        "hotline",
    )
    assert (case["category"]["code"], case["subtype"]["code"], case["grid"]["code"]) == (
        "neighbour",
        "neighbour.drainage",
        b.grid.code,
    )
    assert {t["kind"] for t in case["open_tasks"]} == {
        "first_contact",
        "assessment",
        "mediation",
        "closure",
    }
    assert case["actions"] == []  # a grid worker may not assess
    assert Dispute.objects.get(case_number=number).registered_by == b.grid_worker

    case = officer.post(
        f"/disputes/{number}/assess", {"expected_version": 1, "answers": {"fear": True}}
    ).json()
    assert (case["status"], case["version"], case["level"]) == ("assessed", 2, "yellow")
    assert case["assessment"] == {
        **case["assessment"],
        "level": "yellow",
        "score": 2,
        "instrument_version": "concord-dispute@1",
        "assessed_by": b.officer.username,
    }
    assert "当事人是否表示害怕对方会伤害自己或家人？" in case["assessment"]["reasons"]
    assert "assign" in case["actions"]

    case = officer.post(
        f"/disputes/{number}/assign", {"expected_version": 2, "owner": b.auxiliary.username}
    ).json()
    assert (case["status"], case["version"], case["owner"]) == ("assigned", 3, b.auxiliary.username)
    assert {t["assignee"] for t in case["open_tasks"]} == {b.auxiliary.username}

    case = auxiliary.post(
        f"/disputes/{number}/start-mediation", {"expected_version": 3, "note": "约双方到村委会"}
    ).json()
    assert (case["status"], case["version"]) == ("mediating", 4)

    response = auxiliary.post(
        f"/disputes/{number}/record-outcome",
        {"expected_version": 4, "outcome": "resolved", "note": "双方同意共同清理水沟"},
    )
    assert response.status_code == 200
    case = response.json()
    assert (case["status"], case["version"], case["outcome_note"]) == (
        "resolved",
        5,
        "双方同意共同清理水沟",
    )
    assert "follow_up" in case["actions"]

    events = officer.get(f"/disputes/{number}/events").json()
    assert [(e["action"], e["actor"], e["from_status"], e["to_status"]) for e in events] == [
        ("register", b.grid_worker.username, "", "registered"),
        ("assess", b.officer.username, "registered", "assessed"),
        ("assign", b.officer.username, "assessed", "assigned"),
        ("start_mediation", b.auxiliary.username, "assigned", "mediating"),
        ("record_outcome", b.auxiliary.username, "mediating", "resolved"),
    ]
    assert events[2]["changes"]["owner"][1]["id"] == b.auxiliary.pk
    tasks = officer.get(f"/disputes/{number}/tasks").json()
    assert {(t["kind"], t["state"]) for t in tasks} >= {
        ("assessment", "done"),
        ("mediation", "done"),
        ("follow_up", "open"),
    }


def test_the_rest_of_the_life_follow_up_closure_and_reopening(county, as_user):
    b = county.east
    d = register_dispute(b)
    officer, worker = as_user(b.officer), as_user(b.grid_worker)
    n = d.case_number
    steps = [
        (officer, "assess", {"level": "yellow", "reasons": ["口角"]}, "assessed"),
        (officer, "change-level", {"level": "yellow", "reasons": ["仍为口角"]}, "assessed"),
        (officer, "assign", {"owner": b.officer.username}, "assigned"),
        (
            officer,
            "record-outcome",
            {"outcome": "transferred", "note": "移交司法所", "transferred_to": "司法所"},
            "transferred",
        ),
        (
            worker,
            "follow-up",
            {"note": "回访", "matter_settled": True, "grievance_settled": True},
            "following_up",
        ),
        (officer, "request-closure", {}, "closure_requested"),
        (officer, "reject-closure", {"note": "再回访一次"}, "following_up"),
        (officer, "request-closure", {"note": "已回访"}, "closure_requested"),
        (officer, "approve-closure", {}, "closed"),
        (worker, "reopen", {"note": "又吵起来了"}, "reopened"),
    ]
    for version, (api, action, body, status) in enumerate(steps, start=1):
        response = api.post(f"/disputes/{n}/{action}", {"expected_version": version, **body})
        assert response.status_code == 200, (action, response.content)
        assert (response.json()["status"], response.json()["version"]) == (status, version + 1)


def test_a_stale_version_is_409_and_nothing_changes(county, as_user):
    d = register_dispute(county.east)
    officer = as_user(county.east.officer)
    assert (
        officer.post(
            f"/disputes/{d.case_number}/assess",
            {"expected_version": 1, "level": "yellow", "reasons": ["口角"]},
        ).status_code
        == 200
    )
    events, audits = DisputeEvent.objects.count(), AuditEntry.objects.count()

    response = officer.post(
        f"/disputes/{d.case_number}/assess",
        {"expected_version": 1, "level": "orange", "reasons": ["升级"]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    assert response.json()["current_version"] == 2 and d.case_number in response.json()["detail"]
    d.refresh_from_db()
    assert (d.level, d.version) == ("yellow", 2)
    assert (DisputeEvent.objects.count(), AuditEntry.objects.count()) == (events, audits)


def test_a_refused_transition_is_403_with_the_reason(county, as_user):
    d = register_dispute(county.east)
    response = as_user(county.east.grid_worker).post(
        f"/disputes/{d.case_number}/assess",
        {"expected_version": 1, "level": "red", "reasons": ["扬言杀人"]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 403
    assert "may not" in response.json()["detail"]
    # Not possible in this state: also 403.
    response = as_user(county.east.officer).post(
        f"/disputes/{d.case_number}/approve-closure", {"expected_version": 1}
    )
    assert response.status_code == 403 and response.json()["detail"]
    d.refresh_from_db()
    assert (d.status, d.version) == ("registered", 1)


def test_a_red_case_needs_a_leader_named_by_username(county, as_user):
    d = register_dispute(county.east)
    officer = as_user(county.east.officer)
    body = {"expected_version": 1, "level": "red", "reasons": ["扬言放火"]}
    assert errors_at(officer.post(f"/disputes/{d.case_number}/assess", body)) == [
        ["body", "payload", "lead_leader"]
    ]
    assert errors_at(
        officer.post(f"/disputes/{d.case_number}/assess", {**body, "lead_leader": "nobody"})
    ) == [["body", "payload", "lead_leader"]]
    case = officer.post(
        f"/disputes/{d.case_number}/assess", {**body, "lead_leader": county.commander.username}
    ).json()
    assert (case["level"], case["lead_leader"], case["handling_tier"]) == (
        "red",
        county.commander.username,
        "bureau",
    )


# --- validation --------------------------------------------------------------------------------------


def test_an_invalid_id_number_is_422_naming_the_party_and_nothing_is_written(county, as_user):
    body = register_body(county)
    body["parties"][1]["id_number"] = BAD_CHECKSUM_ID
    response = as_user(county.east.grid_worker).post("/disputes", body, HTTP_ACCEPT_LANGUAGE="en")
    assert errors_at(response) == [["body", "payload", "parties", 1, "id_number"]]
    assert "Party 2" in response.json()["detail"][0]["msg"]
    assert not Dispute.objects.exists() and not Party.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("category", "weather"),
        ("subtype", "neighbour.weather"),
        ("grid", "NO-SUCH-GRID"),
    ],
)
def test_an_unknown_code_is_422_naming_the_field(county, as_user, field, value):
    response = as_user(county.east.grid_worker).post(
        "/disputes", register_body(county, **{field: value})
    )
    assert errors_at(response) == [["body", "payload", field]]
    assert value in response.json()["detail"][0]["msg"]
    assert not Dispute.objects.exists()


def test_an_unknown_or_misplaced_username_is_422_naming_the_field(county, as_user):
    d = register_dispute(county.east)
    officer = as_user(county.east.officer)
    officer.post(
        f"/disputes/{d.case_number}/assess",
        {"expected_version": 1, "level": "yellow", "reasons": ["x"]},
    )
    for owner in ("nobody", county.west.officer.username):
        response = officer.post(
            f"/disputes/{d.case_number}/assign", {"expected_version": 2, "owner": owner}
        )
        assert errors_at(response) == [["body", "payload", "owner"]]
    assert Dispute.objects.get().version == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"people_involved": -3}, "people_involved"),
        ({"people_involved": 10**30}, "people_involved"),
        ({"amount_involved": "-1"}, "amount_involved"),
        ({"amount_involved": "1e20"}, "amount_involved"),
        ({"amount_involved": "NaN"}, "amount_involved"),
        ({"level": "purple"}, "level"),
        ({"channel": "carrier_pigeon"}, "channel"),
        ({"title": ""}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"title": "排水\x00沟"}, "title"),
        ({"title": "排水\ud800沟"}, "title"),
        ({"found_at": "9999-12-31T23:59:59+00:00"}, "found_at"),
        ({"found_at": "0001-01-01T00:00:00"}, "found_at"),
        ({"began_on": "9999-12-31"}, "began_on"),
        ({"parties": [{"name": "张三", "role": "judge"}]}, "parties"),
        ({"parties": [{"name": "", "role": "applicant"}]}, "parties"),
    ],
)
def test_bad_input_is_422_never_500(county, as_user, overrides, field):
    response = as_user(county.east.grid_worker).post(
        "/disputes", register_body(county, **overrides)
    )
    assert response.status_code == 422, response.content
    assert any(field in loc for loc in errors_at(response))
    assert not Dispute.objects.exists()


def _maybe(strategy):
    return st.one_of(st.none(), strategy)


_TEXT = st.text(max_size=60)
_PARTY = st.fixed_dictionaries(
    {"name": _TEXT},
    optional={
        "role": st.sampled_from(["applicant", "respondent", "other", "judge"]),
        "id_number": st.one_of(
            _TEXT,
            st.sampled_from([VALID_ID, BAD_CHECKSUM_ID, "110105491231002", "110105199902300021"]),
        ),
        "phone": st.text(max_size=40),
        "address": st.text(max_size=220),
        "sex": st.sampled_from(["M", "F", "", "X"]),
        "birth_date": _maybe(st.dates().map(str)),
    },
)
_REGISTER_FIELDS = {
    "subtype": st.sampled_from(["", "neighbour.noise", "debt.loan", "x"]),
    "channel": st.sampled_from(["api", "police_call", "fax"]),
    "description": _TEXT,
    "found_at": _maybe(
        st.one_of(
            st.datetimes(max_value=dt.datetime(2026, 1, 1)).map(lambda t: t.isoformat()),
            st.datetimes(timezones=st.timezones()).map(lambda t: t.isoformat()),
        )
    ),
    "began_on": _maybe(st.dates().map(str)),
    "people_involved": st.one_of(
        st.integers(min_value=1, max_value=100), st.integers(min_value=-(2**70), max_value=2**70)
    ),
    "amount_involved": _maybe(
        st.one_of(
            st.decimals(allow_nan=True, allow_infinity=True).map(str),
            st.floats(allow_nan=False, allow_infinity=False),
        )
    ),
    "level": st.sampled_from(["red", "orange", "yellow", "purple", ""]),
    "parties": st.lists(_PARTY, max_size=3),
}


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.fixed_dictionaries(
        {"title": st.one_of(st.just("纠纷"), st.text(max_size=130))}, optional=_REGISTER_FIELDS
    )
)
def test_registration_never_fails_with_a_server_error(county, admin, data):
    _, plain = api_token_issue(actor=admin, user=county.east.officer, name="fuzz")
    response = Api(plain).post(
        "/disputes", {"category": "neighbour", "grid": county.east.grid.code, **data}
    )
    event(f"HTTP {response.status_code}")
    assert response.status_code in {201, 422}, response.content
    if response.status_code == 201:
        assert Dispute.objects.filter(case_number=response.json()["case_number"]).exists()


def test_a_future_found_time_is_refused_by_the_service(county, as_user):
    found_at = (timezone.now() + dt.timedelta(days=3)).isoformat()
    response = as_user(county.east.grid_worker).post(
        "/disputes", register_body(county, found_at=found_at)
    )
    assert errors_at(response) == [["body", "payload", "found_at"]]


def test_an_empty_party_list_and_a_local_time_are_accepted(county, as_user):
    response = as_user(county.east.grid_worker).post(
        "/disputes",
        register_body(county, parties=[], found_at="2026-03-01T09:30:00", began_on="2026-02-20"),
    )
    assert response.status_code == 201, response.content
    d = Dispute.objects.get()
    assert d.parties.count() == 0
    assert timezone.localtime(d.found_at).replace(tzinfo=None) == dt.datetime(2026, 3, 1, 9, 30)


def test_registering_in_a_grid_outside_the_area_is_refused(county, as_user):
    response = as_user(county.west.grid_worker).post("/disputes", register_body(county))
    assert response.status_code == 403
    assert not Dispute.objects.exists()


# --- reads ---------------------------------------------------------------------------------------------


def test_parties_are_masked_in_the_detail(county, as_user):
    d = register_dispute(
        county.east,
        parties=[
            PartyInput(
                name="王芳",
                id_number=VALID_ID,
                phone="13800138000",
                address="淮阳区城关镇东关村3组12号",
            ),
            PartyInput(name="赵强", role="respondent", phone="0394-8234567"),
        ],
    )
    response = as_user(county.east.officer).get(f"/disputes/{d.case_number}")
    parties = response.json()["parties"]
    assert [(p["name"], p["id_number"], p["phone"], p["address"], p["sex"]) for p in parties] == [
        ("王芳", "110105********002X", "138****8000", "淮阳区城关镇****", "F"),
        ("赵强", "", "0394-***4567", "", ""),
    ]
    text = response.content.decode()
    for secret in (VALID_ID, "19491231", "13800138000", "8234567", "东关村"):
        assert secret not in text


def test_list_filters_and_pagination(county, as_user):
    b = county.east
    drainage = register_dispute(b, title="排水沟纠纷", category="neighbour")
    loan = register_dispute(
        b,
        title="借款纠纷",
        category="debt",
        subtype=None,
        level="orange",
        parties=[PartyInput(name="孙悟空")],
    )
    old = register_dispute(
        b, title="宅基地纠纷", category="land", found_at=timezone.now() - dt.timedelta(days=400)
    )
    register_dispute(county.west, title="西边排水沟纠纷")
    officer = as_user(county.commander)

    def numbers(**params):
        response = officer.get("/disputes", params)
        assert response.status_code == 200, response.content
        return {i["case_number"] for i in response.json()["items"]}

    assert numbers(unit=b.station.code) == {drainage.case_number, loan.case_number, old.case_number}
    assert numbers(unit=b.station.code, category="neighbour") == {drainage.case_number}
    assert numbers(level="orange") == {loan.case_number}
    assert numbers(q="孙悟空") == {loan.case_number}
    assert numbers(q="排水沟") >= {drainage.case_number} and len(numbers(q="排水沟")) == 2
    assert numbers(
        unit=b.station.code, found_to=(timezone.localdate() - dt.timedelta(days=300)).isoformat()
    ) == {old.case_number}
    assert numbers(
        unit=b.station.code, found_from=(timezone.localdate() - dt.timedelta(days=300)).isoformat()
    ) == {drainage.case_number, loan.case_number}
    assert numbers(status="closed") == set()
    assert len(numbers(status="registered", open_only="true")) == 4
    assert len(numbers(overdue="true")) == 1  # the old case's tasks are long past due
    assert numbers(level="") == numbers()

    page = officer.get("/disputes", {"limit": 2, "offset": 1}).json()
    assert (page["count"], page["limit"], page["offset"], len(page["items"])) == (4, 2, 1, 2)
    item = page["items"][0]
    assert set(item) == {
        "case_number",
        "title",
        "category",
        "level",
        "status",
        "grid",
        "station",
        "owner",
        "found_at",
        "version",
    }

    for params in (
        {"limit": 201},
        {"limit": 10**30},
        {"offset": -1},
        {"offset": 10**30},
        {"level": "purple"},
        {"found_from": "not-a-date"},
        {"found_to": "0001-01-01"},
        {"q": "x\x00y"},
    ):
        assert officer.get("/disputes", params).status_code == 422, params


def test_categories_lists_the_taxonomy(county, as_user):
    categories = as_user(county.east.grid_worker).get("/categories").json()
    codes = [c["code"] for c in categories]
    assert codes[:2] == ["family", "neighbour"] and "other" in codes and "none" not in codes
    neighbour = categories[1]
    assert neighbour["name"] == "邻里纠纷" and neighbour["name_en"] == "Neighbours"
    assert "neighbour.drainage" in {s["code"] for s in neighbour["subtypes"]}


def test_weird_case_numbers_are_404(county, as_user):
    api = as_user(county.commander)
    for number in ("x" * 500, "a%00b", "%F0%9F%99%82", "1"):
        assert api.get(f"/disputes/{number}").status_code == 404


# --- tasks -------------------------------------------------------------------------------------------


def test_tasks_are_completed_waived_and_reassigned_within_scope(county, as_user):
    b = county.east
    d = register_dispute(b)
    officer = as_user(b.officer)
    first_contact, mediation, closure = (
        d.tasks.get(kind=k) for k in ("first_contact", "mediation", "closure")
    )

    response = officer.post(f"/tasks/{first_contact.pk}/complete", {"note": "已电话联系双方"})
    assert response.status_code == 200 and response.json()["state"] == "done"
    response = officer.post(f"/tasks/{mediation.pk}/waive", {"reason": "双方已自行和解"})
    assert response.status_code == 200 and response.json()["waive_reason"] == "双方已自行和解"
    response = officer.post(f"/tasks/{closure.pk}/reassign", {"assignee": b.auxiliary.username})
    assert response.status_code == 200 and response.json()["assignee"] == b.auxiliary.username
    assert Dispute.objects.get().version == 4

    # Again on a finished task: 422; a grid worker may not waive: 403; another area: 404.
    assert errors_at(officer.post(f"/tasks/{first_contact.pk}/complete", {})) == [
        ["body", "payload", "state"]
    ]
    assessment = d.tasks.get(kind="assessment")
    assert (
        as_user(b.grid_worker).post(f"/tasks/{assessment.pk}/waive", {"reason": "x"}).status_code
        == 403
    )
    assert (
        as_user(county.west.officer).post(f"/tasks/{assessment.pk}/complete", {}).status_code == 404
    )
    assert errors_at(officer.post(f"/tasks/{assessment.pk}/reassign", {"assignee": "nobody"})) == [
        ["body", "payload", "assignee"]
    ]
    assert officer.post(f"/tasks/{10**30}/complete", {}).status_code == 422
    assert officer.post("/tasks/999999/complete", {}).status_code == 404
    assert Task.objects.get(pk=assessment.pk).state == Task.State.OPEN


# --- the schema ---------------------------------------------------------------------------------------


EXPECTED_OPERATIONS = {
    ("get", "/api/categories"),
    ("get", "/api/disputes"),
    ("post", "/api/disputes"),
    ("get", "/api/disputes/{case_number}"),
    ("get", "/api/disputes/{case_number}/events"),
    ("get", "/api/disputes/{case_number}/tasks"),
    *(
        ("post", f"/api/disputes/{{case_number}}/{action}")
        for action in (
            "assess",
            "change-level",
            "assign",
            "start-mediation",
            "record-outcome",
            "follow-up",
            "request-closure",
            "approve-closure",
            "reject-closure",
            "reopen",
        )
    ),
    *(("post", f"/api/tasks/{{task_id}}/{action}") for action in ("complete", "waive", "reassign")),
}


def test_the_openapi_schema_lists_every_operation_with_its_responses(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    operations = {
        (method, path): op
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if op["tags"] == ["disputes"]
    }
    assert set(operations) == EXPECTED_OPERATIONS
    ids = [op["operationId"] for op in operations.values()]
    assert len(set(ids)) == len(ids)
    for (method, path), op in operations.items():
        assert op["tags"] == ["disputes"] and op["summary"], path
        codes = set(op["responses"])
        assert {"401", "403", "404", "422"} <= codes, path
        if method == "post":
            assert "409" in codes or path.startswith("/api/tasks/"), path
            assert "requestBody" in op, path
        assert op["security"] == [{"BearerToken": []}, {"Session": []}]
    assert "201" in operations[("post", "/api/disputes")]["responses"]
    assert set(schema["components"]["securitySchemes"]) == {"BearerToken", "Session"}
    assert client.get("/api/docs").status_code == 200


def test_a_token_past_its_rate_gets_429_and_another_token_does_not(county, admin, settings):
    settings.CONCORD_API_RATE = "3/min"
    _, first = api_token_issue(actor=admin, user=county.east.officer, name="110")
    _, second = api_token_issue(actor=admin, user=county.east.officer, name="12345")
    for _ in range(3):
        assert Api(first).get("/disputes").status_code == 200
    refused = Api(first).get("/disputes", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert "Too many requests" in refused.json()["detail"] and int(refused["Retry-After"]) > 0
    assert Api(second).get("/disputes").status_code == 200
