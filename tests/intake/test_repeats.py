"""一地多报、一人多报、一事多报: which open dispute a report repeats, and how many reports in a year."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from concord.disputes.models import Dispute, Status
from concord.disputes.services import PartyInput
from concord.intake import repeats
from concord.intake.models import Lead
from concord.intake.repeats import (
    OpenDisputeIndex,
    Report,
    ReportCounter,
    open_dispute_repeated,
    reports_in_12_months,
    specific_address,
)
from tests.factories import register_dispute

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
DAY = dt.timedelta(days=1)


def _case(branch, *, days_ago=10, phone="", category="neighbour", title="排水沟纠纷", **kwargs):
    parties = kwargs.pop(
        "parties",
        [PartyInput(name="张三", phone=phone), PartyInput(name="李四", role="respondent")],
    )
    return register_dispute(
        branch,
        category=category,
        title=title,
        found_at=NOW - days_ago * DAY,
        parties=parties,
        **kwargs,
    )


def _ask(branch, **kwargs):
    """Both forms of the question: the single-lead function and the bulk index must agree."""
    question = {
        "reporter_person_id": None,
        "reporter_phone": "",
        "address_village_code": None,
        "grid_id": None,
        "category": "family",
        "text": "报警人咨询事情",
        "at": NOW,
        **kwargs,
    }
    single = open_dispute_repeated(**question)
    station = (
        branch.station.pk if (question["grid_id"] or question["address_village_code"]) else None
    )
    bulk = OpenDisputeIndex().match(
        **{**question, "reporter_phone": repeats.normalise_phone(question["reporter_phone"])},
        station_id=station,
    )
    assert (single and (single.dispute.pk, single.codes)) == (
        bulk and (bulk.dispute.pk, bulk.codes)
    )
    return single


# --- which open dispute ---------------------------------------------------------------------------


def test_the_same_person_is_a_party_to_an_open_case(county):
    case = _case(county.east, phone="13812345678")
    person = case.parties.get(name="张三").person
    match = _ask(county.east, reporter_person_id=person.pk)
    assert match.dispute == case and match.codes == ("same_person",)
    with translation.override("en"):
        assert match.texts() == [f"the same person is a party to case {case.case_number}"]


def test_the_same_phone_typed_another_way(county):
    case = _case(county.east, phone="138 1234 5678")
    match = _ask(county.west, reporter_phone="+86 138-1234-5678")
    assert match.dispute == case and match.codes == ("same_phone",)
    assert case.case_number in str(match.reasons[0])


def test_the_same_village_and_category_within_ninety_days(county):
    case = _case(county.east, days_ago=60, category="land", title="宅基地边界")
    village = county.east.village.code
    match = _ask(county.east, address_village_code=village, category="land")
    assert match.dispute == case and match.codes == ("same_place",)
    assert _ask(county.east, grid_id=county.east.grid.pk, category="land").dispute == case
    assert _ask(county.east, address_village_code=village, category="debt") is None
    assert _ask(county.west, address_village_code=county.west.village.code, category="land") is None
    assert (
        _ask(county.east, address_village_code=village, category="land", at=NOW + 40 * DAY) is None
    )


def test_almost_the_same_description_in_the_same_station(county):
    case = _case(
        county.east,
        title="张庄排水沟堵塞纠纷",
        description="张某与李某因排水沟堵塞雨水流进院子发生争吵",
        category="neighbour",
    )
    text = "张庄排水沟堵塞纠纷。张某与李某因排水沟堵塞雨水流进院子又发生争吵"
    assert (
        repeats.jaccard(
            repeats.bigrams(text), repeats.bigrams(case.title + "。" + case.description)
        )
        >= 0.5
    )
    match = _ask(county.east, grid_id=county.east.grid.pk, category="family", text=text)
    assert match.dispute == case and match.codes == ("same_matter",)
    assert _ask(county.west, grid_id=county.west.grid.pk, category="family", text=text) is None
    unrelated = "报警人称其停放在超市门口的电动车被盗"
    assert _ask(county.east, grid_id=county.east.grid.pk, category="family", text=unrelated) is None


def test_closed_disputes_do_not_count(county):
    case = _case(county.east, phone="13812345678")
    Dispute.objects.filter(pk=case.pk).update(status=Status.CLOSED)
    person = case.parties.get(name="张三").person
    assert _ask(county.east, reporter_person_id=person.pk, reporter_phone="13812345678") is None
    Dispute.objects.filter(pk=case.pk).update(status=Status.REOPENED)
    assert _ask(county.east, reporter_phone="13812345678").dispute == case


def test_the_strongest_reasons_win(county):
    near = _case(county.east, days_ago=5, category="family", title="家庭矛盾")
    party = _case(county.west, days_ago=80, phone="13912345678", category="debt", title="借款")
    match = _ask(
        county.east,
        reporter_phone="13912345678",
        address_village_code=county.east.village.code,
        category="family",
    )
    assert match.dispute == party != near


def test_no_open_dispute_no_match(county):
    assert _ask(county.east, reporter_phone="13812345678", grid_id=county.east.grid.pk) is None


# --- how many reports in twelve months ------------------------------------------------------------


def _lead(branch, *, days_ago, phone="", address="", is_dispute=True, **kwargs):
    return Lead.objects.create(
        channel="police_call",
        text="报警人称与邻居争吵",
        received_at=NOW - days_ago * DAY,
        station=branch.station,
        grid=kwargs.pop("grid", branch.grid),
        reporter_phone=phone,
        address=address,
        is_dispute=is_dispute,
        **kwargs,
    )


def test_leads_and_disputes_about_the_same_phone_count_with_the_report_itself(county):
    _lead(county.east, days_ago=200, phone="13812345678")
    _lead(county.west, days_ago=30, phone="13812345678")
    _lead(county.east, days_ago=20, phone="13812345678", is_dispute=False)  # not a dispute
    _lead(county.east, days_ago=10, phone="13900000000")  # someone else
    _case(county.west, days_ago=100, phone="138-1234-5678")
    count = reports_in_12_months(person_id=None, phone="13812345678", village_code=None, at=NOW)
    assert count == 4
    assert reports_in_12_months(person_id=None, phone="", village_code=None, at=NOW) == 1


def test_the_twelve_month_window(county):
    _lead(county.east, days_ago=366, phone="13812345678")  # more than a year before
    _lead(county.east, days_ago=364, phone="13812345678")
    _lead(county.east, days_ago=-2, phone="13812345678")  # after the report
    count = reports_in_12_months(person_id=None, phone="13812345678", village_code=None, at=NOW)
    assert count == 2
    earlier = NOW - 300 * DAY
    assert (
        reports_in_12_months(person_id=None, phone="13812345678", village_code=None, at=earlier)
        == 3
    )


def test_the_same_person_with_another_phone(county):
    case = _case(county.east, days_ago=40, phone="13812345678")
    person = case.parties.get(name="张三").person
    _lead(county.west, days_ago=10, phone="13700000000", reporter_person=person)
    count = reports_in_12_months(
        person_id=person.pk, phone="13600000000", village_code=None, at=NOW
    )
    assert count == 3


def test_the_same_specific_address_in_the_same_village(county):
    village = county.east.village.code
    _lead(county.east, days_ago=50, address="东村3组45号")
    _lead(county.east, days_ago=40, address="东村3组45号")
    _lead(county.east, days_ago=30, address="东村")  # the village alone is no address
    _lead(county.west, days_ago=20, address="3组45号")  # the same words, another village
    _lead(county.west, days_ago=25, address="东村3组45号", grid=None)  # read from the address
    assert specific_address("东村") == "" and specific_address(" 东村3组 45号 ") == "东村3组 45号"
    count = reports_in_12_months(
        person_id=None, phone="", village_code=village, at=NOW, address="东村3组45号"
    )
    assert count == 4
    assert (
        reports_in_12_months(person_id=None, phone="", village_code=village, at=NOW, address="东村")
        == 1
    )


def test_a_dispute_registered_from_a_lead_counts_once(county):
    case = _case(county.east, days_ago=40, phone="13812345678")
    _lead(county.east, days_ago=41, phone="13812345678", dispute=case, state="registered")
    _lead(county.east, days_ago=20, phone="13812345678", dispute=case, state="attached")
    count = reports_in_12_months(person_id=None, phone="13812345678", village_code=None, at=NOW)
    assert count == 3  # the registered lead (for its case), the attached lead, this report


def test_a_saved_lead_is_not_counted_twice(county):
    _lead(county.east, days_ago=30, phone="13812345678")
    own = _lead(county.east, days_ago=0, phone="13812345678")
    assert (
        reports_in_12_months(
            person_id=None, phone="13812345678", village_code=None, at=NOW, exclude_lead_id=own.pk
        )
        == 2
    )


def test_a_batch_counts_its_own_reports_in_time_order(county):
    def report(ref, days_ago, counted=True):
        return Report(
            at=NOW - days_ago * DAY, phone="13812345678", ref=("call", ref), counted=counted
        )

    _lead(county.east, days_ago=100, phone="13812345678")
    batch = [report("c", 10), report("a", 30), report("x", 20, counted=False), report("b", 25)]
    # a: the lead and itself; b: + a; x (not kept): lead, a, b and itself; c: lead, a, b, c.
    assert ReportCounter().counts(batch) == [4, 2, 4, 3]
