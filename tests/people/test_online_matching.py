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


def _id_number(born: int) -> str:
    from concord.people.identity import check_digit

    first17 = f"411603{born}0101001"
    return first17 + check_digit(first17)


def _namesakes(county, n, born_from=1960):
    """n persons named 王伟 in the same village, told apart by their ID numbers (never merged)."""
    return [
        _party(county, name="王伟", address="东村3组", id_number=_id_number(born_from + i)).person
        for i in range(n)
    ]


def test_the_candidate_cap_keeps_whoever_shares_a_phone_over_namesakes(county, monkeypatch):
    """Beyond MAX_CANDIDATES, namesakes who share only the name in the village are dropped first;
    before, the cap kept an arbitrary 40 and could drop the person with the same phone."""
    from concord.people.linkage.features import record_features

    namesakes = _namesakes(county, 3)
    phone_sharer = _party(
        county, name="王伟", address="东村3组", phone="13700002222", id_number=_id_number(1990)
    ).person
    monkeypatch.setattr(services, "MAX_CANDIDATES", 2)
    newcomer = {"name": "王伟", "address": "东村3组", "phone": "137-0000-2222"}
    keys = services._keys(record_features(newcomer, services.gazetteer()))
    candidates = services._candidates(keys)
    assert candidates[0] == phone_sharer.pk
    assert candidates[1] == namesakes[0].pk  # then the oldest namesake
    assert len(candidates) == 2


def test_matching_reads_every_candidates_records_in_one_query(county):
    """The number of queries does not grow with the candidates (it was one query per candidate)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_to_link(party) -> int:
        # Linked again from scratch: the newcomer's ID number is none of the namesakes' (never
        # merged), so each run scores every candidate and makes a new person.
        previous = party.person
        Party.objects.filter(pk=party.pk).update(person=None)
        previous.delete()
        party.refresh_from_db()
        with CaptureQueriesContext(connection) as queries:
            outcome = services.party_link(party=party)
        assert not outcome.linked
        return len(queries.captured_queries)

    newcomer = {"name": "王伟", "address": "东村3组"}
    _namesakes(county, 1)
    first = _party(county, **newcomer, phone="13900001111", id_number=_id_number(2000))
    with_one = queries_to_link(first)
    _namesakes(county, 5, born_from=1970)
    second = _party(county, **newcomer, phone="13900003333", id_number=_id_number(2001))
    with_seven = queries_to_link(second)
    assert Person.objects.filter(keys__value__startswith="wangwei").distinct().count() >= 7
    assert with_seven == with_one
