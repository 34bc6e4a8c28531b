"""Measures, placements, moves, tests and release, through the services a page or the API calls."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.accounts.models import Role
from fangkong.audit.models import AuditEvent
from fangkong.conftest import make_person
from fangkong.quarantine.models import Measure, MeasurePhase, MeasureTest, Placement, Room, RoomStatus, SiteStatus
from fangkong.quarantine.selectors import capacity_board, daily_rows, daily_summary, unmet_release_conditions
from fangkong.quarantine.services import (
    AlreadyPlaced,
    MeasureConflict,
    ReleaseBlocked,
    ReportLinkInvalid,
    activate_site,
    extend_measure,
    leave_site,
    measure_for_report_token,
    move_person,
    open_measure,
    parse_room_numbers,
    place_in_next_free_room,
    place_person,
    record_test,
    release_measure,
    renew_report_link,
    report_link_token,
    set_room_status,
)
from fangkong.quarantine.tests.factories import make_measure, make_site, room
from fangkong.screening.models import KeyPerson

pytestmark = pytest.mark.django_db


def _pass_all_tests(actor: Any, measure: Measure) -> None:
    for test in MeasureTest.objects.filter(measure=measure):
        record_test(
            actor=actor,
            measure=measure,
            due_on=test.due_on,
            sampled_on=min(test.due_on, timezone.localdate()),
            outcome="negative",
        )


def _age_measure(measure: Measure, days: int) -> Measure:
    """Move the measure's dates into the past, as if it had started `days` ago."""
    shift = dt.timedelta(days=days)
    Measure.objects.filter(pk=measure.pk).update(started_on=measure.started_on - shift, ends_on=measure.ends_on - shift)
    for phase in MeasurePhase.objects.filter(measure=measure):
        phase.starts_on -= shift
        phase.ends_on -= shift
        phase.save()
    for test in MeasureTest.objects.filter(measure=measure):
        test.due_on -= shift
        test.save()
    return Measure.objects.get(pk=measure.pk)


def test_controlling_a_key_person_opens_a_measure_with_dated_phases_and_test_days(world: Any) -> None:
    measure = make_measure(world.hq, world.A.person)
    phases = list(measure.phases.values_list("kind", "starts_on", "ends_on"))
    today = timezone.localdate()
    # The active preset's close-contact rule: central quarantine first, then at home.
    assert phases[0][0] == "central_quarantine"
    assert phases[0][1] == today
    assert measure.ends_on == phases[-1][2]
    assert measure.tests.count() > 0
    assert measure.needs_room
    assert not measure.at_home
    assert measure.place_path == world.A.grid.path or measure.place_path.startswith(world.A.community.path)


def test_a_person_already_under_an_active_measure_gets_no_second_one(world: Any) -> None:
    measure = make_measure(world.hq, world.A.person)
    other = KeyPerson.objects.create(
        person=world.A.person,
        category="close_contact",
        place=world.A.grid,
        place_path=world.A.grid.path,
        clear_state="released",
        schedule=measure.key_person.schedule,
        measure_started_on=measure.started_on,
    )
    with pytest.raises(MeasureConflict):
        open_measure(actor=world.hq, key_person=other)
    assert Measure.objects.filter(person=world.A.person).count() == 1


def test_placing_a_person_fills_the_room_and_a_second_placement_is_refused(world: Any) -> None:
    site = make_site(world.hq, world.A.street)
    measure = make_measure(world.hq, world.A.person)
    placement = place_person(actor=world.hq, measure=measure, room=room(site, "101"))
    r = room(site, "101")
    assert (r.status, r.occupants) == (RoomStatus.OCCUPIED, 1)
    measure.refresh_from_db()
    assert measure.site == site
    # A double click on "place": still one placement, and a message naming the room.
    with pytest.raises(AlreadyPlaced, match="101"):
        place_person(actor=world.hq, measure=measure, room=room(site, "102"))
    assert Placement.objects.filter(person=world.A.person).count() == 1
    assert placement.expected_end == measure.phases.get(order=0).ends_on
    assert AuditEvent.objects.filter(object_type="quarantine.placement", object_id=str(placement.pk)).exists()


def test_unrelated_persons_never_share_a_room_but_a_family_does(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=1, room_type="family", capacity=3)
    first = make_measure(world.hq, world.A.person)
    place_person(actor=world.hq, measure=first, room=room(site, "101"))
    stranger = make_measure(world.hq, world.B.person)
    with pytest.raises(Exception, match="another household"):
        place_person(actor=world.hq, measure=stranger, room=room(site, "101"))
    spouse = make_person(world.A.household, name="配偶A", seq=301, male=False)
    place_person(actor=world.hq, measure=make_measure(world.hq, spouse), room=room(site, "101"))
    assert room(site, "101").occupants == 2


def test_persons_known_only_down_to_a_grid_never_count_as_one_family(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=1, room_type="family", capacity=3)
    first = make_person(world.A.grid, name="无户甲", seq=311)
    second = make_person(world.A.grid, name="无户乙", seq=313)
    place_person(actor=world.hq, measure=make_measure(world.hq, first), room=room(site, "101"))
    with pytest.raises(Exception, match="another household"):
        place_person(actor=world.hq, measure=make_measure(world.hq, second), room=room(site, "101"))


def test_next_free_room_puts_a_family_member_with_their_family(world: Any) -> None:
    make_site(world.hq, world.A.street, rooms=2)
    family_site = make_site(world.hq, world.A.street, rooms=1, room_type="family", capacity=3, name="家庭房")
    place_person(actor=world.hq, measure=make_measure(world.hq, world.A.person), room=room(family_site, "101"))
    spouse = make_person(world.A.household, name="配偶乙", seq=315, male=False)
    placement = place_in_next_free_room(actor=world.hq, measure=make_measure(world.hq, spouse))
    assert placement.room == room(family_site, "101")


def test_a_child_is_placed_only_with_a_guardian(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=2, room_type="family", capacity=2)
    child = make_person(world.A.household, name="孩子A", seq=302)
    child.birth_date = timezone.localdate() - dt.timedelta(days=365 * 6)
    child.save()
    child_measure = make_measure(world.hq, child)
    with pytest.raises(Exception, match="guardian"):
        place_person(actor=world.hq, measure=child_measure, room=room(site, "101"))
    place_person(actor=world.hq, measure=make_measure(world.hq, world.A.person), room=room(site, "101"))
    place_person(actor=world.hq, measure=child_measure, room=room(site, "101"))
    assert room(site, "101").occupants == 2


def test_rooms_out_of_service_and_reserve_sites_take_nobody(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=2)
    set_room_status(actor=world.hq, room=room(site, "101"), status=RoomStatus.OUT_OF_SERVICE)
    measure = make_measure(world.hq, world.A.person)
    with pytest.raises(Exception, match=r"[Oo]ut of service"):
        place_person(actor=world.hq, measure=measure, room=room(site, "101"))
    reserve = make_site(world.hq, world.A.street, rooms=1, status=SiteStatus.RESERVE, name="备用酒店")
    with pytest.raises(Exception, match="activate"):
        place_person(actor=world.hq, measure=measure, room=room(reserve, "101"))
    activate_site(actor=world.hq, site=reserve)
    place_person(actor=world.hq, measure=measure, room=room(reserve, "101"))
    assert Placement.objects.get(person=world.A.person).site == reserve


def test_next_free_room_prefers_single_rooms_and_says_when_none_is_left(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=1)
    make_site(world.hq, world.A.street, rooms=1, room_type="family", capacity=4, name="家庭房")
    first = place_in_next_free_room(actor=world.hq, measure=make_measure(world.hq, world.A.person))
    assert first.room.site == site
    place_in_next_free_room(actor=world.hq, measure=make_measure(world.hq, world.B.person))
    third = make_measure(world.hq, make_person(world.A.household, name="甲", seq=303))
    with pytest.raises(Exception, match="No free room"):
        place_in_next_free_room(actor=world.hq, measure=third)


def test_a_move_keeps_the_history_and_the_left_room_goes_to_cleaning(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=2)
    measure = make_measure(world.hq, world.A.person)
    first = place_person(actor=world.hq, measure=measure, room=room(site, "101"))
    with pytest.raises(ValidationError):
        move_person(actor=world.hq, placement=first, room=room(site, "102"), reason="")
    second = move_person(actor=world.hq, placement=first, room=room(site, "102"), reason="空调故障")
    first.refresh_from_db()
    assert first.ended_at is not None
    assert first.end_reason == "空调故障"
    assert second.room.number == "102"
    assert room(site, "101").status == RoomStatus.CLEANING
    set_room_status(actor=world.hq, room=room(site, "101"), status=RoomStatus.FREE)
    assert room(site, "101").status == RoomStatus.FREE
    assert list(measure.events.values_list("kind", flat=True)) == ["started", "placed", "moved"]


def test_an_occupied_room_cannot_be_taken_out_of_service(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=1)
    place_person(actor=world.hq, measure=make_measure(world.hq, world.A.person), room=room(site, "101"))
    with pytest.raises(Exception, match="occupied"):
        set_room_status(actor=world.hq, room=room(site, "101"), status=RoomStatus.OUT_OF_SERVICE)


def test_release_before_the_end_date_is_refused_with_every_unmet_condition(world: Any) -> None:
    measure = make_measure(world.hq, world.A.person)
    with pytest.raises(ReleaseBlocked) as caught:
        release_measure(actor=world.hq, measure=measure)
    reasons = " ".join(caught.value.details)
    assert measure.ends_on.isoformat() in reasons
    assert "test" in reasons
    assert Measure.objects.get(pk=measure.pk).status == "active"


def test_release_after_all_phases_with_negative_tests_issues_a_certificate(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=1)
    measure = make_measure(world.hq, world.A.person)
    place_person(actor=world.hq, measure=measure, room=room(site, "101"))
    measure = _age_measure(measure, (measure.ends_on - measure.started_on).days)
    assert measure.ends_on == timezone.localdate()
    _pass_all_tests(world.hq, measure)
    assert unmet_release_conditions(measure) == []
    released = release_measure(actor=world.hq, measure=measure)
    assert released.status == "released"
    assert released.certificate_code
    assert KeyPerson.objects.get(pk=measure.key_person_id).clear_state == "released"
    assert Placement.objects.get(person=world.A.person).ended_at is not None
    assert room(site, "101").status == RoomStatus.CLEANING


def test_a_positive_test_blocks_release_even_early(world: Any) -> None:
    measure = make_measure(world.hq, world.A.person)
    first = measure.tests.order_by("due_on").first()
    assert first is not None
    record_test(actor=world.hq, measure=measure, due_on=first.due_on, sampled_on=first.due_on, outcome="positive")
    with pytest.raises(ReleaseBlocked) as caught:
        release_measure(actor=world.hq, measure=measure, early_reason="上级通知提前解除")
    assert any("positive" in d for d in caught.value.details)


def test_early_release_needs_a_reason_and_waives_the_end_date_and_tests_not_yet_due(world: Any) -> None:
    measure = make_measure(world.hq, world.A.person)
    today = timezone.localdate()
    with pytest.raises(ReleaseBlocked) as caught:
        release_measure(actor=world.hq, measure=measure, early_reason="经专家组评估提前解除")
    # Today's test is due and has no result yet: that still blocks.
    assert any(today.isoformat() in d for d in caught.value.details)
    for test in MeasureTest.objects.filter(measure=measure, due_on__lte=today):
        record_test(actor=world.hq, measure=measure, due_on=test.due_on, sampled_on=today, outcome="negative")
    assert MeasureTest.objects.filter(measure=measure, due_on__gt=today, outcome="").exists()
    released = release_measure(actor=world.hq, measure=measure, early_reason="经专家组评估提前解除")
    assert released.early_release_reason == "经专家组评估提前解除"
    assert released.events.filter(kind="early_release").exists()


def test_extension_moves_the_end_date_and_the_expected_departure(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=1)
    measure = make_measure(world.hq, world.B.person, category="secondary_contact")
    kinds = list(measure.phases.values_list("kind", flat=True))
    ends = measure.ends_on
    if kinds[-1] == "central_quarantine":
        place_person(actor=world.hq, measure=measure, room=room(site, "101"))
    with pytest.raises(ValidationError):
        extend_measure(actor=world.hq, measure=measure, days=3, reason=" ")
    extend_measure(actor=world.hq, measure=measure, days=3, reason="同住人员核酸阳性")
    measure.refresh_from_db()
    assert measure.ends_on == ends + dt.timedelta(days=3)
    if kinds[-1] == "central_quarantine":
        assert Placement.objects.get(measure=measure).expected_end == measure.ends_on
    assert AuditEvent.objects.filter(object_type="quarantine.measure", summary__contains="extended").exists()


def test_leaving_for_home_ends_the_stay_and_marks_the_person_at_home(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=1)
    measure = make_measure(world.hq, world.A.person)
    place_person(actor=world.hq, measure=measure, room=room(site, "101"))
    leave_site(actor=world.hq, measure=measure, reason="转居家隔离", to_home=True)
    measure.refresh_from_db()
    assert measure.at_home
    assert measure.site is None
    assert not Placement.objects.filter(person=world.A.person, ended_at__isnull=True).exists()


def test_a_worker_cannot_place_a_person_of_the_other_jurisdiction(world: Any) -> None:
    site = make_site(world.hq, world.B.street, rooms=1)
    measure = make_measure(world.hq, world.B.person)
    with pytest.raises(PermissionDenied):
        place_person(actor=world.user(Role.COMMUNITY_WORKER, "A"), measure=measure, room=room(site, "101"))


def test_a_report_link_stops_working_when_renewed_or_when_the_measure_ends(world: Any) -> None:
    measure = make_measure(world.hq, world.A.person)
    token = report_link_token(measure)
    assert measure_for_report_token(token) == measure
    with pytest.raises(ReportLinkInvalid, match="not valid"):
        measure_for_report_token(token[:-3] + "abc")
    fresh = renew_report_link(actor=world.hq, measure=measure)
    with pytest.raises(ReportLinkInvalid, match="replaced"):
        measure_for_report_token(token)
    assert measure_for_report_token(fresh) == measure
    Measure.objects.filter(pk=measure.pk).update(status="released")
    with pytest.raises(ReportLinkInvalid, match="expired"):
        measure_for_report_token(fresh)


def test_room_numbers_are_parsed_from_ranges_and_lists() -> None:
    assert parse_room_numbers("101-103, 201、0301~0302") == ["101", "102", "103", "201", "0301", "0302"]
    for bad in ("", "105-101", "101,101", "1-900"):
        with pytest.raises(ValidationError):
            parse_room_numbers(bad)


def test_the_capacity_board_counts_rooms_and_expected_departures(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=3)
    site.free_rooms_warning = 3
    site.save()
    make_site(world.hq, world.A.street, rooms=5, status=SiteStatus.RESERVE, name="备用")
    measure = make_measure(world.hq, world.A.person)
    placement = place_person(actor=world.hq, measure=measure, room=room(site, "101"))
    Room.objects.filter(site=site, number="102").update(status=RoomStatus.CLEANING)
    board = capacity_board(world.hq)
    [cap] = board.sites
    assert (cap.rooms, cap.free, cap.occupied, cap.cleaning) == (3, 1, 1, 1)
    assert cap.low  # 1 free < 3
    assert [r.site.name for r in board.reserve] == ["备用"]
    offset = (placement.expected_end - timezone.localdate()).days
    assert cap.departures[offset] == 1
    assert sum(cap.departures) == 1
    assert board.totals.free == 1
    # The other jurisdiction's street sees none of it.
    assert capacity_board(world.user(Role.STREET_ADMIN, "B")).sites == []


def test_daily_lists_show_who_starts_and_who_changes_phase(world: Any) -> None:
    measure = make_measure(world.hq, world.A.person)
    today = timezone.localdate()
    assert list(daily_rows(world.hq, day=today, kind="start")) == [measure]
    second = measure.phases.get(order=1)
    assert list(daily_rows(world.hq, day=second.starts_on, kind="phase")) == [measure]
    assert list(daily_rows(world.hq, day=measure.ends_on, kind="release")) == [measure]
    summary = daily_summary(world.hq)
    assert summary["by_community"][0][1]["start0"] == 1
    assert list(daily_rows(world.user(Role.COMMUNITY_WORKER, "B"), day=today, kind="start")) == []
