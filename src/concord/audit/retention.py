"""Retention: the parties of disputes closed long ago are pseudonymised.

A case closed more than `days` days ago (settings.CONCORD_RETENTION_DAYS) keeps its facts for the
statistics but no longer says who was involved:

- each party's name is cut to the surname and "某" ("张三" → "张某", "欧阳明" → "欧阳某"); the ID
  number, phone and birth date are removed; the address is cut to the village when the territory
  recognises one, else removed; sex and role stay (the statistics use them);
- the leads attached to the case lose their reporter's name (to the surname), phone and address the
  same way;
- the case's free texts (title, description, outcome, timeline notes, referrals, sessions,
  agreements, follow-up visits, the leads' texts) have the parties' full names replaced by their
  pseudonyms, and every ID number and mobile number in them removed. Other wording stays as
  written: a text may still describe the matter, which is what the statistics need;
- the people (people.Person) behind those parties lose the blocking keys that only pseudonymised
  records supported, and a person left with no identifiable record is itself reduced to the
  surname, without ID number or birth date, so linkage can never re-attach a new record to it.

Not touched, and reported instead: attachments (scans and photos are files; `attachments` in the
plan counts them for a manual review) and the audit log (append-only by design; its rows hold
record ids, not personal data, apart from what the other services chose to write there).

`retention_plan` only reads; `retention_apply` does the same work in one transaction, writes one
audit row per case ("retention.pseudonymise") and a summary row ("retention.run"), and skips
parties already pseudonymised, so running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef

from concord.audit.services import audit_record
from concord.people.normalise import is_placeholder_name, normalise_name, parse_address, surname

PLACEHOLDER = "某"
REMOVED = "[已删除]"
DEFAULT_DAYS = 1095

# An 18- or 15-digit ID number, or a mainland mobile number, inside free text.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}(?!\d)")


def retention_days() -> int:
    return int(getattr(settings, "CONCORD_RETENTION_DAYS", DEFAULT_DAYS))


def pseudonym(name: str | None) -> str:
    """ "张三" → "张某", "欧阳明" → "欧阳某", "张某" → "张某"; a name without a Chinese surname → "某某"."""
    family = surname(name)
    return f"{family}{PLACEHOLDER}" if family else PLACEHOLDER * 2


def village_only(address: str | None, gazetteer=None) -> str:
    """The village an address names, when the territory recognises it; "" otherwise."""
    if not address:
        return ""
    parsed = parse_address(address, gazetteer)
    if not parsed.village:
        return ""
    from concord.territory.models import Unit

    unit = Unit.objects.filter(code=parsed.village).only("name").first()
    return unit.name if unit else ""


def _scrubber(names: dict[str, str]) -> Callable[[str], str]:
    """Replaces the given full names by their pseudonyms and removes ID and mobile numbers."""
    ordered = sorted((n for n in names if len(n) >= 2), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(n) for n in ordered)) if ordered else None

    def scrub(text: str) -> str:
        if not text:
            return text
        if pattern is not None:
            text = pattern.sub(lambda m: names[m.group(0)], text)
        text = _ID_IN_TEXT.sub(REMOVED, text)
        return _MOBILE_IN_TEXT.sub(REMOVED, text)

    return scrub


def _scrub_json(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrub_json(v, scrub) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_json(v, scrub) for k, v in value.items()}
    return value


# The free texts of a case: (model label, relation from the dispute, text fields, json fields).
def _text_sources(dispute) -> list[tuple[str, Any, tuple[str, ...], tuple[str, ...]]]:
    from concord.disputes.models import Dispute
    from concord.mediation.models import MediationSession

    return [
        (
            "disputes.dispute",
            Dispute.objects.filter(pk=dispute.pk),
            ("title", "description", "outcome_note", "transferred_to"),
            (),
        ),
        ("disputes.disputeevent", dispute.events.all(), ("note",), ("changes",)),
        ("disputes.task", dispute.tasks.all(), ("title", "waive_reason"), ("data",)),
        (
            "mediation.referral",
            dispute.referrals.all(),
            ("note", "return_reason", "conclusion"),
            (),
        ),
        (
            "mediation.mediationsession",
            MediationSession.objects.filter(referral__dispute=dispute),
            ("attendees", "summary"),
            (),
        ),
        ("mediation.agreement", dispute.agreements.all(), ("facts", "terms"), ()),
        ("mediation.followupvisit", dispute.visits.all(), ("met_with", "note"), ()),
        ("intake.lead", dispute.leads.all(), ("text", "dismiss_reason"), ()),
    ]


@dataclass
class CasePlan:
    dispute_id: int
    case_number: str
    closed_at: dt.datetime
    parties: list[dict[str, Any]] = field(default_factory=list)  # party id and fields to change
    leads: list[dict[str, Any]] = field(default_factory=list)
    texts: dict[str, int] = field(default_factory=dict)  # model label → rows whose text changes
    persons: list[int] = field(default_factory=list)
    attachments: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "case_number": self.case_number,
            "closed_at": self.closed_at.isoformat(),
            "parties": self.parties,
            "leads": self.leads,
            "texts": self.texts,
            "persons": self.persons,
            "attachments": self.attachments,
        }


def _due_disputes(*, now: dt.datetime, days: int):
    from concord.disputes.models import Dispute, Party, Status

    cutoff = now - dt.timedelta(days=days)
    pending = Party.objects.filter(dispute=OuterRef("pk"), pseudonymised_at__isnull=True)
    return (
        Dispute.objects.filter(status=Status.CLOSED, closed_at__lt=cutoff)
        .filter(Exists(pending))
        .order_by("closed_at", "pk")
    )


def _party_changes(party, gazetteer) -> dict[str, list[Any]]:
    target = {
        "name": pseudonym(party.name),
        "id_number": "",
        "phone": "",
        "address": village_only(party.address, gazetteer),
        "birth_date": None,
    }
    return {
        name: [getattr(party, name), value]
        for name, value in target.items()
        if getattr(party, name) != value
    }


def _lead_changes(lead, gazetteer) -> dict[str, list[Any]]:
    target = {
        "reporter_name": pseudonym(lead.reporter_name) if lead.reporter_name else "",
        "reporter_phone": "",
        "address": village_only(lead.address, gazetteer),
    }
    return {
        name: [getattr(lead, name), value]
        for name, value in target.items()
        if getattr(lead, name) != value
    }


def _names_of(parties, leads) -> dict[str, str]:
    names: dict[str, str] = {}
    for raw in [p.name for p in parties] + [lead.reporter_name for lead in leads]:
        for variant in {raw or "", normalise_name(raw)}:
            if variant and not is_placeholder_name(variant):
                names[variant] = pseudonym(variant)
    return names


def _case_work(dispute, gazetteer, *, apply: bool, now: dt.datetime) -> CasePlan:
    """What retention changes in one case; with `apply`, it changes it."""
    plan = CasePlan(dispute.pk, dispute.case_number, dispute.closed_at)
    parties = list(dispute.parties.filter(pseudonymised_at__isnull=True).order_by("pk"))
    leads = list(dispute.leads.order_by("pk"))
    scrub = _scrubber(_names_of(parties, leads))
    for party in parties:
        changes = _party_changes(party, gazetteer)
        plan.parties.append({"party": party.pk, "fields": sorted(changes)})
        if party.person_id and party.person_id not in plan.persons:
            plan.persons.append(party.person_id)
        if apply:
            for name, (_old, new) in changes.items():
                setattr(party, name, new)
            party.pseudonymised_at = now
            party.save(update_fields=[*changes, "pseudonymised_at"])
    for lead in leads:
        changes = _lead_changes(lead, gazetteer)
        if changes:
            plan.leads.append({"lead": lead.pk, "fields": sorted(changes)})
            if apply:
                type(lead).objects.filter(pk=lead.pk).update(
                    **{name: new for name, (_old, new) in changes.items()}
                )
    for label, queryset, text_fields, json_fields in _text_sources(dispute):
        changed = 0
        for row in queryset.only("pk", *text_fields, *json_fields):
            update = {}
            for name in text_fields:
                value = getattr(row, name) or ""
                if scrub(value) != value:
                    update[name] = scrub(value)
            for name in json_fields:
                value = getattr(row, name)
                if _scrub_json(value, scrub) != value:
                    update[name] = _scrub_json(value, scrub)
            if update:
                changed += 1
                if apply:
                    # A queryset update: no auto_now stamp, no save() side effects on old rows.
                    type(row).objects.filter(pk=row.pk).update(**update)
        if changed:
            plan.texts[label] = changed
    plan.attachments = dispute.attachments.count()
    return plan


def _person_cleanup(person_ids: list[int], gazetteer) -> dict[str, int]:
    """Rebuild each person's blocking keys from the records still identifiable; a person with none
    left is cut down to the surname, as its records were."""
    from concord.disputes.models import Party
    from concord.people.linkage.features import record_features
    from concord.people.models import Person, PersonKey
    from concord.people.services import _keys, party_record

    keys_removed = persons_reduced = 0
    for person in Person.objects.filter(pk__in=person_ids).order_by("pk"):
        remaining = Party.objects.filter(person=person, pseudonymised_at__isnull=True)
        supported: set[tuple[str, str]] = set()
        for party in remaining:
            supported |= {
                (k, v[:80]) for k, v in _keys(record_features(party_record(party), gazetteer))
            }
        stale = [k.pk for k in person.keys.all() if (k.kind, k.value) not in supported]
        if stale:
            PersonKey.objects.filter(pk__in=stale).delete()
            keys_removed += len(stale)
        if not remaining.exists():
            reduced = {"name": pseudonym(person.name), "id_number": "", "birth_date": None}
            changed = [k for k, v in reduced.items() if getattr(person, k) != v]
            if changed:
                Person.objects.filter(pk=person.pk).update(**reduced)
                persons_reduced += 1
    return {"keys_removed": keys_removed, "persons_reduced": persons_reduced}


def _summary(cases: list[CasePlan], *, now: dt.datetime, days: int, applied: bool) -> dict:
    return {
        "applied": applied,
        "days": days,
        "cutoff": (now - dt.timedelta(days=days)).isoformat(),
        "cases": len(cases),
        "parties": sum(len(c.parties) for c in cases),
        "leads": sum(len(c.leads) for c in cases),
        "persons": len({p for c in cases for p in c.persons}),
        "attachments_to_review": sum(c.attachments for c in cases),
        "by_case": [c.as_dict() for c in cases],
    }


def retention_plan(
    *, now: dt.datetime, days: int | None = None, progress: Callable | None = None
) -> dict[str, Any]:
    """What `retention_apply` would change, as a JSON-ready report. Writes nothing."""
    from concord.people.services import gazetteer as territory_gazetteer

    days = retention_days() if days is None else days
    gazetteer = territory_gazetteer()
    disputes = list(_due_disputes(now=now, days=days))
    cases = []
    for done, dispute in enumerate(disputes, 1):
        cases.append(_case_work(dispute, gazetteer, apply=False, now=now))
        if progress:
            progress(done, len(disputes))
    return _summary(cases, now=now, days=days, applied=False)


def retention_apply(
    *, actor=None, now: dt.datetime, days: int | None = None, progress: Callable | None = None
) -> dict[str, Any]:
    """Pseudonymise every party of the cases closed more than `days` days before `now`, in one
    transaction, audited per case and once for the run. Returns the same report as the plan."""
    from concord.disputes.models import Dispute, DisputeEvent
    from concord.people.services import gazetteer as territory_gazetteer

    days = retention_days() if days is None else days
    gazetteer = territory_gazetteer()
    with transaction.atomic():
        disputes = list(_due_disputes(now=now, days=days).select_for_update(of=("self",)))
        cases = []
        for done, dispute in enumerate(disputes, 1):
            case = _case_work(dispute, gazetteer, apply=True, now=now)
            cases.append(case)
            # The case changed under anyone holding an edit form open: their save must not win.
            Dispute.objects.filter(pk=dispute.pk).update(version=F("version") + 1)
            DisputeEvent.objects.create(
                dispute=dispute,
                at=now,
                actor=actor if getattr(actor, "pk", None) else None,
                action="pseudonymise",
                changes={"parties": [len(case.parties), len(case.parties)]},
                note=f"retention: {days} days",
            )
            audit_record(
                actor=actor,
                action="retention.pseudonymise",
                target=dispute,
                unit=dispute.grid,
                data={"days": days, **case.as_dict()},
            )
            if progress:
                progress(done, len(disputes))
        person_ids = sorted({p for c in cases for p in c.persons})
        people = _person_cleanup(person_ids, gazetteer) if person_ids else {}
        report = _summary(cases, now=now, days=days, applied=True)
        report.update(people)
        audit_record(
            actor=actor,
            action="retention.run",
            data={k: v for k, v in report.items() if k != "by_case"}
            | {"case_numbers": [c.case_number for c in cases]},
        )
    return report
