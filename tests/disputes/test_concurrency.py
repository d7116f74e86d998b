"""Concurrent writers on a real PostgreSQL server: nothing lost, nothing duplicated."""

import threading

import pytest
from django.db import connection

from concord.disputes import services
from concord.disputes.models import CaseSequence, Dispute
from tests.factories import register_dispute

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_together(functions):
    """Start every function at once (a barrier) in its own thread and connection; return results."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def worker(i, fn):
        try:
            barrier.wait(timeout=10)
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each writer got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, fn)) for i, fn in enumerate(functions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_concurrent_updates_one_succeeds_and_the_other_gets_a_conflict(county):
    b = county.east
    d = register_dispute(b)
    loaded_version = d.version

    results = _run_together(
        [
            lambda: services.dispute_assess(
                actor=b.officer,
                dispute=d,
                expected_version=loaded_version,
                level="orange",
                reasons=["扬言报复"],
            ),
            lambda: services.dispute_assess(
                actor=b.chief,
                dispute=d,
                expected_version=loaded_version,
                level="yellow",
                reasons=["一般口角"],
            ),
        ]
    )
    winners = [r for r in results if isinstance(r, Dispute)]
    conflicts = [r for r in results if isinstance(r, services.StaleVersion)]
    assert len(winners) == 1 and len(conflicts) == 1, results
    saved = Dispute.objects.get(pk=d.pk)
    assert saved.version == loaded_version + 1
    assert saved.level == winners[0].level
    assert saved.assessment.reasons == winners[0].assessment.reasons
    assert saved.events.filter(action="assess").count() == 1
    assert "reload" in str(conflicts[0]).lower() or "刷新" in str(conflicts[0])


def test_twenty_concurrent_registrations_in_one_unit_get_distinct_case_numbers(county):
    b = county.east
    results = _run_together([lambda i=i: register_dispute(b, title=f"纠纷{i}") for i in range(20)])
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    numbers = {r.case_number for r in results}
    assert len(numbers) == 20
    assert CaseSequence.objects.get(unit=b.station).last == 20
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 21))
