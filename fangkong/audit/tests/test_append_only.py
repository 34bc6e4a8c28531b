import pytest
from django.db import DatabaseError, connection, transaction

from fangkong.audit.models import AppendOnlyError, AuditAction, AuditEvent
from fangkong.audit.services import record


def test_saved_event_cannot_be_changed_or_deleted_through_the_model(world):
    event = record(actor=world.hq, action=AuditAction.LOGIN, obj=world.hq)
    event.summary = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_database_refuses_bulk_update_of_audit_rows(world):
    record(actor=world.hq, action=AuditAction.LOGIN, obj=world.hq)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(summary="tampered")
    assert not AuditEvent.objects.filter(summary="tampered").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps DELETE for Django's test flush")
def test_postgres_refuses_delete_of_audit_rows(world):
    record(actor=world.hq, action=AuditAction.LOGIN, obj=world.hq)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all()._raw_delete(AuditEvent.objects.db)
    assert AuditEvent.objects.exists()
