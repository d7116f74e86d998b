"""Subject access: everything Concord holds about one person, for an authorised officer.

Who may export: a bureau commander or an administrator (their scope is the whole county), and a
station chief for the records in the station's area. Everyone else is refused (PermissionDenied):
an export is a full, unmasked copy of a person's data and goes beyond a case worker's need.

What the export holds, always limited to the actor's territory:

- the person as linkage knows them (normalised name, ID number, birth date, sex, blocking keys)
  and the persons merged into them;
- every party record linked to them, unmasked, with the case it belongs to;
- the leads they reported (linked through `Lead.reporter_person`);
- from the cases of those records: the mediation sessions, agreements and follow-up visits whose
  text names them (by any of the names their records carry), with the text as written;
- the linkage reviews that involved them;
- the audit rows about them (each look at the person, each link, merge and split, and earlier
  subject-access exports), and about their party records' cases' retention.

The export itself is audited ("people.subject_access"), with the ids of the records it contained.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.accounts.models import Role
from concord.accounts.scope import in_scope_any
from concord.audit.models import AuditEntry
from concord.audit.services import audit_record
from concord.people import selectors
from concord.people.models import Person, PersonMerge, ReviewPair
from concord.people.normalise import is_placeholder_name, normalise_name

SUBJECT_ACCESS_ROLES = frozenset({Role.BUREAU_COMMANDER, Role.ADMIN, Role.STATION_CHIEF})
FORMAT_VERSION = 1


def can_export_subject_access(actor) -> bool:
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.role in SUBJECT_ACCESS_ROLES
    )


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _names(person: Person, records) -> set[str]:
    names = {person.name, *(r.name for r in records)}
    return {
        variant
        for name in names
        for variant in {name, normalise_name(name)}
        if variant and len(variant) >= 2 and not is_placeholder_name(variant)
    }


def _names_in(text: str, names: set[str]) -> bool:
    return any(name in (text or "") for name in names)


def subject_access_export(*, actor, person: Person) -> dict[str, Any]:
    """The export as a JSON-ready dict. Raises PermissionDenied for a role that may not export and
    Person.DoesNotExist when the person has no record in the actor's territory."""
    from concord.intake.models import Lead
    from concord.mediation.models import Agreement, FollowUpVisit, MediationSession

    if not can_export_subject_access(actor):
        raise PermissionDenied(
            _("Only bureau commanders, station chiefs and administrators export a person's data.")
        )
    person = selectors.person_get(actor=actor, person_id=person.pk)
    records = list(selectors.person_records(actor=actor, person=person))
    dispute_ids = sorted({r.dispute_id for r in records})
    names = _names(person, records)

    leads = list(
        in_scope_any(Lead.objects.filter(reporter_person=person), actor, vias=("station", "grid"))
        .select_related("dispute")
        .order_by("received_at", "pk")
    )
    sessions = [
        s
        for s in MediationSession.objects.filter(referral__dispute_id__in=dispute_ids)
        .select_related("referral__dispute")
        .order_by("held_at", "pk")
        if _names_in(s.attendees, names) or _names_in(s.summary, names)
    ]
    agreements = [
        a
        for a in Agreement.objects.filter(dispute_id__in=dispute_ids)
        .select_related("dispute")
        .order_by("signed_on", "pk")
        if _names_in(a.facts, names) or _names_in(a.terms, names)
    ]
    visits = [
        v
        for v in FollowUpVisit.objects.filter(dispute_id__in=dispute_ids)
        .select_related("dispute")
        .order_by("visited_at", "pk")
        if _names_in(v.met_with, names) or _names_in(v.note, names)
    ]
    merged = list(
        Person.objects.filter(merged_into=person).order_by("pk").values("pk", "name", "id_number")
    )
    merges = list(
        PersonMerge.objects.filter(Q(kept=person) | Q(absorbed=person)).order_by("merged_at")
    )
    reviews = list(ReviewPair.objects.filter(Q(left=person) | Q(right=person)).order_by("pk"))
    audit_rows = list(
        AuditEntry.objects.filter(
            Q(target_type="people.person", target_id=str(person.pk))
            | Q(target_type="disputes.dispute", target_id__in=[str(d) for d in dispute_ids])
        ).order_by("at", "pk")
    )

    export = {
        "format": "concord.subject_access",
        "version": FORMAT_VERSION,
        "generated_at": timezone.now().isoformat(),
        "generated_by": actor.username,
        "scope": actor.scope_unit.name if actor.scope_unit else "",
        "person": {
            "id": person.pk,
            "name": person.name,
            "id_number": person.id_number,
            "birth_date": _iso(person.birth_date),
            "sex": person.sex,
            "is_active": person.is_active,
            "created_at": _iso(person.created_at),
            "keys": [
                {"kind": k.kind, "value": k.value} for k in person.keys.order_by("kind", "value")
            ],
            "merged_persons": [
                {"id": m["pk"], "name": m["name"], "id_number": m["id_number"]} for m in merged
            ],
        },
        "party_records": [
            {
                "id": r.pk,
                "case_number": r.dispute.case_number,
                "case_title": r.dispute.title,
                "category": r.dispute.category.code,
                "grid": r.dispute.grid.name,
                "status": r.dispute.status,
                "found_at": _iso(r.dispute.found_at),
                "closed_at": _iso(r.dispute.closed_at),
                "role": r.role,
                "name": r.name,
                "id_number": r.id_number,
                "phone": r.phone,
                "address": r.address,
                "sex": r.sex,
                "birth_date": _iso(r.birth_date),
                "pseudonymised_at": _iso(r.pseudonymised_at),
            }
            for r in records
        ],
        "leads": [
            {
                "id": lead.pk,
                "channel": lead.channel,
                "received_at": _iso(lead.received_at),
                "reporter_name": lead.reporter_name,
                "reporter_phone": lead.reporter_phone,
                "address": lead.address,
                "text": lead.text,
                "state": lead.state,
                "case_number": lead.dispute.case_number if lead.dispute else None,
            }
            for lead in leads
        ],
        "mediation_sessions": [
            {
                "id": s.pk,
                "case_number": s.referral.dispute.case_number,
                "held_at": _iso(s.held_at),
                "place": s.place,
                "attendees": s.attendees,
                "summary": s.summary,
                "result": s.result,
            }
            for s in sessions
        ],
        "agreements": [
            {
                "id": a.pk,
                "case_number": a.dispute.case_number,
                "number": a.number,
                "form": a.form,
                "signed_on": _iso(a.signed_on),
                "facts": a.facts,
                "terms": a.terms,
                "amount": str(a.amount) if a.amount is not None else None,
            }
            for a in agreements
        ],
        "follow_up_visits": [
            {
                "id": v.pk,
                "case_number": v.dispute.case_number,
                "visited_at": _iso(v.visited_at),
                "method": v.method,
                "met_with": v.met_with,
                "note": v.note,
            }
            for v in visits
        ],
        "linkage": {
            "merges": [
                {
                    "kept": m.kept_id,
                    "absorbed": m.absorbed_id,
                    "merged_at": _iso(m.merged_at),
                    "split_at": _iso(m.split_at),
                    "reason": m.reason,
                }
                for m in merges
            ],
            "reviews": [
                {
                    "left": p.left_id,
                    "right": p.right_id,
                    "probability": p.probability,
                    "state": p.state,
                    "decided_at": _iso(p.decided_at),
                }
                for p in reviews
            ],
        },
        "audit": [
            {
                "at": _iso(e.at),
                "actor": e.actor_label,
                "action": e.action,
                "record": f"{e.target_type}:{e.target_id}",
            }
            for e in audit_rows
        ],
    }
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="people.subject_access",
            target=person,
            data={
                "party_records": [r.pk for r in records],
                "leads": [lead.pk for lead in leads],
                "agreements": [a.pk for a in agreements],
                "visits": [v.pk for v in visits],
                "sessions": [s.pk for s in sessions],
            },
        )
    return export
