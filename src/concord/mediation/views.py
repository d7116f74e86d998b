"""Pages of the mediation room: the mediator's inbox, the referral with its session and agreement forms,
instalment performance, and the printable agreement. Thin: forms in, services and selectors out."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from concord.accounts.models import Role
from concord.audit.services import audit_record
from concord.disputes.services import TransitionRefused
from concord.mediation import printing, selectors, services
from concord.mediation.forms import (
    AgreementForm,
    InboxFilterForm,
    InstalmentFormSet,
    PerformForm,
    ReturnForm,
    SessionForm,
)
from concord.mediation.models import Agreement, Instalment, Referral

# --- helpers -----------------------------------------------------------------------------------


def _referral(request: HttpRequest, referral_id: int) -> Referral:
    try:
        return selectors.referral_get(actor=request.user, referral_id=referral_id)
    except Referral.DoesNotExist as exc:
        raise Http404(_("No such referral for you.")) from exc


def _agreement(request: HttpRequest, agreement_id: int) -> Agreement:
    try:
        return selectors.agreement_get(actor=request.user, agreement_id=agreement_id)
    except Agreement.DoesNotExist as exc:
        raise Http404(_("No such agreement for you.")) from exc


def _is_member(user, referral: Referral) -> bool:
    return user.role == Role.MEDIATOR and referral.body.members.filter(pk=user.pk).exists()


def may_record_performance(user, agreement: Agreement) -> bool:
    """Whether to offer the performance form; the service decides again when it is posted."""
    return services.may_record_performance(user, agreement)


def _apply_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _members(referral: Referral):
    return referral.body.members.filter(is_active=True).order_by("display_name", "username")


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def schedule_rows(user, agreement: Agreement, *, next_url: str = "") -> list[dict]:
    """An agreement's instalments as the pages show them: overdue or performed, and a performance
    form for each one still open when the user may record it."""
    today = timezone.localdate()
    allowed = may_record_performance(user, agreement)
    rows = []
    for instalment in agreement.instalments.all():
        open_ = not instalment.performed
        rows.append(
            {
                "instalment": instalment,
                "overdue": open_ and instalment.due_on < today,
                "form": PerformForm(
                    auto_id=f"perform-{instalment.pk}-%s",
                    initial={"performed_on": today, "amount": instalment.amount},
                )
                if open_ and allowed
                else None,
                "next": next_url,
            }
        )
    return rows


def annotate_case_mediation(user, *, referrals, agreements, next_url: str) -> None:
    """For the case page: which referral pages the user may open, and each agreement's schedule."""
    own_bodies = (
        set(user.mediation_bodies.values_list("pk", flat=True))
        if user.role == Role.MEDIATOR
        else None
    )
    for referral in referrals:
        referral.can_open = own_bodies is None or referral.body_id in own_bodies
    for agreement in agreements:
        agreement.schedule = schedule_rows(user, agreement, next_url=next_url)


# --- inbox -------------------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The mediator's referrals. Other roles follow referrals from the case page; for them this work
    list does not exist (404, as other role pages in Concord), rather than an always-empty page."""
    if request.user.role != Role.MEDIATOR:
        raise Http404(_("Only mediators have a mediation inbox."))
    form = InboxFilterForm(request.GET or None)
    referrals = selectors.mediator_inbox(actor=request.user, state=form.state_value())
    page = Paginator(referrals.select_related("dispute__category"), 25).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "mediation/inbox.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "bodies": request.user.mediation_bodies.filter(is_active=True),
        },
    )


# --- the referral page -------------------------------------------------------------------------


def _referral_context(request: HttpRequest, referral: Referral, **bound) -> dict:
    user = request.user
    member = _is_member(user, referral)
    state = referral.state
    pending = state in {Referral.State.REFERRED, Referral.State.ACCEPTED}
    in_hand = member and state == Referral.State.ACCEPTED
    forms = {
        "accept": member and state == Referral.State.REFERRED,
        "return_form": ReturnForm(prefix="return") if member and pending else None,
        "session_form": SessionForm(
            prefix="session",
            members=_members(referral),
            initial={
                "mediators": [user.pk],
                "held_at": timezone.localtime().replace(second=0, microsecond=0),
            },
        )
        if in_hand
        else None,
        "agreement_form": AgreementForm(
            prefix="agreement", initial={"signed_on": timezone.localdate()}
        )
        if in_hand
        else None,
        "instalments": InstalmentFormSet(prefix="instalments") if in_hand else None,
    }
    forms.update(bound)
    agreement = getattr(referral, "agreement", None)
    here = reverse("referral_detail", args=[referral.pk])
    return {
        "referral": referral,
        "dispute": referral.dispute,
        "parties": referral.dispute.parties.all(),
        "sessions": referral.sessions.prefetch_related("mediators").select_related("recorded_by"),
        "agreement": agreement,
        "schedule": schedule_rows(user, agreement, next_url=here) if agreement else [],
        "is_member": member,
        **forms,
    }


@login_required
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral(request, referral_id)
    return render(request, "mediation/referral.html", _referral_context(request, referral))


def _refused(request: HttpRequest, referral: Referral, exc: TransitionRefused) -> HttpResponse:
    messages.error(request, str(exc))
    return redirect("referral_detail", referral_id=referral.pk)


def _invalid(request: HttpRequest, referral: Referral, open_form: str, **bound) -> HttpResponse:
    context = _referral_context(request, referral, **bound)
    context["open_form"] = open_form
    return render(request, "mediation/referral.html", context, status=422)


@login_required
@require_POST
def referral_accept(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral(request, referral_id)
    try:
        services.referral_accept(actor=request.user, referral=referral)
    except TransitionRefused as exc:
        return _refused(request, referral, exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Referral accepted."))
    return redirect("referral_detail", referral_id=referral.pk)


@login_required
@require_POST
def referral_return(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral(request, referral_id)
    form = ReturnForm(request.POST, prefix="return")
    if form.is_valid():
        try:
            services.referral_return(
                actor=request.user, referral=referral, reason=form.cleaned_data["reason"]
            )
        except TransitionRefused as exc:
            return _refused(request, referral, exc)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Referral returned to the case owner."))
            return redirect("referral_detail", referral_id=referral.pk)
    return _invalid(request, referral, "return", return_form=form)


@login_required
@require_POST
def session_record(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral(request, referral_id)
    form = SessionForm(request.POST, prefix="session", members=_members(referral))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.session_record(
                actor=request.user,
                referral=referral,
                held_at=data["held_at"],
                place=data["place"],
                mediators=list(data["mediators"]),
                attendees=data["attendees"],
                summary=data["summary"],
                result=data["result"],
            )
        except TransitionRefused as exc:
            return _refused(request, referral, exc)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Session recorded."))
            return redirect("referral_detail", referral_id=referral.pk)
    return _invalid(request, referral, "session", session_form=form)


def _instalment_rows(formset) -> list:
    """The rows of the schedule that were filled in (blank rows are ignored)."""
    return [
        row
        for row in formset.forms
        if row.cleaned_data.get("due_on") or row.cleaned_data.get("description")
    ]


@login_required
@require_POST
def agreement_record(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral(request, referral_id)
    form = AgreementForm(request.POST, request.FILES, prefix="agreement")
    formset = InstalmentFormSet(request.POST, prefix="instalments")
    if form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        rows = _instalment_rows(formset)
        try:
            agreement = services.agreement_record(
                actor=request.user,
                referral=referral,
                form=data["form"],
                facts=data["facts"],
                terms=data["terms"],
                signed_on=data["signed_on"],
                amount=data["amount"],
                instalments=[
                    services.InstalmentInput(
                        due_on=row.cleaned_data["due_on"],
                        description=row.cleaned_data["description"],
                        amount=row.cleaned_data.get("amount"),
                    )
                    for row in rows
                ],
                court=data["court"],
                confirmation_number=data["confirmation_number"],
                confirmed_on=data["confirmed_on"],
                scan=data.get("scan") or None,
            )
        except TransitionRefused as exc:
            return _refused(request, referral, exc)
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                if key.startswith("instalments["):
                    index = int(key[len("instalments[") : key.index("]")])
                    field = key.rsplit(".", 1)[1]
                    if index < len(rows):
                        rows[index].add_error(
                            field if field in rows[index].fields else None, errors
                        )
                        continue
                form.add_error(key if key in form.fields else None, errors)
        else:
            messages.success(
                request, _("Agreement %(number)s recorded.") % {"number": agreement.number}
            )
            return redirect("referral_detail", referral_id=referral.pk)
    return _invalid(request, referral, "agreement", agreement_form=form, instalments=formset)


# --- performance -------------------------------------------------------------------------------


@login_required
def instalment_perform(request: HttpRequest, agreement_id: int, instalment_id: int) -> HttpResponse:
    """Record one instalment as performed. Posted from the referral page or the case page; a refusal
    of the data shows this small page with the errors beside the fields."""
    agreement = _agreement(request, agreement_id)
    try:
        instalment = agreement.instalments.get(pk=instalment_id)
    except Instalment.DoesNotExist as exc:
        raise Http404 from exc
    back = _safe_next(request, reverse("dispute_detail", args=[agreement.dispute.case_number]))
    form = PerformForm(
        request.POST or None,
        auto_id=f"perform-{instalment.pk}-%s",
        initial={"performed_on": timezone.localdate(), "amount": instalment.amount},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.instalment_perform(
                actor=request.user,
                instalment=instalment,
                performed_on=data["performed_on"],
                amount=data["amount"],
                note=data["note"],
            )
        except TransitionRefused as exc:
            messages.error(request, str(exc))
            return redirect(back)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Agreement %(number)s: instalment %(n)s recorded as performed.")
                % {"number": agreement.number, "n": instalment.sequence},
            )
            return redirect(back)
    return render(
        request,
        "mediation/perform.html",
        {"agreement": agreement, "instalment": instalment, "form": form, "next": back},
        status=422 if form.is_bound else 200,
    )


# --- the printable agreement -------------------------------------------------------------------


def _party_rows(agreement: Agreement) -> list[dict]:
    return [
        {"party": party, "age": printing.age_on(party.birth_date, agreement.signed_on)}
        for party in agreement.dispute.parties.all()
    ]


@login_required
def agreement_print(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """The agreement in the standard layout of a 调解协议书, on A4, always in Chinese: it is the legal
    document the parties sign. It shows the parties' personal data, so each view is audited."""
    agreement = _agreement(request, agreement_id)
    kind = agreement.referral.kind
    parties = _party_rows(agreement)
    copies = len(parties) + 1
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="mediation.agreement_print",
            target=agreement,
            unit=agreement.dispute.grid,
            data={"number": agreement.number, "parties": [row["party"].pk for row in parties]},
        )
    response = render(
        request,
        "mediation/agreement_print.html",
        {
            "agreement": agreement,
            "dispute": agreement.dispute,
            "body": agreement.referral.body,
            "title": printing.TITLES.get(kind, printing.TITLES["peoples"]),
            "issuer": printing.ISSUERS.get(kind, printing.ISSUERS["peoples"]),
            "is_peoples": kind == "peoples",
            "parties": parties,
            "copies": printing.chinese_number(copies),
            "both_sides": "双方" if len(parties) == 2 else "各方",
            "clauses": [
                (printing.chinese_number(n), clause)
                for n, clause in enumerate(printing.term_clauses(agreement.terms), start=1)
            ],
            "amount_capitals": printing.rmb_capitals(agreement.amount)
            if agreement.amount is not None
            else "",
            "instalments": agreement.instalments.all(),
        },
    )
    response["Content-Language"] = "zh-hans"
    response["Cache-Control"] = "private, no-store"
    return response
