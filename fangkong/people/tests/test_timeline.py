"""The person's whole story: key-person records, measures, rooms, transfers, passages and health reports."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fangkong.api.testing import bearer_client
from fangkong.audit.models import AuditAction, AuditEvent
from fangkong.checkpoints.tests.factories import make_checkpoint, pass_gate
from fangkong.conftest import World
from fangkong.monitoring.tests.factories import report
from fangkong.people.timeline import providers, timeline_for
from fangkong.quarantine.services import place_person
from fangkong.quarantine.tests.factories import make_measure, make_site, room
from fangkong.screening.services import route_key_person
from fangkong.screening.tests.factories import make_key_person
from fangkong.transfers.models import TransferKind
from fangkong.transfers.tests.factories import make_task

pytestmark = pytest.mark.django_db

EVERY_APP = {
    "people.registered",
    "screening.key_person",
    "screening.controlled",
    "quarantine.measure_started",
    "quarantine.placed",
    "transfers.planned",
    "checkpoints.passage",
    "monitoring.health_report",
}


def whole_story(world: World) -> Any:
    """Resident A passes a gate, becomes a key person, goes under a measure, into a room, reports, is transferred."""
    person = world.A.person
    gate = make_checkpoint(world.hq, world.A.community)
    pass_gate(world.hq, gate, document_number=person.document_number, temperature="36.6", health_code="green")
    measure = make_measure(world.hq, person)
    place_person(actor=world.hq, measure=measure, room=room(make_site(world.hq, world.A.street), "101"))
    report(world.hq, measure, temperature="36.8")
    make_task(world.hq, [measure], kind=TransferKind.TO_HOSPITAL, driver=False)
    return person


def kinds(events: Any) -> set[str]:
    return {e["kind"] if isinstance(e, dict) else e.kind for e in events}


def test_the_person_page_shows_events_from_every_app_with_links(world: World) -> None:
    person = whole_story(world)
    client = Client()
    client.force_login(world.hq)
    response = client.get(f"/people/{person.pk}/")
    assert response.status_code == 200
    shown = {e.kind for e in response.context["history"]}
    assert shown >= EVERY_APP
    page = response.content.decode()
    assert 'id="history"' in page
    measure = person.measures.get()
    assert f'href="/quarantine/measures/{measure.pk}/"' in page
    assert f'href="/monitoring/measures/{measure.pk}/"' in page
    key_person = person.key_person_records.get()
    assert f'href="/screening/{key_person.pk}/"' in page
    assert "36.8 °C" in page
    # Newest first.
    times = [e.at for e in response.context["history"]]
    assert times == sorted(times, reverse=True)


def test_the_api_answers_the_same_story(world: World) -> None:
    person = whole_story(world)
    response = bearer_client(world.hq).get(f"/api/v1/persons/{person.pk}/timeline")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["person_id"] == person.pk
    assert kinds(body["items"]) >= EVERY_APP
    assert body["counts"]["monitoring.health_report"] == 1
    assert all(item["label"] and item["summary"] for item in body["items"])


def test_a_person_of_another_jurisdiction_is_a_404_on_page_and_api(world: World) -> None:
    person = whole_story(world)
    other = world.user("community_worker", "B")
    client = Client()
    client.force_login(other)
    assert client.get(f"/people/{person.pk}/").status_code == 404
    assert bearer_client(other).get(f"/api/v1/persons/{person.pk}/timeline").status_code == 404
    assert not AuditEvent.objects.filter(actor=other, object_type="people.person").exists()


def test_the_full_view_audit_row_counts_the_history_shown(world: World) -> None:
    person = whole_story(world)
    client = Client()
    client.force_login(world.hq)
    client.get(f"/people/{person.pk}/")
    row = AuditEvent.objects.filter(
        actor=world.hq, action=AuditAction.VIEW_FULL, object_type="people.person", object_id=str(person.pk)
    ).latest("at")
    history = row.changes["history"]
    assert history["checkpoints.passage"] == 1
    assert history["quarantine.placed"] == 1
    assert history["transfers.planned"] == 1
    bearer_client(world.hq).get(f"/api/v1/persons/{person.pk}/timeline")
    api_row = (
        AuditEvent.objects.filter(actor=world.hq, action=AuditAction.VIEW_FULL, object_id=str(person.pk))
        .exclude(pk=row.pk)
        .get()
    )
    assert api_row.changes["history"] == history


def test_records_outside_the_viewers_jurisdiction_are_left_out(world: World) -> None:
    # Resident A is routed to community B for screening: A's grid worker sees the person, not B's record.
    person = world.A.person
    key_person = make_key_person(world.hq, person)
    route_key_person(actor=world.hq, key_person=key_person, place=world.B.community)
    seen = kinds(timeline_for(world.user("grid_worker", "A"), person))
    assert "screening.key_person" not in seen
    assert "screening.key_person" in kinds(timeline_for(world.hq, person))


def test_a_role_without_access_to_a_kind_of_record_sees_none_of_it(world: World) -> None:
    person = whole_story(world)
    # Checkpoint staff may see persons and key persons, not health reports, measures or transfers.
    seen = kinds(timeline_for(world.user("checkpoint_staff", "A"), person))
    assert "screening.key_person" in seen
    assert not {"monitoring.health_report", "quarantine.measure_started", "transfers.planned"} & seen


def test_each_provider_reads_with_one_query(world: World) -> None:
    person = whole_story(world)
    hq = world.hq
    hq.has_perm("people.view_person")  # load the permission cache outside the count
    for provider in providers():
        with CaptureQueriesContext(connection) as ctx:
            list(provider(hq, person))
        assert len(ctx.captured_queries) <= 1, (provider.__name__, [q["sql"] for q in ctx.captured_queries])
