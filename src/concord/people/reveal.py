"""Revealing a party's masked personal data (DESIGN §7): by role, for a stated reason, always audited.

Everywhere Concord shows a party, the ID number, phone and address are masked (people.masking).
A user whose work needs one of them reveals that one field of that one party, giving a reason; the
reveal writes the audit row "people.reveal" (party, field, case number, reason) in the same
transaction that hands the value out. Exports follow the same rules: `UNMASKED_EXPORT_ROLES` is
what reporting.ledger_export checks for an unmasked export, and it may only name roles that may
reveal every personal field the export writes (tests/people/test_reveal.py checks it).

Who may reveal what (`REVEAL_ROLES`), and why:

- Police roles (community officer, station staff, station chief, bureau commander) reveal all
  three fields: they verify identity, call and visit parties, and answer for the case.
- Grid workers and village auxiliaries reveal the phone and the address, not the ID number: they
  call and visit the parties (first contact, follow-up visits), which needs the number and the house,
  but nothing in their work needs a citizen's ID number.
- Analysts and administrators reveal the ID number and the phone: they already export both
  unmasked (county-wide data work, linkage review); the address is not in any export and their work
  does not need it. (Dropping administrators from both is a one-line change here.)
- Mediators reveal nothing yet. Their scope is a whole township (or the county), wider than the
  cases referred to their body, so a role check like the others' would open every party in the
  township to them; a mediator's reveal needs a check on the referral first.

Every reveal is also scoped: the party's case must lie in the actor's area (`can_see_unit`).

Health and mental-disorder notes: no model holds them as such. A party has no health field; the
risk flag "vulnerable" is a code with no free text. What comes nearest is the risk questionnaire's
"mental_disorder" answer and the free-text reasons of an assessment (shown in the case page's
assessment block). `HEALTH_ROLES` / `may_see_health_notes` are the rule for them: officer roles
only; the case page hides the reasons in `HEALTH_REASON_CODES` from everyone else.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from concord.accounts.models import Role
from concord.accounts.scope import can_see_unit
from concord.audit.services import audit_record
from concord.disputes.models import Party
from concord.people.masking import mask_address, mask_id_number, mask_phone

ACTION = "people.reveal"

ID_NUMBER, PHONE, ADDRESS = "id_number", "phone", "address"
FIELDS = (PHONE, ID_NUMBER, ADDRESS)
MASKS = {ID_NUMBER: mask_id_number, PHONE: mask_phone, ADDRESS: mask_address}

POLICE_ROLES = frozenset(
    {Role.COMMUNITY_OFFICER, Role.STATION_STAFF, Role.STATION_CHIEF, Role.BUREAU_COMMANDER}
)
VISITING_ROLES = frozenset({Role.GRID_WORKER, Role.AUXILIARY})
DATA_ROLES = frozenset({Role.ANALYST, Role.ADMIN})

REVEAL_ROLES: dict[str, frozenset[str]] = {
    ID_NUMBER: POLICE_ROLES | DATA_ROLES,
    PHONE: POLICE_ROLES | VISITING_ROLES | DATA_ROLES,
    ADDRESS: POLICE_ROLES | VISITING_ROLES,
}

# The personal fields the ledger export writes, and who may write them unmasked (with a reason).
EXPORTED_FIELDS = (ID_NUMBER, PHONE)
UNMASKED_EXPORT_ROLES = frozenset({Role.ANALYST, Role.ADMIN, Role.BUREAU_COMMANDER})

# Health and mental-disorder notes: officer roles only.
HEALTH_ROLES = POLICE_ROLES
# Checklist items whose reasons are health notes (a mental disorder, drug or alcohol dependence).
HEALTH_REASON_CODES = frozenset({"mental_disorder", "substance"})

# Two characters carry a reason in Chinese ("回访", "核实"); one, or only punctuation, does not.
REASON_MIN = 2
REASON_MAX = 200


def may_reveal(actor, field: str) -> bool:
    """Whether the actor's role may reveal `field` at all (the party's scope is checked apart)."""
    return getattr(actor, "role", None) in REVEAL_ROLES.get(field, ())


def revealable_fields(actor) -> frozenset[str]:
    return frozenset(f for f in FIELDS if may_reveal(actor, f))


def may_see_health_notes(actor) -> bool:
    return getattr(actor, "role", None) in HEALTH_ROLES


def reason_problem(reason: str | None) -> str | None:
    """Why `reason` is no reason (a translated message), or None when it will do."""
    text = " ".join((reason or "").split())
    if not text:
        return _("Give the reason for revealing this.")
    if len(text) < REASON_MIN or not any(ch.isalpha() for ch in text):
        return _("The reason must say why, in at least %(n)d characters.") % {"n": REASON_MIN}
    if len(text) > REASON_MAX:
        return _("The reason may be at most %(n)d characters.") % {"n": REASON_MAX}
    return None


def party_get(*, actor, party_id: int) -> Party:
    """A party whose case lies in the actor's area (Party.DoesNotExist otherwise)."""
    party = Party.objects.select_related("dispute__grid").get(pk=party_id)
    if not can_see_unit(actor, party.dispute.grid):
        raise Party.DoesNotExist(_("No such party in your area."))
    return party


def party_field_reveal(*, actor, party: Party, field: str, reason: str) -> str:
    """The clear value of one personal field of one party, for a reason; audited.

    Raises Party.DoesNotExist when the party's case is outside the actor's area (say 404: whether it
    exists is not the actor's to know), PermissionDenied when the role may not reveal the field,
    ValidationError naming "reason" when no usable reason is given (nothing is audited then) and
    naming "field" for a field that is not personal data.
    """
    if field not in FIELDS:
        raise ValidationError({"field": _("This field cannot be revealed.")})
    if not can_see_unit(actor, party.dispute.grid):
        raise Party.DoesNotExist(_("No such party in your area."))
    if not may_reveal(actor, field):
        raise PermissionDenied(_("Your role may not reveal this."))
    problem = reason_problem(reason)
    if problem:
        raise ValidationError({"reason": problem})
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=ACTION,
            target=party,
            unit=party.dispute.grid,
            data={
                "party": party.pk,
                "field": field,
                "case_number": party.dispute.case_number,
                "reason": " ".join(reason.split()),
            },
        )
    return getattr(party, field) or ""
