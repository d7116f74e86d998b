"""The ledger's count stops at a cap, so a county's list does not count a million cases a page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from concord.core import pagination
from concord.core.pagination import CappedPaginator
from concord.disputes.models import Dispute
from tests.factories import register_dispute

pytestmark = pytest.mark.django_db


def _cases(county, n: int) -> None:
    for i in range(n):
        register_dispute(county.east, title=f"纠纷{i}")


def test_a_list_up_to_the_cap_is_counted_exactly(county):
    _cases(county, 3)
    paginator = CappedPaginator(Dispute.objects.order_by("id"), 2, cap=3)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (3, False, 2)


def test_past_the_cap_the_count_stops_and_says_so(county):
    _cases(county, 4)
    paginator = CappedPaginator(Dispute.objects.order_by("id"), 2, cap=3)
    with CaptureQueriesContext(connection) as queries:
        assert (paginator.count, paginator.capped, paginator.num_pages) == (3, True, 2)
    assert len(queries) == 1 and "LIMIT 4" in queries[0]["sql"].upper()
    assert len(paginator.page(2)) == 1  # the pages run to the cap
    assert (str(paginator.count), str(paginator.num_pages)) == ("3+", "2+")


def test_the_ledger_shows_a_capped_count(client, county, monkeypatch):
    _cases(county, 3)
    client.force_login(county.commander)

    def count_text() -> str:
        html = client.get(reverse("dispute_list")).content.decode()
        return html.split('data-testid="count">')[1].split("</p>")[0]

    assert count_text() == "共 3 件"
    monkeypatch.setattr(pagination, "LIST_COUNT_CAP", 2)
    assert count_text() == "共 2+ 件"
