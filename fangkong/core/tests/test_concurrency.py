"""Concurrency: two workers acting on the same record at the same moment (PostgreSQL, real transactions).

Each worker is a thread with its own database connection; a barrier releases them together. The
invariants must hold whichever wins: one step recorded once, one open key-person record per person.
Gate registrations replayed in parallel and parallel quarantine placements join here when those apps
exist.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, connections

from fangkong.accounts.models import Role

pytestmark = [
    # Real commits; serialized_rollback puts back what migrations loaded (the protocol presets), which the
    # flush after a transactional test would otherwise leave empty for the tests that follow.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks of a real server"),
]


def race(*actions: Callable[[], Any]) -> list[Any]:
    """Run the actions at once, one thread and connection each; returns each one's result or exception."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = action()
        except Exception as exc:  # the outcome of each racer is what the test inspects
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _key_person(world: Any) -> Any:
    from fangkong.screening.services import SourceInput, add_key_person

    actor = world.user(Role.COMMUNITY_WORKER, "A")
    kp, _created = add_key_person(actor=actor, person=world.A.person, source=SourceInput(kind="tip_off"))
    return kp


def test_two_workers_marking_the_same_key_person_record_one_step(world):
    from fangkong.screening.services import transition

    kp = _key_person(world)
    workers = [world.user(Role.COMMUNITY_WORKER, "A"), world.user(Role.GRID_WORKER, "A")]

    results = race(
        *(
            lambda actor=actor: transition(actor=actor, key_person=kp, to="identified", expected_version=kp.version)
            for actor in workers
        )
    )

    succeeded = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(succeeded) == 1, results
    assert type(refused[0]).__name__ in {"StaleVersion", "TransitionNotAllowed"}, results
    kp.refresh_from_db()
    assert kp.clear_state == "identified"
    assert kp.version == succeeded[0].version
    events = apps.get_model("screening", "KeyPersonEvent").objects.filter(key_person=kp, to_value="identified")
    assert events.count() == 1


def test_two_sources_adding_the_same_person_at_once_keep_one_open_record(world):
    from fangkong.screening.services import SourceInput, add_key_person

    actors = [world.user(Role.COMMUNITY_WORKER, "A"), world.user(Role.GRID_WORKER, "A")]
    person = world.A.person

    results = race(
        *(
            lambda actor=actor, kind=kind: add_key_person(actor=actor, person=person, source=SourceInput(kind=kind))
            for actor, kind in zip(actors, ["tip_off", "sweep"], strict=True)
        )
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    key_persons = apps.get_model("screening", "KeyPerson").objects.filter(person=person)
    assert key_persons.count() == 1
    assert sorted(r[1] for r in results) == [False, True]  # one created it, the other joined it
    assert key_persons.get().sources.count() == 2
