"""Online linkage of parties as they are registered, the review queue, merges and splits."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from concord.audit.models import AuditEntry
from concord.disputes.models import Party
from concord.disputes.services import PartyInput
from concord.people import services
from concord.people.models import Person, PersonMerge, ReviewPair
from tests.factories import UserFactory, register_dispute

pytestmark = pytest.mark.django_db


def _party(county, **fields):
    d = register_dispute(county.east, parties=[PartyInput(**fields)])
    return d.parties.get()


def test_a_homophone_typo_and_a_reformatted_phone_link_to_the_existing_person(county):
    first = _party(county, name="李伟", phone="13812345678", address="东村3组")
    again = _party(county, name="李玮", phone="+86 138-1234-5678", address="东村三组")
    assert again.person == first.person
    assert Person.objects.count() == 1


def test_a_different_person_with_the_same_common_name_and_nothing_else_shared_is_not_linked(county):
    first = _party(county, name="王伟", phone="13812345678")
    other = _party(county, name="王伟", phone="15990001111")
    assert other.person != first.person
    assert Person.objects.count() == 2


def test_two_different_valid_id_numbers_are_never_linked_even_with_shared_phone_and_name(county):
    first = _party(county, name="张强", id_number="411603198001010012", phone="13700001111")
    other = _party(county, name="张强", id_number="411603198203040017", phone="13700001111")
    assert other.person != first.person
    assert not ReviewPair.objects.filter(left=first.person, right=other.person).exists()


def test_the_same_valid_id_number_links_despite_a_different_name_form(county):
    first = _party(county, name="刘 芳", id_number="411603199002020022")
    other = _party(county, name="刘芳", id_number="411603199002020022 ")
    assert other.person == first.person


def test_every_link_is_audited(county):
    party = _party(county, name="赵敏", phone="13911112222")
    entry = AuditEntry.objects.get(action="people.link", data__party=party.pk)
    assert entry.data["linked"] is False


def test_an_uncertain_pair_goes_to_the_review_queue(county, settings):
    settings.CONCORD_LINK_UPPER = (
        0.999999  # make the model's strong-but-not-certain matches uncertain
    )
    first = _party(county, name="陈静", phone="13600001234")
    other = _party(county, name="陈晶", phone="13600001234")
    assert other.person != first.person
    pair = ReviewPair.objects.get(state="open")
    assert {pair.left, pair.right} == {first.person, other.person}
    assert "levels" in pair.evidence and pair.probability >= 0.5


def test_a_merge_then_a_split_restores_the_original_persons_with_both_steps_audited(county):
    analyst = UserFactory(role="analyst", scope_unit=county.bureau)
    a = _party(county, name="孙丽", phone="13511112222")
    b = _party(county, name="孙莉莉", phone="18833334444")
    person_a, person_b = a.person, b.person
    assert person_a != person_b
    before = {
        person_a.pk: set(person_a.party_records.values_list("pk", flat=True)),
        person_b.pk: set(person_b.party_records.values_list("pk", flat=True)),
    }
    merge = services.person_merge(
        actor=analyst, kept=person_a, absorbed=person_b, reason="同一人，改名"
    )
    assert (
        set(Party.objects.filter(person=person_a).values_list("pk", flat=True))
        == before[person_a.pk] | before[person_b.pk]
    )
    assert Party.objects.count() == 2  # a merge never loses a record
    services.person_split(actor=analyst, merge=merge)
    for person_id, parties in before.items():
        assert (
            set(Party.objects.filter(person_id=person_id).values_list("pk", flat=True)) == parties
        )
    person_b.refresh_from_db()
    assert person_b.is_active and person_b.merged_into is None
    actions = list(
        AuditEntry.objects.filter(action__in=["people.merge", "people.split"])
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["people.merge", "people.split"]
    assert PersonMerge.objects.get().split_by == analyst


def test_persons_with_different_valid_ids_cannot_be_merged(county):
    analyst = UserFactory(role="analyst", scope_unit=county.bureau)
    a = _party(county, name="张强", id_number="411603198001010012")
    b = _party(county, name="张强", id_number="411603198203040017")
    with pytest.raises(ValidationError):
        services.person_merge(actor=analyst, kept=a.person, absorbed=b.person)


def test_only_analysts_and_administrators_merge(county):
    a = _party(county, name="甲", phone="13500000001")
    b = _party(county, name="乙", phone="13500000002")
    with pytest.raises(PermissionDenied):
        services.person_merge(actor=county.east.chief, kept=a.person, absorbed=b.person)


def test_marking_a_pair_distinct_closes_it(county, settings):
    settings.CONCORD_LINK_UPPER = 0.999999
    analyst = UserFactory(role="analyst", scope_unit=county.bureau)
    _party(county, name="陈静", phone="13600001234")
    _party(county, name="陈晶", phone="13600001234")
    pair = ReviewPair.objects.get(state="open")
    services.review_decide(actor=analyst, pair=pair, same_person=False, reason="姐妹，共用电话")
    pair.refresh_from_db()
    assert pair.state == "distinct" and pair.decided_by == analyst
