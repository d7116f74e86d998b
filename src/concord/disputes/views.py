"""Pages of the dispute register. Thin: forms in, services and selectors out."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from concord.accounts.models import Role, User
from concord.audit.services import audit_access
from concord.core.drafts import client_token, draft_aware, is_draft_request
from concord.core.pagination import CappedPaginator
from concord.disputes import risk as dispute_risk
from concord.disputes import selectors, services
from concord.disputes.forms import (
    OFFICER_ROLES,
    AssessForm,
    AssignForm,
    DisputeFilterForm,
    DisputeRegisterForm,
    FollowUpForm,
    NoteForm,
    OutcomeForm,
    PartyFormSet,
    ReferForm,
)
from concord.disputes.models import Attachment, Dispute, Level, Task
from concord.disputes.workflow import TRANSITIONS, actions_available
from concord.mediation import selectors as mediation_selectors
from concord.mediation import services as mediation_services
from concord.mediation import views as mediation_views
from concord.mediation.closure import CLOSABLE_FROM, closure_missing
from concord.people.reveal import HEALTH_REASON_CODES, may_see_health_notes
from concord.risk import loader as risk_loader
from concord.territory.models import UnitKind
from concord.territory.selectors import units_visible


def _get_case(request: HttpRequest, case_number: str) -> Dispute:
    try:
        return selectors.dispute_get(actor=request.user, case_number=case_number)
    except Dispute.DoesNotExist as exc:
        raise Http404(_("No such case in your area.")) from exc


def _people_over(dispute: Dispute, roles) -> "list[User]":
    return User.objects.filter(
        is_active=True, role__in=roles, scope_unit__code__in=dispute.grid.path_codes
    ).order_by("role", "username")


def _apply_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    form = DisputeFilterForm(request.GET or None)
    disputes = selectors.dispute_list(
        actor=request.user, filters=form.filters() if request.GET else None
    )
    page = CappedPaginator(disputes, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "disputes/list.html", {"form": form, "page": page, "query": query.urlencode()}
    )


def _draft_arrived_before(request: HttpRequest, exc: services.DraftAlreadySent) -> HttpResponse:
    messages.info(request, str(exc))
    return redirect("dispute_detail", case_number=exc.dispute.case_number)


@draft_aware
@login_required
def dispute_register(request: HttpRequest) -> HttpResponse:
    grids = (
        units_visible(actor=request.user, kind=UnitKind.GRID)
        .filter(is_active=True)
        .order_by("code")
    )
    if not TRANSITIONS["register"].allowed(request.user.role, "yellow"):
        raise Http404(_("Your role does not register disputes."))
    form = DisputeRegisterForm(request.POST or None, request.FILES or None, grids=grids)
    parties = PartyFormSet(request.POST or None, prefix="parties")
    if request.method == "POST" and form.is_valid() and parties.is_valid():
        data = form.cleaned_data
        try:
            dispute = services.dispute_register(
                actor=request.user,
                title=data["title"],
                category=data["category"],
                grid=data["grid"],
                channel=data["channel"],
                description=data["description"],
                level=data["level"],
                people_involved=data["people_involved"],
                amount_involved=data["amount_involved"],
                began_on=data["began_on"],
                parties=[
                    services.PartyInput(**p) for p in parties.cleaned_data if p and p.get("name")
                ],
                attachments=[data["attachment"]] if data.get("attachment") else [],
                client_token=client_token(request),
            )
        except services.DraftAlreadySent as exc:
            return _draft_arrived_before(request, exc)
        except IntegrityError:
            # The same draft arrived twice at once and the other request opened the case first.
            try:
                services.draft_check(actor=request.user, client_token=client_token(request))
            except services.DraftAlreadySent as exc:
                return _draft_arrived_before(request, exc)
            raise
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                if field.startswith("parties["):
                    index = int(field[len("parties[") : field.index("]")])
                    sub = field.rsplit(".", 1)[1]
                    if index < len(parties.forms):
                        parties.forms[index].add_error(
                            sub if sub in parties.forms[index].fields else None, errors
                        )
                        continue
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, _("Registered as case %(number)s.") % {"number": dispute.case_number}
            )
            return redirect("dispute_detail", case_number=dispute.case_number)
    return render(request, "disputes/register.html", {"form": form, "parties": parties})


def _action_forms(request: HttpRequest, dispute: Dispute, data=None) -> dict:
    available = actions_available(
        role=request.user.role, status=dispute.status, level=dispute.level
    )
    forms = {}
    for action in available:
        if action in {"assess", "change_level"}:
            forms[action] = AssessForm(
                data,
                leaders=_people_over(dispute, [Role.BUREAU_COMMANDER]),
                initial={"level": dispute.level},
                prefix=action,
            )
        elif action in {"assign", "reassign"}:
            forms[action] = AssignForm(
                data,
                owners=_people_over(dispute, OFFICER_ROLES),
                prefix=action,
                initial={"owner": dispute.owner_id},
            )
        elif action == "record_outcome":
            forms[action] = OutcomeForm(data, prefix=action)
        elif action == "follow_up":
            forms[action] = FollowUpForm(data, prefix=action)
        elif action == "refer":
            forms[action] = ReferForm(
                data,
                bodies=mediation_selectors.bodies_serving(actor=request.user, dispute=dispute),
                prefix=action,
            )
        else:
            forms[action] = NoteForm(
                data, required="note" in TRANSITIONS[action].requires, prefix=action
            )
    return forms


@login_required
def dispute_detail(request: HttpRequest, case_number: str) -> HttpResponse:
    dispute = _get_case(request, case_number)
    audit_access(
        actor=request.user,
        action="disputes.view",
        target=dispute,
        unit=dispute.grid,
        data={"case_number": dispute.case_number},
    )
    return render(request, "disputes/detail.html", _detail_context(request, dispute))


def _detail_context(request, dispute, forms=None):
    referrals = mediation_selectors.referrals_of_case(actor=request.user, dispute=dispute)
    agreements = mediation_selectors.agreements_of_case(actor=request.user, dispute=dispute)
    mediation_views.annotate_case_mediation(
        request.user,
        referrals=referrals,
        agreements=agreements,
        next_url=reverse("dispute_detail", args=[dispute.case_number]),
    )
    return {
        "dispute": dispute,
        "parties": dispute.parties.all(),
        "tasks": dispute.tasks.select_related("assignee").order_by("state", "due_at"),
        "events": selectors.dispute_timeline(actor=request.user, dispute=dispute),
        "attachments": dispute.attachments.all(),
        "assessments": dispute.assessments.select_related("assessed_by"),
        "health_reason_codes": HEALTH_REASON_CODES,
        "may_see_health_notes": may_see_health_notes(request.user),
        "action_forms": forms or _action_forms(request, dispute),
        "can_waive": request.user.role in services.TASK_WAIVER_ROLES,
        "referrals": referrals,
        "agreements": agreements,
        "visits": mediation_selectors.visits_of_case(actor=request.user, dispute=dispute),
        "closure_missing": closure_missing(dispute=dispute)
        if dispute.status in CLOSABLE_FROM
        else [],
    }


def _draft_conflict(request: HttpRequest, exc: services.StaleVersion) -> HttpResponse:
    """A draft kept offline met a case someone else changed meanwhile: what changed, and nothing
    written (409). The page shows it beside the draft, which stays for the user to review."""
    current = exc.dispute
    missed = max(current.version - exc.expected, 0)
    events = (
        list(current.events.select_related("actor").order_by("-at", "-pk")[: min(missed, 10)])[::-1]
        if missed
        else []
    )
    return render(
        request,
        "disputes/_draft_conflict.html",
        {"dispute": current, "expected": exc.expected, "events": events},
        status=409,
    )


@draft_aware
@login_required
@require_POST
def dispute_act(request: HttpRequest, case_number: str, action: str) -> HttpResponse:
    dispute = _get_case(request, case_number)
    if action not in TRANSITIONS or action == "register":
        raise Http404
    try:
        version = int(request.POST.get("expected_version", ""))
    except ValueError:
        version = -1
    token = client_token(request)
    if is_draft_request(request):
        # A draft kept offline: its second arrival is recognised; a case changed since the draft
        # was begun is shown as a conflict before anything else is judged against it.
        try:
            services.draft_check(actor=request.user, client_token=token)
        except services.DraftAlreadySent as exc:
            return _draft_arrived_before(request, exc)
        except ValidationError:
            pass  # refused again below, beside the form
        if version != dispute.version:
            return _draft_conflict(request, services.StaleVersion(dispute, version))
    forms = _action_forms(request, dispute, request.POST)
    form = forms.get(action)
    if form is None:
        messages.error(request, _("This action is not available to you on this case now."))
        return redirect("dispute_detail", case_number=case_number)
    if form.is_valid():
        data = form.cleaned_data
        common = {"actor": request.user, "dispute": dispute, "expected_version": version}
        calls = {
            "assess": lambda: services.dispute_assess(
                **common,
                level=data.get("level"),
                reasons=form.reason_list(),
                lead_leader=data.get("lead_leader"),
            ),
            "change_level": lambda: services.dispute_change_level(
                **common,
                level=data.get("level"),
                reasons=form.reason_list(),
                lead_leader=data.get("lead_leader"),
            ),
            "assign": lambda: services.dispute_assign(**common, owner=data["owner"]),
            "reassign": lambda: services.dispute_assign(**common, owner=data["owner"]),
            "start_mediation": lambda: services.dispute_start_mediation(
                **common, note=data.get("note", "")
            ),
            "record_outcome": lambda: services.dispute_record_outcome(
                **common,
                outcome=data["outcome"],
                note=data["note"],
                transferred_to=data.get("transferred_to", ""),
            ),
            "follow_up": lambda: mediation_services.visit_record(
                **common,
                note=data["note"],
                matter_settled=data["matter_settled"],
                grievance_settled=data["grievance_settled"],
                method=data["method"],
                met_with=data.get("met_with", ""),
                satisfaction=data.get("satisfaction", ""),
                recurred=data.get("recurred", False),
            ),
            "refer": lambda: mediation_services.referral_create(
                **common,
                bodies=list(data["bodies"]),
                route=data["route"],
                note=data.get("note", ""),
            ),
            "request_closure": lambda: services.dispute_request_closure(
                **common, note=data.get("note", "")
            ),
            "approve_closure": lambda: services.dispute_approve_closure(
                **common, note=data.get("note", "")
            ),
            "reject_closure": lambda: services.dispute_reject_closure(
                **common, note=data.get("note", "")
            ),
            "reopen": lambda: services.dispute_reopen(**common, note=data.get("note", "")),
        }
        try:
            services.draft_check(actor=request.user, client_token=token)
            with transaction.atomic():
                before = dispute.events.aggregate(last=Max("pk"))["last"] or 0
                calls[action]()
                services.draft_token_record(
                    dispute=dispute, actor=request.user, after_event_id=before, client_token=token
                )
        except services.DraftAlreadySent as exc:
            return _draft_arrived_before(request, exc)
        except services.StaleVersion as exc:
            if is_draft_request(request):
                return _draft_conflict(request, exc)
            messages.error(request, str(exc))
            return redirect("dispute_detail", case_number=case_number)
        except services.TransitionRefused as exc:
            messages.error(request, str(exc))
            return redirect("dispute_detail", case_number=case_number)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request, _("Done: %(action)s.") % {"action": services.ACTION_LABELS[action]}
            )
            return redirect("dispute_detail", case_number=case_number)
    context = _detail_context(request, dispute, forms)
    context["open_action"] = action
    return render(request, "disputes/detail.html", context, status=422)


@login_required
@require_POST
def task_act(request: HttpRequest, task_id: int, action: str) -> HttpResponse:
    try:
        task = selectors.tasks_visible(actor=request.user).get(pk=task_id)
    except Task.DoesNotExist as exc:
        raise Http404 from exc
    try:
        if action == "complete":
            services.task_complete(actor=request.user, task=task, note=request.POST.get("note", ""))
        elif action == "waive":
            services.task_waive(
                actor=request.user, task=task, reason=request.POST.get("reason", "")
            )
        else:
            raise Http404
    except (ValidationError, services.TransitionRefused) as exc:
        messages.error(
            request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        )
    else:
        messages.success(request, _("Task updated."))
    return redirect("dispute_detail", case_number=task.dispute.case_number)


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    tasks = (
        selectors.tasks_visible(actor=request.user)
        .filter(state=Task.State.OPEN)
        .filter(Q(assignee=request.user))
        .order_by("due_at")[:200]
    )
    overdue = selectors.tasks_overdue(actor=request.user).select_related("dispute__grid")[:200]
    return render(request, "disputes/tasks.html", {"tasks": tasks, "overdue": overdue})


@login_required
def attachment_download(request: HttpRequest, case_number: str, attachment_id: int) -> FileResponse:
    dispute = _get_case(request, case_number)
    try:
        attachment = dispute.attachments.get(pk=attachment_id)
    except Attachment.DoesNotExist as exc:
        raise Http404 from exc
    return FileResponse(
        attachment.file.open("rb"),
        filename=attachment.original_name,
        content_type=attachment.content_type or "application/octet-stream",
    )


def _checklist(dispute: Dispute):
    instrument = risk_loader.current_instrument()
    return instrument, [item for item in instrument.items if item.applies_to(dispute.category.code)]


def _answers_from(request: HttpRequest, items) -> dict[str, bool]:
    chosen = set(request.POST.getlist("answers"))
    return {item.code: item.code in chosen for item in items}


@login_required
def dispute_questionnaire(request: HttpRequest, case_number: str) -> HttpResponse:
    """The escalation checklist on a phone; the level and its reasons update as answers change (htmx)."""
    dispute = _get_case(request, case_number)
    action = "assess" if dispute.status in TRANSITIONS["assess"].sources else "change_level"
    if action not in actions_available(
        role=request.user.role, status=dispute.status, level=dispute.level
    ):
        raise Http404(_("This action is not available to you on this case now."))
    instrument, items = _checklist(dispute)
    leaders = _people_over(dispute, [Role.BUREAU_COMMANDER])
    answers = (
        _answers_from(request, items)
        if request.method == "POST"
        else dict(dispute.assessment.answers if dispute.assessment_id else {})
    )
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        level = request.POST.get("level") or None
        reasons = [line for line in request.POST.get("reasons", "").splitlines() if line.strip()]
        leader = leaders.filter(pk=request.POST.get("lead_leader") or None).first()
        try:
            version = int(request.POST.get("expected_version", ""))
        except ValueError:
            version = -1
        common = {
            "actor": request.user,
            "dispute": dispute,
            "expected_version": version,
            "answers": answers,
            "reasons": reasons,
            "lead_leader": leader,
        }
        try:
            if action == "assess":
                services.dispute_assess(**common, level=level)
            else:
                services.dispute_change_level(
                    **common, level=level or dispute_risk.grade(dispute, answers).level
                )
        except services.StaleVersion as exc:
            messages.error(request, str(exc))
            return redirect("dispute_detail", case_number=case_number)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, _("Assessment saved."))
            return redirect("dispute_detail", case_number=case_number)
    return render(
        request,
        "disputes/questionnaire.html",
        {
            "dispute": dispute,
            "instrument": instrument,
            "items": items,
            "answers": answers,
            "leaders": leaders,
            "result": dispute_risk.grade(dispute, answers),
            "errors": errors,
            "levels": Level.choices,
            "posted": request.POST if request.method == "POST" else {},
        },
        status=422 if errors else 200,
    )


@login_required
@require_POST
def dispute_questionnaire_preview(request: HttpRequest, case_number: str) -> HttpResponse:
    dispute = _get_case(request, case_number)
    _, items = _checklist(dispute)
    return render(
        request,
        "disputes/_risk_result.html",
        {"result": dispute_risk.grade(dispute, _answers_from(request, items))},
    )
