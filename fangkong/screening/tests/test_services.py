from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.people.services import StaleVersion, merge_persons
from fangkong.protocols.models import Protocol, RiskArea
from fangkong.protocols.services import activate_protocol
from fangkong.screening.models import KeyPerson, KeyPersonEvent
from fangkong.screening.selectors import timeline, work_queue
from fangkong.screening.services import (
    SourceInput,
    TransitionNotAllowed,
    add_key_person,
    add_travel,
    protocol_changes,
    route_key_person,
    set_category,
    transition,
)
from fangkong.screening.tests.factories import make_key_person


@pytest.fixture(autouse=True)
def english() -> Any:
    # Messages are asserted in their English source text, whatever the default language.
    from django.utils import translation

    with translation.override("en"):
        yield


def test_a_checkpoint_and_a_sweep_reporting_one_person_make_one_key_person(world: Any) -> None:
    person = world.A.person
    first, created = add_key_person(actor=world.hq, person=person, source=SourceInput(kind="checkpoint"))
    second, created_again = add_key_person(actor=world.hq, person=person, source=SourceInput(kind="sweep"))
    assert (created, created_again) == (True, False)
    assert first.pk == second.pk
    assert sorted(first.sources.values_list("kind", flat=True)) == ["checkpoint", "sweep"]


def test_a_category_the_active_protocol_does_not_have_is_refused(world: Any) -> None:
    with pytest.raises(ValidationError, match="no category"):
        add_key_person(actor=world.hq, person=world.A.person, source=SourceInput(kind="tip_off"), category="zombie")
    kp = make_key_person(world.hq, world.A.person)
    # The 2020 preset has no "returnee_low_risk".
    activate_protocol(
        actor=world.hq, district=world.district, protocol=Protocol.objects.get(code="covid19-2020-provincial")
    )
    with pytest.raises(ValidationError, match="no category"):
        set_category(actor=world.hq, key_person=kp, category="returnee_low_risk")


def test_travel_dates_in_the_future_are_refused(world: Any) -> None:
    kp = make_key_person(world.hq, world.A.person)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="future"):
        add_travel(actor=world.hq, key_person=kp, place_text="北京市朝阳区", to_date=tomorrow)
    with pytest.raises(ValidationError, match="future"):
        add_key_person(
            actor=world.hq,
            person=world.B.person,
            source=SourceInput(kind="tip_off", came_from="北京市", arrived_on=tomorrow),
        )


def test_travel_matches_only_areas_at_risk_while_the_person_was_there(world: Any) -> None:
    kp = make_key_person(world.hq, world.A.person)
    RiskArea.objects.create(
        name="北京市朝阳区",
        level="high",
        granularity="county",
        starts_on=dt.date(2022, 5, 1),
        ends_on=dt.date(2022, 5, 20),
    )
    during = add_travel(actor=world.hq, key_person=kp, place_text="北京市朝阳区望京街道", to_date=dt.date(2022, 5, 10))
    after = add_travel(
        actor=world.hq,
        key_person=kp,
        place_text="北京市朝阳区",
        to_date=dt.date(2022, 6, 10),
        from_date=dt.date(2022, 6, 1),
    )
    assert (during.risk_level, after.risk_level) == ("high", "")


def test_two_workers_identifying_at_once_do_not_lose_an_update(world: Any) -> None:
    kp = make_key_person(world.hq, world.A.person)
    seen_by_both = kp.version
    transition(actor=world.user("grid_worker", "A"), key_person=kp, to="identified", expected_version=seen_by_both)
    with pytest.raises(StaleVersion):
        transition(
            actor=world.user("community_worker", "A"), key_person=kp, to="identified", expected_version=seen_by_both
        )
    kp.refresh_from_db()
    assert kp.identified_by == world.user("grid_worker", "A")


def test_the_state_machine_takes_one_clear_at_a_time(world: Any) -> None:
    kp = make_key_person(world.hq, world.A.person)
    with pytest.raises(TransitionNotAllowed):
        transition(actor=world.hq, key_person=kp, to="verified")
    for step in ("identified", "verified", "controlled"):
        kp = transition(actor=world.hq, key_person=kp, to=step)
    assert kp.controlled_by == world.hq
    states = list(KeyPersonEvent.objects.filter(key_person=kp, kind="state").values_list("to_value", flat=True))
    assert states == ["identified", "verified", "controlled"]
    assert AuditEvent.objects.filter(object_type="screening.keyperson", object_id=str(kp.pk)).count() >= 4
    # Under a measure, release goes through the measure, where its conditions are checked.
    with pytest.raises(ValidationError):
        transition(actor=world.hq, key_person=kp, to="released")
    assert KeyPerson.objects.get(pk=kp.pk).clear_state == "controlled"


def test_worker_of_the_other_side_cannot_transition(world: Any) -> None:
    kp = make_key_person(world.hq, world.B.person)
    with pytest.raises(PermissionDenied):
        transition(actor=world.user("grid_worker", "A"), key_person=kp, to="identified")


def test_hq_routes_an_unplaced_key_person_to_a_grid(world: Any) -> None:
    kp, _ = add_key_person(actor=world.hq, person=world.A.person, source=SourceInput(kind="tip_off"))
    KeyPerson.objects.filter(pk=kp.pk).update(place=world.district, place_path=world.district.path, is_unplaced=True)
    kp.refresh_from_db()
    with pytest.raises(ValidationError):
        route_key_person(actor=world.hq, key_person=kp, place=world.A.household)
    kp = route_key_person(actor=world.hq, key_person=kp, place=world.B.grid)
    assert (kp.place, kp.is_unplaced, kp.worker) == (world.B.grid, False, world.user("grid_worker", "B"))


def test_work_queue_puts_overdue_first(world: Any) -> None:
    early = make_key_person(world.hq, world.A.person)
    from fangkong.conftest import make_person

    late_person = make_person(world.A.household, name="乙", seq=99)
    overdue = make_key_person(world.hq, late_person)
    KeyPerson.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - dt.timedelta(hours=2))
    KeyPerson.objects.filter(pk=early.pk).update(due_at=timezone.now() + dt.timedelta(hours=2))
    queue = list(work_queue(world.user("grid_worker", "A")))
    assert [kp.pk for kp in queue] == [overdue.pk, early.pk]
    assert list(work_queue(world.user("grid_worker", "B"))) == []


def test_timeline_lists_sources_and_state_changes_with_who(world: Any) -> None:
    kp = make_key_person(world.hq, world.A.person, kind="pharmacy")
    transition(actor=world.user("grid_worker", "A"), key_person=kp, to="identified")
    items = timeline(kp)
    kinds = [i["kind"] for i in items]
    assert kinds[0] == "source"
    assert any(i["kind"] == "event" and i["actor"] == world.user("grid_worker", "A") for i in items)


def test_merging_persons_moves_the_key_person_to_the_survivor(world: Any) -> None:
    from fangkong.conftest import make_person

    duplicate = make_person(world.A.household, name="居民A", seq=77)
    kp = make_key_person(world.hq, duplicate)
    merge_persons(actor=world.hq, survivor=world.A.person, duplicate=duplicate)
    kp.refresh_from_db()
    assert kp.person == world.A.person


def test_applying_a_new_protocol_previews_who_changes(world: Any) -> None:
    kp = make_key_person(world.hq, world.A.person)
    for step in ("identified", "verified", "controlled"):
        kp = transition(actor=world.hq, key_person=kp, to=step)
    old = Protocol.objects.prefetch_related("categories__phases").get(code="covid19-2020-provincial")
    changes = protocol_changes([kp], old)
    assert len(changes) == 1
    assert (changes[0].old_days, changes[0].new_days) == (10, 28)
    kp.refresh_from_db()
    assert [p["days"] for p in kp.schedule] == [7, 3]  # the preview wrote nothing


def test_hq_hands_over_a_person_from_outside_the_district(world: Any) -> None:
    from fangkong.screening.services import hand_over

    kp = make_key_person(world.hq, world.A.person)
    with pytest.raises(ValidationError, match="outside the district"):
        hand_over(actor=world.hq, key_person=kp, note="某区指挥部")
    KeyPerson.objects.filter(pk=kp.pk).update(outside_district=True)
    kp.refresh_from_db()
    with pytest.raises(ValidationError):
        hand_over(actor=world.hq, key_person=kp, note="")
    kp = hand_over(actor=world.hq, key_person=kp, note="洛阳市西工区指挥部 张某")
    assert (kp.clear_state, kp.released_by) == ("released", world.hq)
    assert "洛阳市西工区指挥部" in KeyPersonEvent.objects.filter(key_person=kp).last().note  # type: ignore[union-attr]


def test_the_database_refuses_a_second_open_key_person_for_one_person(world: Any) -> None:
    from django.db import IntegrityError, transaction

    kp = make_key_person(world.hq, world.A.person)
    with pytest.raises(IntegrityError), transaction.atomic():
        KeyPerson.objects.create(person=world.A.person, category="inbound", place=kp.place, place_path=kp.place_path)
    KeyPerson.objects.filter(pk=kp.pk).update(clear_state="released")
    KeyPerson.objects.create(person=world.A.person, category="inbound", place=kp.place, place_path=kp.place_path)
