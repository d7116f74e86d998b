"""Writes about people: online linkage of each new party, merges, splits and review decisions."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Max, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.accounts.models import Role
from concord.audit.services import audit_record
from concord.people.models import Person, PersonKey, PersonMerge, ReviewPair

REVIEWER_ROLES = frozenset({Role.ANALYST, Role.ADMIN})
RECORDS_PER_CANDIDATE = 5  # a person's most recent records scored against a newcomer
MAX_CANDIDATES = 40
# How much sharing each kind of blocking key says, to rank candidates (see `_candidates`).
KEY_STRENGTH = {
    PersonKey.Kind.ID_NUMBER: 8,
    PersonKey.Kind.PHONE: 4,
    PersonKey.Kind.NAME_BIRTH: 2,
    PersonKey.Kind.NAME_VILLAGE: 1,
}


def _thresholds() -> tuple[float, float]:
    return (
        float(getattr(settings, "CONCORD_LINK_LOWER", 0.5)),
        float(getattr(settings, "CONCORD_LINK_UPPER", 0.95)),
    )


_gazetteer_cache: dict[str, Any] = {}


def gazetteer():
    """The territory's gazetteer, rebuilt only when units change."""
    from concord.people.normalise import gazetteer_from_db
    from concord.territory.models import Unit

    stamp = str(Unit.objects.aggregate(m=Max("updated_at"))["m"])
    if _gazetteer_cache.get("stamp") != stamp:
        _gazetteer_cache.update(stamp=stamp, gazetteer=gazetteer_from_db())
    return _gazetteer_cache["gazetteer"]


def party_record(party) -> dict[str, Any]:
    return {
        "name": party.name,
        "id_number": party.id_number,
        "phone": party.phone,
        "address": party.address,
        "birth_date": party.birth_date.isoformat() if party.birth_date else "",
    }


def _keys(features: dict[str, Any]) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    if features.get("id_valid") and features.get("id_number"):
        keys.add((PersonKey.Kind.ID_NUMBER, features["id_number"]))
    for phone in features.get("phones") or ():
        keys.add((PersonKey.Kind.PHONE, phone))
    pinyin = features.get("pinyin")
    if pinyin and features.get("village"):
        keys.add((PersonKey.Kind.NAME_VILLAGE, f"{pinyin}|{features['village']}"))
    if pinyin and features.get("dob"):
        keys.add((PersonKey.Kind.NAME_BIRTH, f"{pinyin}|{features['dob']}"))
    return keys


@dataclass
class LinkOutcome:
    person: Person
    probability: float  # of the best candidate; 0 when there was none
    linked: bool  # joined an existing person
    review: ReviewPair | None


def _candidates(keys: set[tuple[str, str]]) -> list[int]:
    """The active persons sharing a blocking key with the newcomer, at most MAX_CANDIDATES, ranked
    by what they share (an ID number outweighs a phone, a phone a name with the birth date, and that
    a name in the same village), then the oldest first.

    A common name in a big village shares its name key with dozens of people: the cap then drops
    those who share nothing else, never one who shares an ID number or a phone (before, it kept an
    arbitrary 40). The first candidate wins a tie in the scores, so between equals the person who
    shares more keys wins, then, as before, the one made first. Kinds and values are matched as two
    lists, as before: the kinds' values never look alike, and the query is cheaper to build."""
    if not keys:
        return []
    strength = Sum(
        Case(
            *(When(kind=kind, then=Value(weight)) for kind, weight in KEY_STRENGTH.items()),
            default=Value(0),
        )
    )
    return list(
        PersonKey.objects.filter(
            person__is_active=True,
            kind__in={k for k, _ in keys},
            value__in={v[:80] for _, v in keys},
        )
        .values("person_id")
        .annotate(strength=strength)
        .order_by("-strength", "person_id")
        .values_list("person_id", flat=True)[:MAX_CANDIDATES]
    )


def _recent_records(person_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each person's RECORDS_PER_CANDIDATE most recent party records, newest first, for all the
    candidates in one query (it was one query per candidate). The few records a person has are
    all read and cut in Python: cheaper to build than a window per person."""
    from concord.disputes.models import Party

    rows = (
        Party.objects.filter(person_id__in=person_ids)
        .order_by("person_id", "-id")
        .values_list("person_id", "name", "id_number", "phone", "address", "birth_date")
    )
    records: dict[int, list[dict[str, Any]]] = {}
    for person_id, name, id_number, phone, address, birth_date in rows:
        recent = records.setdefault(person_id, [])
        if len(recent) < RECORDS_PER_CANDIDATE:
            recent.append(
                {
                    "name": name,
                    "id_number": id_number,
                    "phone": phone,
                    "address": address,
                    "birth_date": birth_date.isoformat() if birth_date else "",
                }
            )
    return records


def _best_score(features: dict[str, Any], records: list[dict[str, Any]], gaz):
    """The newcomer's best score against any of a candidate's records."""
    from concord.people.linkage.features import record_features
    from concord.people.linkage.scorer import default_scorer

    scorer, best = default_scorer(), None
    for other in records:
        scored = scorer.score(features, record_features(other, gaz))
        if best is None or scored.probability > best.probability:
            best = scored
    return best


def _add_keys(person: Person, keys: set[tuple[str, str]]) -> None:
    PersonKey.objects.bulk_create(
        [PersonKey(person=person, kind=k, value=v[:80]) for k, v in keys], ignore_conflicts=True
    )


@transaction.atomic
def party_link(*, party, actor=None) -> LinkOutcome:
    """Link a saved party to a person: the existing one above the upper threshold, a new one below,
    and between the thresholds a new one plus a pair for an analyst to review."""
    from concord.people.linkage.features import record_features

    gaz = gazetteer()
    record = party_record(party)
    features = record_features(record, gaz)
    keys = _keys(features)
    lower, upper = _thresholds()
    candidate_ids = _candidates(keys)
    records = _recent_records(candidate_ids) if candidate_ids else {}
    best_id, best = None, None
    for person_id in candidate_ids:
        scored = _best_score(features, records.get(person_id, []), gaz)
        if scored and (best is None or scored.probability > best.probability):
            best_id, best = person_id, scored
    best_person = Person.objects.get(pk=best_id) if best_id is not None else None
    probability = best.probability if best else 0.0
    review = None
    if best_person is not None and probability >= upper and not best.never_same_person:
        person, linked = best_person, True
    else:
        person = Person.objects.create(
            name=features.get("name") or party.name,
            id_number=features["id_number"] if features.get("id_valid") else "",
            birth_date=party.birth_date,
            sex=party.sex,
        )
        linked = False
        if best_person is not None and probability >= lower and not best.never_same_person:
            review = ReviewPair.objects.create(
                left=best_person, right=person, probability=probability, evidence=_evidence(best)
            )
    _add_keys(person, keys)
    party.person = person
    party.save(update_fields=["person"])
    audit_record(
        actor=actor,
        action="people.link",
        target=person,
        unit=party.dispute.grid,
        data={
            "party": party.pk,
            "linked": linked,
            "probability": round(probability, 4),
            "review": review.pk if review else None,
        },
    )
    return LinkOutcome(person=person, probability=probability, linked=linked, review=review)


def _evidence(score) -> dict[str, Any]:
    return {
        "levels": score.levels,
        "weights": {k: round(v, 2) for k, v in score.weights.items()},
        "match_weight": round(score.match_weight, 2),
    }


def _require_reviewer(actor) -> None:
    if actor.role not in REVIEWER_ROLES:
        raise PermissionDenied(_("Only analysts and administrators review linkage."))


@transaction.atomic
def person_merge(*, actor, kept: Person, absorbed: Person, reason: str = "") -> PersonMerge:
    """Move every record of `absorbed` to `kept`. Nothing is lost: the merge row remembers what
    moved, and `person_split` puts it back."""
    from concord.disputes.models import Party
    from concord.people.linkage.features import never_same_person, record_features

    _require_reviewer(actor)
    kept = Person.objects.select_for_update().get(pk=kept.pk)
    absorbed = Person.objects.select_for_update().get(pk=absorbed.pk)
    if kept.pk == absorbed.pk or not (kept.is_active and absorbed.is_active):
        raise ValidationError({"person": _("Only two different active persons can be merged.")})
    gaz = gazetteer()
    left = [record_features(party_record(p), gaz) for p in kept.party_records.all()]
    right = [record_features(party_record(p), gaz) for p in absorbed.party_records.all()]
    if any(never_same_person(a, b) for a in left for b in right):
        raise ValidationError(
            {
                "person": _(
                    "These records carry different valid ID numbers (or birth dates or sexes from valid IDs): "
                    "they are two people and cannot be merged."
                )
            }
        )
    party_ids = list(absorbed.party_records.values_list("pk", flat=True))
    moved_keys = []
    for key in absorbed.keys.all():
        if not PersonKey.objects.filter(person=kept, kind=key.kind, value=key.value).exists():
            moved_keys.append(key.pk)
    Party.objects.filter(pk__in=party_ids).update(person=kept)
    PersonKey.objects.filter(pk__in=moved_keys).update(person=kept)
    absorbed.is_active, absorbed.merged_into = False, kept
    absorbed.save(update_fields=["is_active", "merged_into"])
    merge = PersonMerge.objects.create(
        kept=kept,
        absorbed=absorbed,
        party_ids=party_ids,
        key_ids=moved_keys,
        reason=reason[:200],
        merged_by=actor,
        merged_at=timezone.now(),
    )
    ReviewPair.objects.filter(
        state=ReviewPair.State.OPEN, left__in=[kept, absorbed], right__in=[kept, absorbed]
    ).update(state=ReviewPair.State.MERGED, decided_by=actor, decided_at=timezone.now())
    audit_record(
        actor=actor,
        action="people.merge",
        target=kept,
        data={"kept": kept.pk, "absorbed": absorbed.pk, "parties": party_ids, "reason": reason},
    )
    return merge


@transaction.atomic
def person_split(*, actor, merge: PersonMerge) -> Person:
    """Undo a merge: the absorbed person comes back with exactly the records it brought."""
    from concord.disputes.models import Party

    _require_reviewer(actor)
    merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.split_at is not None:
        raise ValidationError({"merge": _("This merge was already split.")})
    absorbed = merge.absorbed
    Party.objects.filter(pk__in=merge.party_ids, person=merge.kept).update(person=absorbed)
    PersonKey.objects.filter(pk__in=merge.key_ids, person=merge.kept).update(person=absorbed)
    absorbed.is_active, absorbed.merged_into = True, None
    absorbed.save(update_fields=["is_active", "merged_into"])
    merge.split_by, merge.split_at = actor, timezone.now()
    merge.save(update_fields=["split_by", "split_at"])
    audit_record(
        actor=actor,
        action="people.split",
        target=absorbed,
        data={"kept": merge.kept_id, "absorbed": absorbed.pk, "parties": merge.party_ids},
    )
    return absorbed


@transaction.atomic
def review_decide(*, actor, pair: ReviewPair, same_person: bool, reason: str = "") -> ReviewPair:
    _require_reviewer(actor)
    pair = ReviewPair.objects.select_for_update().get(pk=pair.pk)
    if pair.state != ReviewPair.State.OPEN:
        raise ValidationError({"pair": _("This pair was already decided.")})
    if same_person:
        person_merge(actor=actor, kept=pair.left, absorbed=pair.right, reason=reason)
        pair.refresh_from_db()
        return pair
    pair.state, pair.decided_by, pair.decided_at = ReviewPair.State.DISTINCT, actor, timezone.now()
    pair.save(update_fields=["state", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="people.distinct",
        target=pair.left,
        data={"left": pair.left_id, "right": pair.right_id, "reason": reason},
    )
    return pair
