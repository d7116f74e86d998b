"""Writes about people: online linkage of each new party, merges, splits and review decisions."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.accounts.models import Role
from concord.audit.services import audit_record
from concord.people.models import Person, PersonKey, PersonMerge, ReviewPair

REVIEWER_ROLES = frozenset({Role.ANALYST, Role.ADMIN})
RECORDS_PER_CANDIDATE = 5  # a person's most recent records scored against a newcomer
MAX_CANDIDATES = 40


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


def _score_against(record: dict[str, Any], person: Person, gaz):
    from concord.people.linkage.scorer import score_pair

    records = list(person.party_records.order_by("-id")[:RECORDS_PER_CANDIDATE])
    best = None
    for other in records:
        scored = score_pair(record, party_record(other), gazetteer=gaz)
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
    candidate_ids = list(
        PersonKey.objects.filter(
            person__is_active=True,
            kind__in={k for k, _ in keys},
            value__in={v for _, v in keys},
        )
        .values_list("person_id", flat=True)
        .distinct()[:MAX_CANDIDATES]
    )
    best_person, best = None, None
    for person in Person.objects.filter(pk__in=candidate_ids):
        scored = _score_against(record, person, gaz)
        if scored and (best is None or scored.probability > best.probability):
            best_person, best = person, scored
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
