import pytest
from django.db import transaction

from concord.audit.models import AuditEntry
from concord.audit.services import audit_record

pytestmark = pytest.mark.django_db(transaction=True)


def test_audit_row_outside_a_transaction_is_refused(county):
    with pytest.raises(RuntimeError):
        audit_record(actor=county.commander, action="test.outside")


def test_audit_row_rolls_back_with_the_change_it_records(county):
    with pytest.raises(ValueError), transaction.atomic():
        audit_record(actor=county.commander, action="test.rolled_back")
        raise ValueError("the change failed")
    assert not AuditEntry.objects.filter(action="test.rolled_back").exists()


def test_audit_rows_cannot_be_edited_or_deleted_through_the_orm(county):
    with transaction.atomic():
        entry = audit_record(actor=county.commander, action="test.kept", target=county.bureau)
    entry.action = "test.changed"
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.kept"
