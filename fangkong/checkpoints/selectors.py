"""Every read of checkpoints, registrations and alerts, each through scope_to_user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from fangkong.checkpoints.colocation import (  # noqa: F401 - the co-location search, read through here
    COLOCATION_LIMIT,
    CoLocated,
    colocated_at_checkpoint,
    colocated_with_person,
)
from fangkong.checkpoints.models import (
    Alert,
    Checkpoint,
    CheckpointStatus,
    DailyReport,
    KitCheck,
    KitItem,
    Registration,
    Shift,
)
from fangkong.core.scoping import scope_to_user
from fangkong.core.validators import normalize_document_number, parse_phone, parse_resident_id
from fangkong.people.models import DocumentType, Person
from fangkong.places.models import Place
from fangkong.protocols.models import MeasureKind
from fangkong.screening.models import ClearState, KeyPerson

# A nucleic-acid result older than this is overdue at the gate (the protocol's 72-hour rule).
TEST_VALID_FOR = dt.timedelta(hours=72)

MEASURES_UNDER_CONTROL = (MeasureKind.CENTRAL_QUARANTINE, MeasureKind.HOME_QUARANTINE, MeasureKind.HOME_MONITORING)


# --- who is this person -------------------------------------------------------------------------


def find_person(*, document_type: str, document_number: str, phone: str) -> Person | None:
    """The registered person behind a validated ID number (else a unique phone), following merges."""
    person = None
    if document_number:
        person = Person.objects.filter(document_type=document_type, document_number=document_number).first()
    elif phone:
        matches = list(Person.objects.filter(phone=phone, merged_into__isnull=True)[:2])
        # A phone shared by a family says nothing about who is at the gate.
        person = matches[0] if len(matches) == 1 else None
    if person is not None and person.merged_into_id:
        person = Person.objects.filter(pk=person.merged_into_id).first()
    return person


def open_key_person(person: Person | None) -> KeyPerson | None:
    if person is None:
        return None
    return KeyPerson.objects.filter(person=person).exclude(clear_state=ClearState.RELEASED).first()


def checkpoints_for(
    user: Any, *, place: Place | None = None, type: str = "", status: str = "", q: str = ""
) -> QuerySet[Checkpoint]:
    qs = scope_to_user(Checkpoint.objects.all(), user)
    if place is not None:
        qs = qs.filter(place_path__startswith=place.path)
    if type:
        qs = qs.filter(type=type)
    if status:
        qs = qs.filter(status=status)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(location__contains=q))
    return qs.order_by("id")


def get_checkpoint_for_user(user: Any, pk: int) -> Checkpoint:
    # Outside the user's jurisdiction is indistinguishable from not existing.
    return get_object_or_404(scope_to_user(Checkpoint.objects.select_related("place"), user), pk=pk)


def checkpoint_for_check_in(pk: int) -> Checkpoint:
    """A venue's public check-in page: the checkpoint its signed token names, whoever asks (no jurisdiction)."""
    return get_object_or_404(Checkpoint.objects.select_related("place"), pk=pk)


def get_shift(checkpoint: Checkpoint, pk: int) -> Shift:
    """A shift of a checkpoint the caller already holds (found through get_checkpoint_for_user)."""
    return get_object_or_404(Shift.objects.select_related("checkpoint"), pk=pk, checkpoint=checkpoint)


def get_alert_for_user(user: Any, pk: int) -> Alert:
    return get_object_or_404(
        scope_to_user(Alert.objects.select_related("registration", "checkpoint", "key_person"), user), pk=pk
    )


def registrations_for(
    user: Any,
    *,
    checkpoint: Checkpoint | None = None,
    place: Place | None = None,
    direction: str = "",
    abnormal: bool | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[Registration]:
    qs = scope_to_user(Registration.objects.all(), user)
    if checkpoint is not None:
        qs = qs.filter(checkpoint=checkpoint)
    if place is not None:
        qs = qs.filter(place_path__startswith=place.path)
    if direction:
        qs = qs.filter(direction=direction)
    if abnormal is not None:
        qs = qs.filter(is_abnormal=abnormal)
    if since is not None:
        qs = qs.filter(occurred_at__gte=since)
    if until is not None:
        qs = qs.filter(occurred_at__lt=until)
    return qs.order_by("-occurred_at", "-id")


def alerts_for(user: Any, *, handled: bool | None = None, checkpoint: Checkpoint | None = None) -> QuerySet[Alert]:
    qs = scope_to_user(Alert.objects.select_related("registration", "checkpoint"), user)
    if handled is not None:
        qs = qs.filter(handled_at__isnull=not handled)
    if checkpoint is not None:
        qs = qs.filter(checkpoint=checkpoint)
    return qs.order_by("-created_at", "-id")


def kit_of(checkpoint: Checkpoint) -> list[dict[str, Any]]:
    """Every kit item, present or missing (an item never ticked counts as missing)."""
    present = dict(KitCheck.objects.filter(checkpoint=checkpoint).values_list("item", "present"))
    return [{"item": value, "label": label, "present": present.get(value, False)} for value, label in KitItem.choices]


@dataclass
class Roster:
    shifts: list[Shift]
    on_duty: list[Shift]
    gaps: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)


def roster(checkpoint: Checkpoint, *, now: dt.datetime | None = None, hours: int = 24) -> Roster:
    """The next `hours` of shifts, who is on duty now, and the stretches no primary shift covers."""
    now = now or timezone.now()
    end = now + dt.timedelta(hours=hours)
    shifts = list(
        Shift.objects.filter(checkpoint=checkpoint, starts_at__lt=end, ends_at__gt=now).order_by(
            "starts_at", "is_backup", "id"
        )
    )
    on_duty = [s for s in shifts if s.starts_at <= now < s.ends_at]
    gaps: list[tuple[dt.datetime, dt.datetime]] = []
    covered_until = now
    for shift in (s for s in shifts if not s.is_backup):
        if shift.starts_at > covered_until:
            gaps.append((covered_until, shift.starts_at))
        covered_until = max(covered_until, shift.ends_at)
    if covered_until < end:
        gaps.append((covered_until, end))
    return Roster(shifts, on_duty, gaps)


# --- the gate's status lookup -------------------------------------------------------------------


@dataclass
class GateStatus:
    query: str
    person: Person | None = None
    key_person: Any = None
    under_measure: bool = False
    risk_returnee: bool = False
    test_overdue: bool = False
    latest_test_on: dt.date | None = None
    last_registration: Registration | None = None
    error: str = ""

    @property
    def regular(self) -> bool:
        """Nothing to worry about: a few taps are enough to let them pass."""
        return self.person is not None and self.key_person is None and not self.test_overdue


def parse_lookup(raw: str) -> tuple[str, str, str]:
    """(document type, document number, phone) from what the gate typed or scanned; raises ValidationError."""
    value = (raw or "").strip()
    digits = normalize_document_number(value)
    if len(digits) == 11 and digits.isdigit():
        return "", "", parse_phone(digits)
    if len(digits) in (15, 18):
        return "resident_id", parse_resident_id(digits).number, ""
    if 5 <= len(digits) <= 20 and digits.isalnum() and not digits.isdigit():
        return "passport", digits, ""
    return "resident_id", parse_resident_id(digits).number, ""


def gate_status(raw: str, *, now: dt.datetime | None = None) -> GateStatus:
    """What the gate must know about the person in front of it, from an ID number or a phone."""
    from django.core.exceptions import ValidationError

    now = now or timezone.now()
    status = GateStatus(query=raw)
    try:
        document_type, number, phone = parse_lookup(raw)
    except ValidationError as exc:
        status.error = " ".join(exc.messages)
        return status
    person = find_person(document_type=document_type, document_number=number, phone=phone)
    if person is None and number:
        # A passport, a Hong Kong/Macau permit or another document: the gate typed the number, not its kind.
        for other_type in DocumentType.values:
            if other_type not in (document_type, DocumentType.RESIDENT_ID) and person is None:
                person = find_person(document_type=other_type, document_number=number, phone="")
    status.person = person
    if person is None:
        return status
    kp = open_key_person(person)
    status.key_person = kp
    if kp is not None:
        status.under_measure = kp.measure_kind in MEASURES_UNDER_CONTROL
        status.risk_returnee = bool(kp.risk_level) or kp.travels.filter(risk_area__isnull=False).exists()
    # The last passage, and the test date of the latest passage that reported one, in one round trip; both walk
    # the (person, occurred_at) index backwards and stop at the first row.
    newest_test = (
        Registration.objects.filter(person=person, latest_test_on__isnull=False)
        .order_by("-occurred_at")
        .values("latest_test_on")[:1]
    )
    last = (
        Registration.objects.filter(person=person)
        .select_related("checkpoint")
        .order_by("-occurred_at")
        .only("occurred_at", "direction", "checkpoint__name", "latest_test_on", "health_code", "vaccination")
        .annotate(newest_test=Subquery(newest_test))
        .first()
    )
    status.last_registration = last
    tested = last.newest_test if last is not None else None
    status.latest_test_on = tested
    status.test_overdue = tested is None or tested < timezone.localdate(now - TEST_VALID_FOR)
    return status


# --- the daily numbers shown on the checkpoint page ---------------------------------------------


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def day_counts(checkpoint: Checkpoint, day: dt.date) -> dict[str, int]:
    """卡点日报 figures of one checkpoint and day, each counted in one aggregate query."""
    start, end = _day_bounds(day)
    passages = Registration.objects.filter(checkpoint=checkpoint, occurred_at__gte=start, occurred_at__lt=end)
    counts = passages.aggregate(
        total=Count("id"),
        inbound=Count("id", filter=Q(direction="in")),
        outbound=Count("id", filter=Q(direction="out")),
        abnormal=Count("id", filter=Q(is_abnormal=True)),
        vehicles=Count("id", filter=~Q(vehicle_plate="")),
    )
    # A day's alerts are few; their reasons (a JSON list) are read rather than matched in SQL, which
    # SQLite cannot do.
    day_alerts = list(Alert.objects.filter(registration__in=passages).values_list("reasons", "handled_at"))
    alerts = {
        "handled": sum(1 for _reasons, handled in day_alerts if handled is not None),
        "returnees": sum(1 for reasons, _handled in day_alerts if "risk_area_returnee" in reasons),
    }

    controlled = KeyPerson.objects.exclude(clear_state=ClearState.RELEASED).filter(
        measure_kind__in=MEASURES_UNDER_CONTROL
    )
    counts["controlled_passed"] = (
        passages.filter(person_id__in=controlled.values("person_id")).values("person_id").distinct().count()
    )
    counts["abnormal_handled"] = alerts["handled"]
    counts["risk_returnees"] = alerts["returnees"]
    return {k: v or 0 for k, v in counts.items()}


REPORT_FIGURES = (
    "total",
    "inbound",
    "outbound",
    "vehicles",
    "abnormal",
    "abnormal_handled",
    "risk_returnees",
    "controlled_passed",
)


@dataclass
class RollupRow:
    checkpoint: Checkpoint
    report: DailyReport | None


def daily_rollup(user: Any, *, day: dt.date, place: Place | None = None) -> tuple[list[RollupRow], dict[str, int]]:
    """Every checkpoint of the jurisdiction for one day, with its submitted report (or none yet) and the sums."""
    checkpoints = list(checkpoints_for(user, place=place).select_related("place"))
    reports = {
        r.checkpoint_id: r
        for r in scope_to_user(DailyReport.objects.filter(day=day), user).filter(
            checkpoint_id__in=[c.pk for c in checkpoints]
        )
    }
    rows = [RollupRow(c, reports.get(c.pk)) for c in checkpoints]
    totals = {name: sum(int(r.figures.get(name, 0)) for r in reports.values()) for name in REPORT_FIGURES}
    totals["submitted"] = len(reports)
    totals["checkpoints"] = len(checkpoints)
    return rows, totals


def street_names(paths: list[str]) -> dict[str, str]:
    """Street name by street path prefix, for the roll-up's grouping (the district's own rows keep "")."""
    prefixes = {p[: 2 * Place.steplen] for p in paths if len(p) >= 2 * Place.steplen}
    return dict(Place.objects.filter(path__in=prefixes).values_list("path", "name"))


def submitted_report(checkpoint: Checkpoint, day: dt.date) -> DailyReport | None:
    return DailyReport.objects.filter(checkpoint=checkpoint, day=day).select_related("submitted_by").first()


@dataclass
class GateToday:
    """A checkpoint on its staff's landing: today's passages, open alerts and who is on duty."""

    checkpoint: Checkpoint
    passages: int = 0
    abnormal: int = 0
    open_alerts: int = 0
    on_duty: list[Shift] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)  # the first few open ones


def gates_today(user: Any, *, limit: int = 5, now: dt.datetime | None = None) -> list[GateToday]:
    """The open checkpoints of the user's jurisdiction with today's figures: three grouped queries in all."""
    now = now or timezone.now()
    gates = {cp.pk: GateToday(cp) for cp in checkpoints_for(user, status=CheckpointStatus.OPEN)[:limit]}
    start, end = _day_bounds(timezone.localdate(now))
    rows = (
        Registration.objects.filter(checkpoint_id__in=gates, occurred_at__gte=start, occurred_at__lt=end)
        .values("checkpoint_id")
        .annotate(n=Count("id"), abnormal=Count("id", filter=Q(is_abnormal=True)))
    )
    for row in rows:
        gates[row["checkpoint_id"]].passages = row["n"]
        gates[row["checkpoint_id"]].abnormal = row["abnormal"]
    open_alerts = (
        alerts_for(user, handled=False)
        .filter(checkpoint_id__in=gates)
        .order_by()
        .values("checkpoint_id")
        .annotate(n=Count("id"))
    )
    for row in open_alerts:
        gates[row["checkpoint_id"]].open_alerts = row["n"]
    for shift in Shift.objects.filter(checkpoint_id__in=gates, starts_at__lte=now, ends_at__gt=now):
        gates[shift.checkpoint_id].on_duty.append(shift)
    return list(gates.values())
