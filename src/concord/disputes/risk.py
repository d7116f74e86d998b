"""Feeding the pure risk engine from a case on record: its text, its people and its history."""

import datetime as dt

from django.db.models import Q

from concord.disputes.models import Dispute, Party
from concord.risk import engine, loader
from concord.risk.model import Inputs, Result
from concord.risk.signals import text_signals


def reports_in_12_months(dispute: Dispute) -> int:
    """Dispute reports about the same person (linked person, ID number or phone) or the same address
    within the twelve months before this one was found, this one included."""
    parties = list(dispute.parties.all()) if dispute.pk else []
    same = Q(pk__in=[])
    for party in parties:
        if party.person_id:
            same |= Q(person_id=party.person_id)
        if party.id_number:
            same |= Q(id_number=party.id_number)
        if party.phone:
            same |= Q(phone=party.phone)
        if party.address:
            same |= Q(address=party.address)
    if not same.children:
        return 1
    since = dispute.found_at - dt.timedelta(days=365)
    earlier = (
        Party.objects.filter(same)
        .exclude(dispute=dispute)
        .filter(dispute__found_at__gte=since, dispute__found_at__lte=dispute.found_at)
        .values("dispute")
        .distinct()
        .count()
    )
    return 1 + earlier


def case_text(dispute: Dispute) -> str:
    return f"{dispute.title}。{dispute.description}"


def grade(dispute: Dispute, answers: dict[str, bool] | None = None, extra_text: str = "") -> Result:
    signals = text_signals(f"{case_text(dispute)}。{extra_text}")
    people = max(dispute.people_involved or 0, signals.people or 0)
    return engine.assess(
        Inputs(
            category=dispute.category.code,
            answers=answers or {},
            flags=signals.flags,
            people_involved=people,
            reports_12m=reports_in_12_months(dispute),
        ),
        loader.current_instrument(),
        loader.current_ruleset(),
    )
