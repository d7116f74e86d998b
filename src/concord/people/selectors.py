"""Reads about people, scoped: a person is visible through the records in the actor's territory."""

from django.db.models import QuerySet

from concord.accounts.scope import in_scope
from concord.disputes.models import Party
from concord.people.models import Person, PersonMerge, ReviewPair


def party_records_visible(*, actor) -> QuerySet[Party]:
    return in_scope(Party.objects.all(), actor, via="dispute__grid")


def person_get(*, actor, person_id: int) -> Person:
    """A person with at least one record the actor may see (Person.DoesNotExist otherwise)."""
    visible = party_records_visible(actor=actor).filter(person_id=person_id)
    if not visible.exists():
        raise Person.DoesNotExist
    return Person.objects.get(pk=person_id)


def person_records(*, actor, person: Person) -> QuerySet[Party]:
    """The person's party records in the actor's scope, in time order, with their disputes."""
    return (
        party_records_visible(actor=actor)
        .filter(person=person)
        .select_related("dispute", "dispute__grid", "dispute__category")
        .order_by("dispute__found_at", "id")
    )


def person_merges(*, actor, person: Person) -> QuerySet[PersonMerge]:
    person_get(actor=actor, person_id=person.pk)
    return PersonMerge.objects.filter(kept=person).select_related(
        "absorbed", "merged_by", "split_by"
    )


def review_pairs_open(*, actor) -> QuerySet[ReviewPair]:
    """Open pairs where both persons have a record in the actor's scope."""
    visible = party_records_visible(actor=actor).values("person_id")
    return (
        ReviewPair.objects.filter(state=ReviewPair.State.OPEN, left__in=visible, right__in=visible)
        .select_related("left", "right")
        .order_by("-probability", "id")
    )
