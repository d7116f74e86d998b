import pytest
from django.urls import reverse

from concord.audit.models import AuditEntry
from concord.disputes.services import PartyInput
from concord.people.models import ReviewPair
from tests.factories import UserFactory, register_dispute

pytestmark = pytest.mark.django_db


def _party(branch, **fields):
    return register_dispute(branch, parties=[PartyInput(**fields)]).parties.get()


def test_the_person_page_lists_records_in_time_order_and_is_audited(client, county):
    first = _party(county.east, name="李伟", phone="13812345678")
    second = _party(county.east, name="李玮", phone="138 1234 5678")
    assert first.person == second.person
    client.force_login(county.east.officer)
    html = client.get(reverse("person_detail", args=[first.person_id])).content.decode()
    assert html.index(first.dispute.case_number) < html.index(second.dispute.case_number)
    assert "13812345678" not in html and "138****5678" in html
    assert AuditEntry.objects.filter(action="people.view", actor=county.east.officer).count() == 1


def test_the_person_page_shows_only_records_in_the_users_area(client, county):
    east = _party(county.east, name="周杰", phone="13700009999")
    west = _party(county.west, name="周杰", phone="13700009999")
    assert east.person == west.person
    client.force_login(county.east.chief)
    html = client.get(reverse("person_detail", args=[east.person_id])).content.decode()
    assert east.dispute.case_number in html and west.dispute.case_number not in html


def test_a_person_with_no_record_in_the_area_is_not_found(client, county):
    west = _party(county.west, name="吴刚", phone="13700008888")
    client.force_login(county.east.chief)
    assert client.get(reverse("person_detail", args=[west.person_id])).status_code == 404


def test_an_analyst_merges_a_pair_from_the_review_queue(client, county, settings):
    settings.CONCORD_LINK_UPPER = 0.999999
    _party(county.east, name="陈静", phone="13600001234")
    _party(county.east, name="陈晶", phone="13600001234")
    pair = ReviewPair.objects.get()
    analyst = UserFactory(role="analyst", scope_unit=county.bureau)
    client.force_login(analyst)
    assert pair.left.name in client.get(reverse("review_queue")).content.decode()
    page = client.get(reverse("review_pair", args=[pair.pk])).content.decode()
    assert 'data-testid="evidence"' in page
    client.post(reverse("review_pair", args=[pair.pk]), {"decision": "same", "reason": "同一人"})
    pair.refresh_from_db()
    assert pair.state == "merged"
    assert pair.right.party_records.count() == 0 and pair.left.party_records.count() == 2


def test_officers_do_not_get_the_review_queue(client, county):
    client.force_login(county.east.chief)
    assert client.get(reverse("review_queue")).status_code == 404


def test_every_comparison_and_level_of_the_linkage_model_is_translated_on_the_review_page():
    from django.utils import translation

    from concord.people import evidence
    from concord.people.linkage.model import COMPARISONS

    for comparison in COMPARISONS:
        assert comparison.column in evidence.FIELDS
        for level in comparison.levels:
            assert level.label in evidence.LEVELS, level.label
    with translation.override("zh-hans"):
        rows = evidence.evidence_rows(
            {"levels": {"name": "same name", "contact": "a phone in common"},
             "weights": {"name": 10.21, "contact": 12.3}}
        )  # fmt: skip
        assert [(str(f), str(lv), w) for f, lv, w in rows] == [
            ("姓名", "姓名相同", 10.21),
            ("联系电话和地址", "有相同电话", 12.3),
        ]
