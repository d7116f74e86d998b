"""The person page, the linkage review queue and its decisions, and the reveal of a party's masked
field. Every look at a person and every reveal is audited."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from concord.audit.services import audit_record
from concord.disputes.models import Party
from concord.people import reveal, selectors, services
from concord.people.evidence import evidence_rows
from concord.people.models import Person, PersonMerge, ReviewPair
from concord.people.templatetags.people_reveal import field_context


def _person(request: HttpRequest, person_id: int) -> Person:
    try:
        return selectors.person_get(actor=request.user, person_id=person_id)
    except Person.DoesNotExist as exc:
        raise Http404(_("No such person in your area.")) from exc


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person(request, person_id)
    records = list(selectors.person_records(actor=request.user, person=person))
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="people.view",
            target=person,
            data={"records": [r.pk for r in records]},
        )
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "records": records,
            "merges": selectors.person_merges(actor=request.user, person=person),
            "can_review": request.user.role in services.REVIEWER_ROLES,
        },
    )


def _reviewer(request: HttpRequest) -> None:
    if request.user.role not in services.REVIEWER_ROLES:
        raise Http404(_("Only analysts and administrators review linkage."))


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    _reviewer(request)
    return render(
        request,
        "people/review_queue.html",
        {"pairs": selectors.review_pairs_open(actor=request.user)[:100]},
    )


def _side(request: HttpRequest, person: Person) -> dict:
    return {
        "person": person,
        "records": list(selectors.person_records(actor=request.user, person=person)),
    }


@login_required
def review_pair(request: HttpRequest, pair_id: int) -> HttpResponse:
    _reviewer(request)
    try:
        pair = selectors.review_pairs_open(actor=request.user).get(pk=pair_id)
    except ReviewPair.DoesNotExist as exc:
        raise Http404 from exc
    if request.method == "POST":
        same = request.POST.get("decision") == "same"
        try:
            services.review_decide(
                actor=request.user,
                pair=pair,
                same_person=same,
                reason=request.POST.get("reason", ""),
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Merged.") if same else _("Marked as different people."))
            return redirect("review_queue")
    left, right = _side(request, pair.left), _side(request, pair.right)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="people.review_view",
            target=pair.left,
            data={"pair": pair.pk, "left": pair.left_id, "right": pair.right_id},
        )
    return render(
        request,
        "people/review_pair.html",
        {"pair": pair, "sides": [left, right], "evidence": evidence_rows(pair.evidence)},
    )


@login_required
@require_POST
def person_split(request: HttpRequest, merge_id: int) -> HttpResponse:
    _reviewer(request)
    try:
        merge = PersonMerge.objects.get(pk=merge_id)
        selectors.person_get(actor=request.user, person_id=merge.kept_id)
    except (PersonMerge.DoesNotExist, Person.DoesNotExist) as exc:
        raise Http404 from exc
    try:
        services.person_split(actor=request.user, merge=merge)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Split: the records are back with their own person."))
    return redirect("person_detail", person_id=merge.kept_id)


@login_required
@require_POST
@never_cache
def party_reveal(request: HttpRequest, party_id: int, field: str) -> HttpResponse:
    """POST a reason, get the field's clear value (an htmx partial, or a small page without htmx).

    422 re-renders the reason form with the error; 403 for a role that may not reveal the field;
    404 for a party outside the user's area or a field that is not personal data.
    """
    if field not in reveal.FIELDS:
        raise Http404
    try:
        party = reveal.party_get(actor=request.user, party_id=party_id)
    except Party.DoesNotExist as exc:
        raise Http404(_("No such party in your area.")) from exc
    reason = request.POST.get("reason", "")
    status = 200
    try:
        value = reveal.party_field_reveal(
            actor=request.user, party=party, field=field, reason=reason
        )
    except ValidationError as exc:
        errors = exc.message_dict
        context = field_context(
            party=party,
            field=field,
            user=request.user,
            error=" ".join(errors.get("reason") or errors.get("field") or exc.messages),
            reason=reason,
        )
        status = 422
    else:
        context = field_context(party=party, field=field, user=request.user, value=value)
        if not value:
            context.update(masked="—", can_reveal=False)
    if request.headers.get("HX-Request") == "true":
        return render(request, "people/_reveal.html", context, status=status)
    context["field_label"] = Party._meta.get_field(field).verbose_name
    return render(request, "people/reveal.html", context, status=status)
