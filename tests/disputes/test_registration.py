import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from concord.disputes.models import Dispute, DisputeEvent, Party
from concord.disputes.services import PartyInput
from tests.factories import register_dispute

pytestmark = pytest.mark.django_db


def test_parties_are_saved_with_id_numbers_normalised_and_sex_and_birth_date_derived(county):
    d = register_dispute(
        county.east, parties=[PartyInput(name="王 芳", id_number="11010519491231002x")]
    )
    party = d.parties.get()
    assert (party.name, party.id_number, party.sex, party.birth_date) == (
        "王芳",
        "11010519491231002X",
        "F",
        dt.date(1949, 12, 31),
    )


def test_a_15_digit_id_number_is_upgraded(county):
    d = register_dispute(
        county.east, parties=[PartyInput(name="赵强", id_number="110105491231002")]
    )
    assert d.parties.get().id_number == "11010519491231002X"


def test_an_invalid_id_number_is_refused_naming_the_party_and_nothing_is_written(county):
    with pytest.raises(ValidationError) as exc:
        register_dispute(
            county.east,
            parties=[PartyInput(name="甲"), PartyInput(name="乙", id_number="110105194912310022")],
        )
    assert list(exc.value.message_dict) == ["parties[1].id_number"]
    assert (
        not Dispute.objects.exists()
        and not Party.objects.exists()
        and not DisputeEvent.objects.exists()
    )


def test_an_impossible_date_is_refused(county):
    with pytest.raises(ValidationError) as exc:
        register_dispute(county.east, found_at=timezone.now() + dt.timedelta(days=2))
    assert "found_at" in exc.value.message_dict


def test_a_dispute_cannot_be_registered_in_a_grid_outside_the_area(county):
    from concord.disputes.services import TransitionRefused

    with pytest.raises(TransitionRefused):
        register_dispute(county.east, actor=county.west.grid_worker)


def test_case_numbers_count_up_per_station_and_year(county):
    first = register_dispute(county.east)
    second = register_dispute(county.east)
    other = register_dispute(county.west)
    year = timezone.localdate().year
    assert first.case_number == f"{county.east.station.code}-{year}-00001"
    assert second.case_number == f"{county.east.station.code}-{year}-00002"
    assert other.case_number == f"{county.west.station.code}-{year}-00001"


def test_a_subtype_must_belong_to_its_category(county):
    from concord.disputes.models import Category

    with pytest.raises(ValidationError) as exc:
        register_dispute(
            county.east, category="neighbour", subtype=Category.objects.get(code="debt.loan")
        )
    assert "subtype" in exc.value.message_dict
