"""Gate registrations replayed in parallel (PostgreSQL, real transactions): one row, one alert, one key person."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from fangkong.accounts.models import Role
from fangkong.checkpoints.models import Alert, Registration
from fangkong.checkpoints.services import RegistrationInput, register
from fangkong.checkpoints.tests.factories import make_checkpoint
from fangkong.screening.models import KeyPerson, KeyPersonSource

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions of a real server"),
]


def race(*actions: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = action()
        except Exception as exc:  # each racer's outcome is what the test inspects
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_the_same_abnormal_passage_sent_by_two_devices_at_once_is_stored_once(world: Any) -> None:
    gate = make_checkpoint(world.hq, world.A.community)
    staff = world.user(Role.CHECKPOINT_STAFF, "A")
    data = RegistrationInput(
        client_id=str(uuid.uuid4()),
        checkpoint_id=gate.pk,
        direction="in",
        document_number=world.A.person.document_number,
        temperature="38.4",
    )
    results = race(*(lambda: register(actor=staff, data=data) for _ in range(4)))
    statuses = sorted(r.status if hasattr(r, "status") else repr(r) for r in results)
    assert statuses == ["created", "duplicate", "duplicate", "duplicate"]
    assert Registration.objects.filter(client_id=data.client_id).count() == 1
    assert Alert.objects.count() == 1
    assert KeyPerson.objects.filter(person=world.A.person).count() == 1
    assert KeyPersonSource.objects.filter(kind="checkpoint").count() == 1


@pytest.mark.parametrize("size", [20, 200], ids=["one INSERT", "COPY"])
def test_two_replays_of_one_batch_racing_store_each_passage_once(world: Any, size: int) -> None:
    from fangkong.checkpoints.services import register_batch

    gate = make_checkpoint(world.hq, world.A.community)
    staff = world.user(Role.CHECKPOINT_STAFF, "A")
    items = [
        RegistrationInput(client_id=str(uuid.uuid4()), checkpoint_id=gate.pk, direction="in", phone=f"1391234{n:04d}")
        for n in range(size)
    ]
    first, second = race(
        lambda: register_batch(actor=staff, items=items), lambda: register_batch(actor=staff, items=items)
    )
    assert Registration.objects.count() == size
    for a, b in zip(first, second, strict=True):
        assert sorted([a.status, b.status]) == ["created", "duplicate"]
