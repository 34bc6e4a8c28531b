from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import override

from fangkong.accounts.models import Role
from fangkong.conftest import World
from fangkong.monitoring.models import (
    AlertKind,
    AlertStatus,
    CareTeamMember,
    Delivery,
    DeliveryStatus,
    HealthAlert,
    HealthReport,
    HomeCare,
    ReportSource,
    Urgency,
)
from fangkong.monitoring.services import (
    AlreadyReported,
    HomeCareInput,
    MemberInput,
    ReportingClosed,
    ReportInput,
    ReportRateLimited,
    add_team_member,
    clean_temperature,
    close_alert,
    correct_report,
    raise_missed_report_alerts,
    request_delivery,
    set_delivery_status,
    submit_self_report,
    update_home_care,
)
from fangkong.monitoring.tasks import sweep
from fangkong.monitoring.tests.factories import at, central_measure, home_measure, report, set_clock
from fangkong.quarantine.models import Measure
from fangkong.quarantine.selectors import unmet_release_conditions
from fangkong.quarantine.services import (
    ReleaseBlocked,
    ReportLinkInvalid,
    leave_site,
    place_person,
    release_measure,
    renew_report_link,
    report_link_token,
)
from fangkong.quarantine.tests.factories import make_site, room
from fangkong.transfers.models import TransferKind, TransferTask

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_and_empty_cache() -> Any:
    cache.clear()
    with override("en"):
        yield
    cache.clear()


def hospital_tasks(measure: Measure) -> list[TransferTask]:
    return list(TransferTask.objects.filter(kind=TransferKind.TO_HOSPITAL, passengers__measure=measure))


# --- home care --------------------------------------------------------------------------------------


def test_a_measure_at_home_gets_a_home_record_for_a_team_of_four(world: World) -> None:
    measure = home_measure(world)
    care = HomeCare.objects.get(measure=measure)
    assert (care.household_id, care.place_path, care.team_size) == (
        measure.person.place_id,
        measure.place_path,
        4,
    )


def test_team_size_default_comes_from_settings(world: World, settings: Any) -> None:
    settings.MONITORING_TEAM_SIZE = 6  # 六包一, as in Laocheng
    assert HomeCare.objects.get(measure=home_measure(world)).team_size == 6


def test_central_quarantine_has_no_home_record_until_the_person_goes_home(world: World) -> None:
    measure = central_measure(world)
    assert not HomeCare.objects.filter(measure=measure).exists()
    site = make_site(world.hq, world.A.street)
    place_person(actor=world.hq, measure=measure, room=room(site, "101"))
    assert not HomeCare.objects.filter(measure=measure).exists()

    leave_site(actor=world.hq, measure=measure, reason="转居家健康监测", to_home=True)

    assert HomeCare.objects.filter(measure=measure, household_id=measure.person.place_id).exists()


def test_team_gaps_phone_check_and_double_entry(world: World) -> None:
    care = HomeCare.objects.get(measure=home_measure(world))
    worker = world.user(Role.GRID_WORKER, "A")
    add_team_member(actor=worker, home_care=care, data=MemberInput(role="cadre", name="王干部", phone="138 1234 5678"))
    assert CareTeamMember.objects.get(home_care=care).phone == "13812345678"

    with pytest.raises(ValidationError) as bad:
        add_team_member(actor=worker, home_care=care, data=MemberInput(role="medic", name="李医生", phone="12345"))
    assert "11 digits" in str(bad.value.message_dict["phone"])
    with pytest.raises(ValidationError) as twice:
        add_team_member(actor=worker, home_care=care, data=MemberInput(role="medic", name="王", phone="13812345678"))
    assert "already on the team" in str(twice.value.message_dict["phone"])
    assert CareTeamMember.objects.filter(home_care=care).count() == 1


def test_other_jurisdiction_cannot_change_the_home_record(world: World) -> None:
    care = HomeCare.objects.get(measure=home_measure(world))
    with pytest.raises(PermissionDenied):
        update_home_care(actor=world.user(Role.COMMUNITY_WORKER, "B"), home_care=care, data=HomeCareInput(team_size=6))
    with pytest.raises(PermissionDenied):
        add_team_member(
            actor=world.user(Role.GRID_WORKER, "B"),
            home_care=care,
            data=MemberInput(role="cadre", name="外人", phone="13812345678"),
        )
    care.refresh_from_db()
    assert care.team_size == 4
    assert not care.team.exists()


def test_door_seal_is_noted_and_removed_when_the_measure_ends(world: World) -> None:
    measure = home_measure(world)
    care = HomeCare.objects.get(measure=measure)
    applied = timezone.now() - dt.timedelta(hours=2)
    update_home_care(
        actor=world.hq,
        home_care=care,
        data=HomeCareInput(team_size=6, seal_applied_at=applied, sensor_id="MC-0042"),
    )
    care.refresh_from_db()
    assert (care.team_size, care.sealed, care.sensor_id) == (6, True, "MC-0042")

    measure.tests.all().delete()
    release_measure(actor=world.hq, measure=measure, early_reason="测试提前解除")

    care.refresh_from_db()
    assert not care.sealed
    assert care.seal_removed_at is not None


def test_a_seal_cannot_be_removed_before_it_was_applied(world: World) -> None:
    care = HomeCare.objects.get(measure=home_measure(world))
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        update_home_care(
            actor=world.hq,
            home_care=care,
            data=HomeCareInput(team_size=4, seal_applied_at=now, seal_removed_at=now - dt.timedelta(hours=1)),
        )
    assert "seal_removed_at" in exc.value.message_dict


def test_delivery_requested_then_delivered_once(world: World) -> None:
    care = HomeCare.objects.get(measure=home_measure(world))
    worker = world.user(Role.GRID_WORKER, "A")
    delivery = request_delivery(actor=worker, home_care=care, items="大米5公斤、蔬菜、降压药")
    done = set_delivery_status(actor=worker, delivery=delivery, status=DeliveryStatus.DELIVERED)
    again = set_delivery_status(actor=worker, delivery=delivery, status=DeliveryStatus.DELIVERED)  # double click
    assert (done.status, done.delivered_by, again.delivered_at) == (DeliveryStatus.DELIVERED, worker, done.delivered_at)
    with pytest.raises(Exception, match="already"):
        set_delivery_status(actor=worker, delivery=delivery, status=DeliveryStatus.CANCELLED)
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED


# --- temperatures ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["33.9", "43.1", "3.65", "365", "-36.5", "abc", "", "NaN", "Infinity"])
def test_a_reading_outside_the_human_range_is_refused(raw: str) -> None:
    with pytest.raises(ValidationError) as exc:
        clean_temperature(raw)
    assert exc.value.message_dict["temperature"]


def test_out_of_range_message_says_it_is_not_a_body_temperature() -> None:
    with pytest.raises(ValidationError) as exc:
        clean_temperature("45")
    assert "not a human body temperature" in exc.value.message_dict["temperature"][0]


@pytest.mark.parametrize(
    ("raw", "value"), [("36.5", "36.5"), ("36,5", "36.5"), ("３６．８", "36.8"), ("37.25", "37.3"), ("34", "34.0")]
)
def test_readings_typed_on_a_phone_are_understood(raw: str, value: str) -> None:
    assert clean_temperature(raw) == Decimal(value)


def test_staff_entry_with_an_impossible_temperature_stores_nothing(world: World) -> None:
    measure = home_measure(world)
    with pytest.raises(ValidationError):
        report(world.hq, measure, temperature="44.0")
    assert not HealthReport.objects.exists()
    assert not HealthAlert.objects.exists()


# --- the personal link --------------------------------------------------------------------------


def test_self_report_through_the_link_in_the_open_window(world: World, monkeypatch: Any) -> None:
    measure = home_measure(world)
    set_clock(monkeypatch, at(8, 30))
    saved = submit_self_report(token=report_link_token(measure), data=ReportInput(temperature="36.6"))
    assert (saved.date, saved.slot, saved.temperature, saved.source, saved.reported_by) == (
        timezone.localdate(),
        "morning",
        Decimal("36.6"),
        ReportSource.SELF,
        None,
    )
    assert not HealthAlert.objects.exists()


def test_second_self_report_in_the_same_slot_is_refused_and_not_stored(world: World, monkeypatch: Any) -> None:
    measure = home_measure(world)
    token = report_link_token(measure)
    set_clock(monkeypatch, at(8, 30))
    submit_self_report(token=token, data=ReportInput(temperature="36.6"))
    set_clock(monkeypatch, at(11, 0))
    with pytest.raises(AlreadyReported, match="already reported this morning"):
        submit_self_report(token=token, data=ReportInput(temperature="38.9"))
    assert list(HealthReport.objects.values_list("temperature", flat=True)) == [Decimal("36.6")]
    assert not HealthAlert.objects.exists()


def test_afternoon_is_a_second_report_of_the_day(world: World, monkeypatch: Any) -> None:
    measure = home_measure(world)
    token = report_link_token(measure)
    set_clock(monkeypatch, at(8, 30))
    submit_self_report(token=token, data=ReportInput(temperature="36.6"))
    set_clock(monkeypatch, at(15, 0))
    submit_self_report(token=token, data=ReportInput(temperature="36.7"))
    assert sorted(HealthReport.objects.values_list("slot", flat=True)) == ["afternoon", "morning"]


def test_outside_the_windows_nothing_is_taken(world: World, monkeypatch: Any) -> None:
    set_clock(monkeypatch, at(22, 0))
    with pytest.raises(ReportingClosed, match="opens at 06:00"):
        submit_self_report(token=report_link_token(home_measure(world)), data=ReportInput(temperature="36.6"))
    assert not HealthReport.objects.exists()


def test_windows_come_from_settings(world: World, monkeypatch: Any, settings: Any) -> None:
    settings.MONITORING_REPORT_WINDOWS = {"morning": ("07:00", "09:00"), "afternoon": ("15:00", "17:00")}
    token = report_link_token(home_measure(world))
    set_clock(monkeypatch, at(10, 0))
    with pytest.raises(ReportingClosed, match="opens at 15:00"):
        submit_self_report(token=token, data=ReportInput(temperature="36.6"))
    set_clock(monkeypatch, at(16, 0))
    assert submit_self_report(token=token, data=ReportInput(temperature="36.6")).slot == "afternoon"


def test_a_renewed_link_stops_working_and_stores_nothing(world: World, monkeypatch: Any) -> None:
    measure = home_measure(world)
    old = report_link_token(measure)
    new = renew_report_link(actor=world.user(Role.GRID_WORKER, "A"), measure=measure)
    set_clock(monkeypatch, at(8, 30))
    with pytest.raises(ReportLinkInvalid, match="replaced by a newer one"):
        submit_self_report(token=old, data=ReportInput(temperature="36.6"))
    assert not HealthReport.objects.exists()
    assert submit_self_report(token=new, data=ReportInput(temperature="36.6")).pk


def test_a_link_of_an_ended_measure_has_expired(world: World, monkeypatch: Any) -> None:
    measure = home_measure(world)
    token = report_link_token(measure)
    measure.tests.all().delete()
    release_measure(actor=world.hq, measure=measure, early_reason="测试提前解除")
    set_clock(monkeypatch, at(8, 30))
    with pytest.raises(ReportLinkInvalid, match="expired"):
        submit_self_report(token=token, data=ReportInput(temperature="36.6"))
    assert not HealthReport.objects.exists()


def test_a_tampered_link_is_refused(world: World, monkeypatch: Any) -> None:
    token = report_link_token(home_measure(world))
    set_clock(monkeypatch, at(8, 30))
    with pytest.raises(ReportLinkInvalid, match="not valid"):
        submit_self_report(token=token[:-2] + "xx", data=ReportInput(temperature="36.6"))
    assert not HealthReport.objects.exists()


def test_self_reports_are_rate_limited_per_link(world: World, monkeypatch: Any, settings: Any) -> None:
    settings.MONITORING_REPORTS_PER_LINK_PER_HOUR = 3
    token = report_link_token(home_measure(world))
    set_clock(monkeypatch, at(8, 30))
    for _n in range(3):
        with pytest.raises(ValidationError):
            submit_self_report(token=token, data=ReportInput(temperature="99"))
    with pytest.raises(ReportRateLimited):
        submit_self_report(token=token, data=ReportInput(temperature="36.6"))
    assert not HealthReport.objects.exists()


# --- staff entry and correction ---------------------------------------------------------------------


def test_staff_cannot_report_a_slot_twice_but_may_correct_it(world: World) -> None:
    measure = home_measure(world)
    medic = world.user(Role.SITE_STAFF, "A")
    first = report(medic, measure, temperature="36.4")
    with pytest.raises(AlreadyReported, match="already exists"):
        report(medic, measure, temperature="36.9")
    assert HealthReport.objects.count() == 1

    corrected = correct_report(actor=medic, report=first, data=ReportInput(temperature="36.6"))

    assert (corrected.temperature, corrected.corrected_by) == (Decimal("36.6"), medic)


def test_staff_cannot_report_a_window_that_has_not_opened(world: World) -> None:
    from fangkong.monitoring.services import record_report

    measure = home_measure(world)
    with pytest.raises(ValidationError) as exc:
        record_report(
            actor=world.hq,
            measure=measure,
            data=ReportInput(temperature="36.5", date=timezone.localdate(), slot="afternoon"),
            now=at(9),
        )
    assert "not opened yet" in str(exc.value)
    with pytest.raises(ValidationError):
        report(world.hq, measure, day=timezone.localdate() - dt.timedelta(days=1))  # before the measure
    assert not HealthReport.objects.exists()


def test_staff_of_another_jurisdiction_cannot_enter_a_report(world: World) -> None:
    with pytest.raises(PermissionDenied):
        report(world.user(Role.SITE_STAFF, "B"), home_measure(world))
    assert not HealthReport.objects.exists()


# --- fever and symptoms -----------------------------------------------------------------------------


def test_fever_raises_an_urgent_alert_and_a_hospital_transfer(world: World, monkeypatch: Any) -> None:
    measure = home_measure(world)
    set_clock(monkeypatch, at(8, 30))
    submit_self_report(token=report_link_token(measure), data=ReportInput(temperature="37.3"))

    alert = HealthAlert.objects.get(measure=measure)
    assert (alert.kind, alert.urgency, alert.status, alert.slot) == (
        AlertKind.FEVER,
        Urgency.URGENT,
        AlertStatus.OPEN,
        "morning",
    )
    tasks = hospital_tasks(measure)
    assert len(tasks) == 1
    assert "37.3" in tasks[0].reason
    assert f"#{tasks[0].pk}" in alert.detail


def test_symptoms_without_fever_raise_an_urgent_alert_and_a_hospital_transfer(world: World) -> None:
    measure = home_measure(world)
    report(world.user(Role.GRID_WORKER, "A"), measure, temperature="36.8", symptoms=["cough", "taste_smell"])
    alert = HealthAlert.objects.get(measure=measure)
    assert (alert.kind, alert.urgency) == (AlertKind.SYMPTOMS, Urgency.URGENT)
    assert "Cough" in alert.detail
    assert len(hospital_tasks(measure)) == 1


def test_fever_and_symptoms_give_two_alerts_and_one_transfer(world: World) -> None:
    measure = home_measure(world)
    report(world.hq, measure, temperature="38.6", symptoms=["cough"])
    assert sorted(HealthAlert.objects.values_list("kind", flat=True)) == ["fever", "symptoms"]
    assert len(hospital_tasks(measure)) == 1


def test_a_normal_report_raises_nothing(world: World) -> None:
    measure = home_measure(world)
    report(world.hq, measure, temperature="37.2")
    assert not HealthAlert.objects.exists()
    assert hospital_tasks(measure) == []


def test_a_correction_to_fever_raises_the_alert(world: World) -> None:
    measure = home_measure(world)
    first = report(world.hq, measure, temperature="36.5")
    correct_report(actor=world.hq, report=first, data=ReportInput(temperature="38.1"))
    assert HealthAlert.objects.get(measure=measure).kind == AlertKind.FEVER
    assert len(hospital_tasks(measure)) == 1


def test_fever_alert_goes_to_the_responsible_worker(world: World) -> None:
    from fangkong.screening.models import KeyPerson

    measure = home_measure(world)
    worker = world.user(Role.GRID_WORKER, "A")
    KeyPerson.objects.filter(pk=measure.key_person_id).update(worker=worker)
    report(world.hq, measure, temperature="38.0")
    assert HealthAlert.objects.get().assigned_to == worker


# --- missed reports -----------------------------------------------------------------------------------


def test_missed_report_sweep_is_idempotent(world: World) -> None:
    quiet = home_measure(world, days_ago=2)
    reported = home_measure(world, days_ago=2)
    report(world.hq, reported, slot="morning")

    first = raise_missed_report_alerts(now=at(12, 5))
    again = raise_missed_report_alerts(now=at(12, 30))

    today = timezone.localdate()
    missed = HealthAlert.objects.filter(kind=AlertKind.MISSED_REPORT, date=today, slot="morning")
    assert list(missed.values_list("measure_id", "urgency", "status")) == [(quiet.pk, "normal", "open")]
    # Yesterday's two windows are caught up too, for both persons.
    assert first == 1 + 4
    assert again == 0
    assert HealthAlert.objects.count() == 5


def test_no_missed_report_before_the_window_closes_or_for_a_measure_opened_during_it(world: World) -> None:
    early = home_measure(world)
    during = home_measure(world)
    Measure.objects.filter(pk=early.pk).update(created_at=at(5))
    Measure.objects.filter(pk=during.pk).update(created_at=at(9))

    assert raise_missed_report_alerts(now=at(11, 59)) == 0
    assert raise_missed_report_alerts(now=at(12, 5)) == 1
    assert HealthAlert.objects.get().measure_id == early.pk


def test_a_measure_begun_on_an_earlier_day_is_expected_whenever_it_was_recorded(world: World) -> None:
    measure = home_measure(world)
    # Recorded today (as the demo loader does), but under the measure since the day before yesterday.
    Measure.objects.filter(pk=measure.pk).update(started_on=timezone.localdate() - dt.timedelta(days=2))
    assert raise_missed_report_alerts(now=at(12, 5)) == 3  # yesterday's two windows, today's morning


def test_a_late_report_closes_the_missed_report_alert(world: World) -> None:
    measure = home_measure(world, days_ago=1)
    raise_missed_report_alerts(now=at(12, 5))
    report(world.hq, measure, slot="morning", temperature="36.5")
    alert = HealthAlert.objects.get(measure=measure, date=timezone.localdate(), slot="morning")
    assert alert.status == AlertStatus.CLOSED
    assert "late" in alert.close_note


def test_released_measures_are_not_swept(world: World) -> None:
    measure = home_measure(world, days_ago=2)
    Measure.objects.filter(pk=measure.pk).update(status="released")
    assert raise_missed_report_alerts(now=at(12, 5)) == 0


def test_sweep_runs_from_the_command_and_the_task(world: World) -> None:
    home_measure(world, days_ago=3)
    call_command("monitoring_sweep", "--at", at(21).strftime("%Y-%m-%dT%H:%M"))
    assert HealthAlert.objects.filter(kind=AlertKind.MISSED_REPORT).count() == 4  # yesterday's and today's
    assert sweep.apply().get() == 0  # nothing new: idempotent


# --- alerts and release -------------------------------------------------------------------------------


def test_an_open_alert_blocks_release_until_closed(world: World) -> None:
    measure = home_measure(world)
    measure.tests.all().delete()
    report(world.hq, measure, temperature="38.2")
    day = timezone.localdate().isoformat()

    with pytest.raises(ReleaseBlocked) as blocked:
        release_measure(actor=world.hq, measure=measure, early_reason="测试提前解除")
    assert f"Open alert: fever on {day} morning." in blocked.value.details

    close_alert(actor=world.user(Role.COMMUNITY_WORKER, "A"), alert=HealthAlert.objects.get(), note="复测36.8，排除")
    assert not any("Open alert" in s for s in unmet_release_conditions(measure, waive_end_date=True))


def test_closing_needs_a_note_and_happens_once(world: World) -> None:
    measure = home_measure(world)
    report(world.hq, measure, temperature="38.2")
    alert = HealthAlert.objects.get()
    worker = world.user(Role.COMMUNITY_WORKER, "A")
    with pytest.raises(ValidationError):
        close_alert(actor=worker, alert=alert, note="  ")
    close_alert(actor=worker, alert=alert, note="已送医")
    with pytest.raises(Exception, match="already closed"):
        close_alert(actor=worker, alert=alert, note="again")
    alert.refresh_from_db()
    assert (alert.status, alert.closed_by, alert.close_note) == (AlertStatus.CLOSED, worker, "已送医")


def test_other_jurisdiction_cannot_close_an_alert(world: World) -> None:
    report(world.hq, home_measure(world), temperature="38.2")
    with pytest.raises(PermissionDenied):
        close_alert(actor=world.user(Role.COMMUNITY_WORKER, "B"), alert=HealthAlert.objects.get(), note="x")
    assert HealthAlert.objects.get().status == AlertStatus.OPEN
