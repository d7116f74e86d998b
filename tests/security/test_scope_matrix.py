"""The scope matrix (DESIGN §7): every page, export and API operation × every role × an object outside
the user's territory → 403 or 404, never the object's data.

Users of county A's east branch (and its east station) are tried against county A's west objects;
users scoped to the whole of county A's bureau against county B's. The tables below name how to
reach the outside object through each route; a route missing from them fails the test, so a new
route must be added here (with its outside object, or as a list page that must not show one).
"""

import io
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from concord.api import api
from concord.notify.models import Notification
from tests.security.conftest import ROLES, Outside, World, login

pytestmark = pytest.mark.django_db

DENIED = {403, 404}


@dataclass(frozen=True)
class Obj:
    """A route naming an outside object: every role gets 403 or 404, whatever the method."""

    kwargs: Callable[[Outside], dict]
    methods: tuple[str, ...] = ("GET",)
    data: Callable[[Outside], dict] = lambda o: {}


@dataclass(frozen=True)
class Listing:
    """A route naming no object (a list, a form, a dashboard): it may answer, but never shows an
    outside object's marker. `query` adds parameters that point at the outside territory."""

    methods: tuple[str, ...] = ("GET",)
    query: Callable[[Outside], dict] | None = None
    data: Callable[[Outside], dict] = lambda o: {}


@dataclass(frozen=True)
class Public:
    """Not about territory at all; why is the reason."""

    reason: str


case = lambda o: {"case_number": o.case_number}  # noqa: E731
unit = lambda o: {"unit": o.branch.station.code}  # noqa: E731

PAGES: dict[str, Obj | Listing | Public] = {
    "set_language": Public("switches the interface language"),
    "login": Public("the sign-in form"),
    "logout": Public("signs the user out"),
    "password_change": Public("the user's own password"),
    "password_change_done": Public("the user's own password"),
    "two_factor": Public("the user's own second factor"),
    "healthz": Public("liveness probe, no data"),
    "home": Listing(),
    # disputes
    "dispute_list": Listing(query=unit),
    "dispute_register": Listing(
        methods=("GET", "POST"),
        data=lambda o: {"title": "越界登记", "category": "neighbour", "grid": o.branch.grid.code},
    ),
    "my_tasks": Listing(),
    "task_act": Obj(lambda o: {"task_id": o.task.pk, "action": "complete"}, ("POST",)),
    "dispute_detail": Obj(case),
    "dispute_questionnaire": Obj(case, ("GET", "POST")),
    "dispute_questionnaire_preview": Obj(case, ("POST",)),
    "dispute_act": Obj(lambda o: {**case(o), "action": "record_outcome"}, ("POST",)),
    "attachment_download": Obj(lambda o: {**case(o), "attachment_id": o.attachment_id}),
    # people
    "review_queue": Listing(),
    "review_pair": Obj(
        lambda o: {"pair_id": o.pair_id}, ("GET", "POST"), lambda o: {"decision": "same"}
    ),
    "person_split": Obj(lambda o: {"merge_id": o.merge_id}, ("POST",)),
    "person_detail": Obj(lambda o: {"person_id": o.person_id}),
    "person_subject_access": Obj(lambda o: {"person_id": o.person_id}),
    "party_reveal": Obj(
        lambda o: {"party_id": o.party_id, "field": "phone"},
        ("POST",),
        lambda o: {"reason": "核查"},
    ),
    # audit
    "audit_log": Listing(),
    # intake
    "ledger_upload": Listing(),
    "ledger_result": Obj(lambda o: {"token": o.ledger_token}),
    "ledger_report_json": Obj(lambda o: {"token": o.ledger_token}),
    "screening_home": Listing(query=lambda o: {"grid": o.branch.grid.code}),
    "nil_report_submit": Obj(
        lambda o: {"grid_code": o.branch.grid.code}, ("POST",), lambda o: {"kind": "nothing_found"}
    ),
    "screening_missing": Listing(query=unit),
    "sensitive_periods": Listing(),
    "campaign_list": Listing(),
    "campaign_create": Listing(),
    "campaign_detail": Obj(lambda o: {"pk": o.campaign_id}),
    "campaign_unit_report": Obj(
        lambda o: {"pk": o.campaign_id, "unit_code": o.branch.station.code}, ("GET", "POST")
    ),
    "triage_queue": Listing(),
    "grid_report": Listing(),
    "patrol_visit": Listing(),
    "lead_detail": Obj(lambda o: {"lead_id": o.lead_id}, ("GET", "POST")),
    # mediation
    "mediation_inbox": Listing(),
    "referral_detail": Obj(lambda o: {"referral_id": o.referral_id}),
    "referral_accept": Obj(lambda o: {"referral_id": o.referral_id}, ("POST",)),
    "referral_return": Obj(
        lambda o: {"referral_id": o.referral_id}, ("POST",), lambda o: {"reason": "越界"}
    ),
    "session_record": Obj(lambda o: {"referral_id": o.referral_id}, ("POST",)),
    "agreement_record": Obj(lambda o: {"referral_id": o.referral_id}, ("POST",)),
    "agreement_print": Obj(lambda o: {"agreement_id": o.agreement_id}),
    "instalment_perform": Obj(
        lambda o: {"agreement_id": o.agreement_id, "instalment_id": o.instalment_id},
        ("GET", "POST"),
    ),
    # reporting (exports included)
    "ledger_export": Listing(query=unit),
    "dashboard": Listing(query=unit),
    "dashboard_data": Listing(query=unit),
    "dashboard_metrics": Listing(query=unit),
    "grid_map": Listing(query=unit),
    "grid_map_data": Listing(query=unit),
    "grid_cases": Obj(lambda o: {"code": o.branch.grid.code}),
    "brief": Listing(query=unit),
    # notify
    "notify_inbox": Listing(),
    "notify_bell": Listing(),
    "notify_mark_read": Listing(("POST",), data=lambda o: {"id": [o.notification_id]}),
    "notify_preferences": Listing(),
    "notify_failed": Listing(),
    "notify_retry": Obj(lambda o: {"pk": o.delivery_id}, ("POST",)),
    "notify_open": Obj(lambda o: {"pk": o.notification_id}),
}

# The admin site is Django's own: it is reachable only by staff accounts (is_staff), which no
# role grants; tests/accounts covers who gets is_staff. Its routes are not territory-scoped pages.
EXCLUDED_NAMESPACES = {"admin": "Django's admin site, staff accounts only"}
# The API's own URL patterns are covered operation by operation in API_OPERATIONS below.
API_DOCS = {
    "api:openapi-json": "the schema",
    "api:openapi-view": "the schema's viewer",
    "api:api-root": "the API's prefix, no operation of its own",
}


def version(o: Outside) -> dict:
    return {"expected_version": o.dispute.version}


@dataclass(frozen=True)
class Op:
    path: Callable[[Outside], dict]
    body: Callable[[Outside, World, str], dict] | None = None  # (outside, world, role)
    listing: bool = False  # no object in the path: answers, but without an outside marker
    query: Callable[[Outside], dict] | None = None


api_case = lambda o: {"case_number": o.case_number}  # noqa: E731
api_referral = lambda o: {"referral_id": o.referral_id}  # noqa: E731
api_task = lambda o: {"task_id": o.task.pk}  # noqa: E731
reason = lambda o, w, r: {"reason": "越界"}  # noqa: E731

API_OPERATIONS: dict[str, Op] = {
    "categories_list": Op(lambda o: {}, listing=True),
    "disputes_list": Op(
        lambda o: {}, listing=True, query=lambda o: {"unit": o.branch.station.code}
    ),
    "dispute_register": Op(
        lambda o: {},
        lambda o, w, r: {"title": "越界登记", "category": "neighbour", "grid": o.branch.grid.code},
        listing=True,
    ),
    "dispute_detail": Op(api_case),
    "dispute_events": Op(api_case),
    "dispute_tasks": Op(api_case),
    "dispute_closure_check": Op(api_case),
    "dispute_visits": Op(api_case),
    "dispute_assess": Op(
        api_case, lambda o, w, r: {**version(o), "level": "orange", "reasons": ["越界"]}
    ),
    "dispute_change_level": Op(
        api_case, lambda o, w, r: {**version(o), "level": "orange", "reasons": ["越界"]}
    ),
    "dispute_assign": Op(
        api_case, lambda o, w, r: {**version(o), "owner": w.users["officer"].username}
    ),
    "dispute_start_mediation": Op(api_case, lambda o, w, r: {**version(o), "note": "越界"}),
    "dispute_record_outcome": Op(
        api_case, lambda o, w, r: {**version(o), "outcome": "resolved", "note": "越界"}
    ),
    "dispute_follow_up": Op(
        api_case,
        lambda o, w, r: {
            **version(o),
            "note": "越界",
            "matter_settled": True,
            "grievance_settled": True,
        },
    ),
    "dispute_request_closure": Op(api_case, lambda o, w, r: {**version(o), "note": "越界"}),
    "dispute_approve_closure": Op(api_case, lambda o, w, r: {**version(o), "note": "越界"}),
    "dispute_reject_closure": Op(api_case, lambda o, w, r: {**version(o), "note": "越界"}),
    "dispute_reopen": Op(api_case, lambda o, w, r: {**version(o), "note": "越界"}),
    "task_complete": Op(api_task, lambda o, w, r: {"note": ""}),
    "task_waive": Op(api_task, reason),
    "task_reassign": Op(api_task, lambda o, w, r: {"assignee": w.users[r].username}),
    "lead_create": Op(
        lambda o: {},
        lambda o, w, r: {
            "idempotency_key": o.lead_key,  # another's key: must not return their lead
            "text": "越界线索",
            "grid": o.branch.grid.code,
        },
        listing=True,
    ),
    "lead_status": Op(lambda o: {"idempotency_key": o.lead_key}),
    "mediation_bodies_list": Op(
        lambda o: {}, listing=True, query=lambda o: {"case_number": o.case_number}
    ),
    "referrals_list": Op(
        lambda o: {}, listing=True, query=lambda o: {"case_number": o.case_number}
    ),
    "referral_detail": Op(api_referral),
    "referral_create": Op(api_case, lambda o, w, r: {**version(o), "bodies": [o.body.pk]}),
    "referral_accept": Op(api_referral, lambda o, w, r: {}),
    "referral_return": Op(api_referral, reason),
    "referral_withdraw": Op(api_referral, reason),
    "session_record": Op(
        api_referral,
        lambda o, w, r: {
            "held_at": timezone.now().isoformat(),
            "place": "越界",
            "attendees": "双方",
            "summary": "越界",
            "result": "continuing",
        },
    ),
    "agreement_record": Op(
        api_referral,
        lambda o, w, r: {
            "form": "oral",
            "facts": "越界",
            "terms": "越界",
            "signed_on": timezone.localdate().isoformat(),
        },
    ),
    "instalment_perform": Op(
        lambda o: {"instalment_id": o.instalment_id},
        lambda o, w, r: {"performed_on": timezone.localdate().isoformat()},
    ),
}


# --- enumeration -----------------------------------------------------------------------------------


def url_names(patterns=None, namespace: str = "") -> list[str]:
    """Every named URL pattern of the project, namespaced ("api:dispute_detail")."""
    names = []
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            inner = f"{namespace}:{p.namespace}" if namespace and p.namespace else p.namespace
            names += url_names(p.url_patterns, inner or namespace)
        elif isinstance(p, URLPattern):
            name = p.name or f"<unnamed {p.pattern}>"  # not in the tables: it fails the test
            names.append(f"{namespace}:{name}" if namespace else name)
    return names


def api_operations() -> dict[str, tuple[str, str]]:
    """operationId → (method, path template) from the OpenAPI schema."""
    schema = api.get_openapi_schema()
    return {
        op["operationId"]: (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, op in methods.items()
    }


def page_routes() -> list[str]:
    return [
        n
        for n in url_names()
        if n.split(":")[0] not in EXCLUDED_NAMESPACES and not n.startswith("api:")
    ]


def test_every_route_and_operation_is_in_the_matrix():
    names = url_names()
    missing_pages = sorted(set(page_routes()) - set(PAGES))
    stale_pages = sorted(set(PAGES) - set(page_routes()))
    ops = api_operations()
    missing_ops = sorted(set(ops) - set(API_OPERATIONS))
    stale_ops = sorted(set(API_OPERATIONS) - set(ops))
    api_names = {n for n in names if n.startswith("api:")}
    unexplained_api = sorted(api_names - {f"api:{op}" for op in ops} - set(API_DOCS))
    assert not (missing_pages or stale_pages or missing_ops or stale_ops or unexplained_api), (
        f"add to tests/security/test_scope_matrix.py: pages {missing_pages}, API operations "
        f"{missing_ops}, API routes {unexplained_api}; remove: {stale_pages + stale_ops}"
    )
    assert len(PAGES) >= 60 and len(API_OPERATIONS) >= 33


# --- the matrix ------------------------------------------------------------------------------------


def text_of(response) -> str:
    """The response's body as text; an .xlsx export as its cells' values."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v
        )
    text = content.decode("utf-8", errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        text += json.dumps(json.loads(text or "null"), ensure_ascii=False)
    return text


def leaked(text: str, o: Outside) -> list[str]:
    return [m for m in o.markers if m in text]


def login_redirect(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def page_requests(name: str, entry, o: Outside):
    """(method, url, data) for one route against one outside object."""
    if isinstance(entry, Obj):
        url = reverse(name, kwargs=entry.kwargs(o))
        for method in entry.methods:
            yield method, url, entry.data(o)
    else:
        url = reverse(name)
        for method in entry.methods:
            yield method, url, entry.data(o)
        if entry.query is not None:
            yield "GET", url, entry.query(o)


@pytest.mark.parametrize("name", sorted(n for n, e in PAGES.items() if not isinstance(e, Public)))
def test_page_refuses_or_hides_the_outside_object_for_every_role(world: World, name):
    entry = PAGES[name]
    failures = []
    anonymous = Client()
    for method, url, data in page_requests(name, entry, world.outside["chief"]):
        r = getattr(anonymous, method.lower())(url, data)
        if not (login_redirect(r) or r.status_code in DENIED | {286}):
            failures.append(f"anonymous {method} {url}: {r.status_code}")
    for role in ROLES:
        o = world.outside[role]
        client = login(Client(), world.users[role])
        for method, url, data in page_requests(name, entry, o):
            r = getattr(client, method.lower())(url, data)
            where = f"{role} {method} {url} {data or ''}"
            if r.status_code >= 500:
                failures.append(f"{where}: {r.status_code}")
            elif isinstance(entry, Obj) and r.status_code not in DENIED:
                failures.append(f"{where}: {r.status_code}, expected 403 or 404")
            elif found := leaked(text_of(r), o):
                failures.append(f"{where}: {r.status_code} shows {found}")
        if name == "notify_mark_read":
            assert Notification.objects.get(pk=o.notification_id).read_at is None
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("operation", sorted(API_OPERATIONS))
def test_api_operation_refuses_or_hides_the_outside_object_for_every_role(world: World, operation):
    method, template = api_operations()[operation]
    op = API_OPERATIONS[operation]
    failures = []
    for role in [None, *ROLES]:
        o = world.outside[role or "chief"]
        path = template.format(**op.path(o))
        headers = {"HTTP_AUTHORIZATION": f"Bearer {world.tokens[role]}"} if role else {}
        client = Client()
        attempts = []
        if method == "GET":
            attempts.append(client.get(path, **headers))
            if op.query is not None:
                attempts.append(client.get(path, op.query(o), **headers))
        else:
            body = op.body(o, world, role or "chief") if op.body else {}
            attempts.append(
                client.post(path, json.dumps(body), content_type="application/json", **headers)
            )
        for r in attempts:
            where = f"{role or 'anonymous'} {method} {path}"
            if role is None:
                if r.status_code != 401:
                    failures.append(f"{where}: {r.status_code}, expected 401")
            elif r.status_code >= 500:
                failures.append(f"{where}: {r.status_code}")
            elif not op.listing and r.status_code not in DENIED:
                failures.append(f"{where}: {r.status_code} {r.content[:200]!r}, expected 403/404")
            elif op.listing and r.status_code in {200, 201} and method == "POST":
                failures.append(f"{where}: {r.status_code}, an outside reference was accepted")
            elif found := leaked(text_of(r), o):
                failures.append(f"{where}: {r.status_code} shows {found}")
    assert not failures, "\n".join(failures)
