"""Every write of monitoring: home-care records, care teams, deliveries, health reports and alerts."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.core.errors import Conflict
from fangkong.core.masking import mask_phone
from fangkong.core.ratelimit import over_ip_limit, over_limit
from fangkong.core.scoping import require_jurisdiction
from fangkong.core.validators import clean_free_text, parse_phone, to_halfwidth
from fangkong.monitoring import slots
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
    Slot,
    Symptom,
    TeamRole,
    Urgency,
)
from fangkong.protocols.selectors import body_temperature
from fangkong.quarantine.models import Measure, MeasureStatus

logger = logging.getLogger(__name__)

MAX_TEAM = 12


class AlreadyReported(Conflict):
    pass


class ReportingClosed(Conflict):
    pass


class ReportRateLimited(Exception):
    """Too many reports through one link or from one address in the last hour."""


def _is_user(actor: Any) -> bool:
    return actor is not None and bool(getattr(actor, "is_authenticated", False))


def default_team_size() -> int:
    return int(getattr(settings, "MONITORING_TEAM_SIZE", 4))


# --- home care ---------------------------------------------------------------------------------


def ensure_home_care(measure: Measure) -> HomeCare:
    """The home record of a measure whose person is at home; made once, kept when they move again."""
    existing = HomeCare.objects.filter(measure=measure).first()
    if existing is not None:
        return existing
    household_id = Measure.objects.filter(pk=measure.pk).values_list("person__place_id", flat=True).get()
    try:
        with transaction.atomic():
            return HomeCare.objects.create(
                measure=measure,
                household_id=household_id,
                place_path=measure.place_path,
                team_size=default_team_size(),
            )
    except IntegrityError:
        return HomeCare.objects.get(measure=measure)


@dataclass
class HomeCareInput:
    team_size: int
    seal_applied_at: dt.datetime | None = None
    seal_removed_at: dt.datetime | None = None
    sensor_id: str = ""
    sensor_notes: str = ""


@transaction.atomic
def update_home_care(
    *, actor: Any, home_care: HomeCare, data: HomeCareInput, request: HttpRequest | None = None
) -> HomeCare:
    """Team size, door seal and sensor: what the community notes when it sets up home quarantine."""
    require_jurisdiction(actor, home_care.place_path)
    care = HomeCare.objects.select_for_update().get(pk=home_care.pk)
    errors: dict[str, list[str]] = {}
    if not 1 <= data.team_size <= MAX_TEAM:
        errors["team_size"] = [_("A care team has 1 to %(n)d members.") % {"n": MAX_TEAM}]
    now = timezone.now() + dt.timedelta(minutes=5)
    for name in ("seal_applied_at", "seal_removed_at"):
        value = getattr(data, name)
        if value is not None and value > now:
            errors[name] = [_("This time lies in the future.")]
    if data.seal_removed_at is not None and data.seal_applied_at is None:
        errors["seal_removed_at"] = [_("A seal can only be removed after it was applied.")]
    elif data.seal_removed_at and data.seal_applied_at and data.seal_removed_at < data.seal_applied_at:
        errors["seal_removed_at"] = [_("The seal was removed before it was applied.")]
    sensor_id = clean_free_text(data.sensor_id, "sensor_id", limit=40)
    sensor_notes = clean_free_text(data.sensor_notes, "sensor_notes", limit=200)
    if errors:
        raise ValidationError(errors)
    before = {
        "team_size": care.team_size,
        "sealed": care.sealed,
        "sensor_id": care.sensor_id,
    }
    care.team_size = data.team_size
    care.seal_applied_at = data.seal_applied_at
    care.seal_removed_at = data.seal_removed_at
    care.sensor_id = sensor_id
    care.sensor_notes = sensor_notes
    care.save()
    after = {"team_size": care.team_size, "sealed": care.sealed, "sensor_id": care.sensor_id}
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=care,
        summary=say(gettext_lazy("Home care of measure %(measure)s updated"), measure=care.measure_id),
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
        request=request,
    )
    return care


@dataclass
class MemberInput:
    role: str
    name: str
    phone: str
    duty: str = ""
    user: Any = None


@transaction.atomic
def add_team_member(
    *, actor: Any, home_care: HomeCare, data: MemberInput, request: HttpRequest | None = None
) -> CareTeamMember:
    require_jurisdiction(actor, home_care.place_path)
    care = HomeCare.objects.select_for_update().get(pk=home_care.pk)
    errors: dict[str, list[str]] = {}
    if data.role not in TeamRole.values:
        errors["role"] = [_("Choose a role.")]
    name = clean_free_text(data.name, "name", required=True, limit=50)
    duty = clean_free_text(data.duty, "duty", limit=50)
    phone = ""
    try:
        phone = parse_phone(data.phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    if phone and CareTeamMember.objects.filter(home_care=care, phone=phone).exists():
        errors["phone"] = [_("Someone with this phone number is already on the team.")]
    if CareTeamMember.objects.filter(home_care=care).count() >= MAX_TEAM:
        errors["__all__"] = [_("A care team has at most %(n)d members.") % {"n": MAX_TEAM}]
    if errors:
        raise ValidationError(errors)
    member = CareTeamMember.objects.create(
        home_care=care, role=data.role, name=name, phone=phone, duty=duty, user=data.user
    )
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=member,
        summary=say(
            gettext_lazy("Care team of measure %(measure)s: %(role)s %(phone)s added"),
            measure=care.measure_id,
            role=dict(TeamRole.choices).get(data.role, data.role),
            phone=mask_phone(phone),
        ),
        request=request,
    )
    return member


@transaction.atomic
def remove_team_member(*, actor: Any, member: CareTeamMember, request: HttpRequest | None = None) -> None:
    require_jurisdiction(actor, member.home_care.place_path)
    summary = say(
        gettext_lazy("Care team of measure %(measure)s: %(role)s %(phone)s removed"),
        measure=member.home_care.measure_id,
        role=dict(TeamRole.choices).get(member.role, member.role),
        phone=mask_phone(member.phone),
    )
    record(actor=actor, action=AuditAction.DELETE, obj=member, summary=summary, request=request)
    member.delete()


@transaction.atomic
def request_delivery(
    *, actor: Any, home_care: HomeCare, items: str, note: str = "", request: HttpRequest | None = None
) -> Delivery:
    require_jurisdiction(actor, home_care.place_path)
    items = clean_free_text(items, "items", required=True, limit=300)
    note = clean_free_text(note, "note", limit=200)
    delivery = Delivery.objects.create(
        home_care=home_care, items=items, note=note, requested_at=timezone.now(), requested_by=actor
    )
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=delivery,
        summary=say(gettext_lazy("Delivery requested for measure %(measure)s"), measure=home_care.measure_id),
        request=request,
    )
    return delivery


@transaction.atomic
def set_delivery_status(
    *, actor: Any, delivery: Delivery, status: str, note: str = "", request: HttpRequest | None = None
) -> Delivery:
    """Delivered to the door, or cancelled; a closed delivery stays as it is."""
    require_jurisdiction(actor, delivery.home_care.place_path)
    locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if status not in (DeliveryStatus.DELIVERED, DeliveryStatus.CANCELLED):
        raise ValidationError({"status": [_("Mark a delivery as delivered or cancelled.")]})
    if locked.status != DeliveryStatus.REQUESTED:
        if locked.status == status:
            return locked  # a double click
        raise Conflict(_("This delivery is already %(status)s.") % {"status": locked.get_status_display()})
    note = clean_free_text(note, "note", limit=200)
    locked.status = status
    if note:
        locked.note = note
    if status == DeliveryStatus.DELIVERED:
        locked.delivered_at = timezone.now()
        locked.delivered_by = actor
    locked.save()
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        summary=say(
            gettext_lazy("Delivery %(id)s: %(status)s"),
            id=locked.pk,
            status=dict(DeliveryStatus.choices).get(status, status),
        ),
        changes={"status": [DeliveryStatus.REQUESTED, status]},
        request=request,
    )
    return locked


# --- health reports ----------------------------------------------------------------------------


def clean_temperature(raw: Any, *, measure: Measure | None = None) -> Decimal:
    """'36.5', '36,5', '３６．５' or a number → Decimal('36.5'); outside the protocol's range is refused.

    The range is the report range of the protocol the measure's district works by (34.0–43.0 by default).
    """
    text = to_halfwidth(str(raw if raw is not None else "")).strip().replace(",", ".").removesuffix("℃").strip()
    if not text:
        raise ValidationError({"temperature": [_("Enter the temperature.")]})
    try:
        value = Decimal(text).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ValidationError({"temperature": [_("Enter the temperature as a number, e.g. 36.5.")]}) from None
    low, high = body_temperature(measure.place_path if measure else None).report_range
    if not value.is_finite() or not low <= value <= high:
        raise ValidationError(
            {
                "temperature": [
                    _("%(value)s °C is not a human body temperature (%(low)s–%(high)s °C); please measure again.")
                    % {"value": text[:8], "low": low, "high": high}
                ]
            }
        )
    return value


def clean_symptoms(codes: list[str] | None, other: str = "") -> tuple[list[str], str]:
    chosen = list(dict.fromkeys(codes or []))
    unknown = [c for c in chosen if c not in Symptom.values]
    if unknown:
        raise ValidationError({"symptoms": [_("Unknown symptom: %(code)s.") % {"code": ", ".join(unknown)[:60]}]})
    other = clean_free_text(other, "other_symptom", limit=100)
    if other and Symptom.OTHER not in chosen:
        chosen.append(Symptom.OTHER)
    return chosen, other


@dataclass
class ReportInput:
    temperature: Any
    symptoms: list[str] = field(default_factory=list)
    other_symptom: str = ""
    date: dt.date | None = None
    slot: str = ""


def _slot_words(day: dt.date, slot: str) -> dict[str, str]:
    return {"date": day.isoformat(), "slot": str(Slot(slot).label).lower()}


def check_report_rate(*, measure_id: int, request: HttpRequest | None) -> None:
    """Per-link and per-address limits on the public report page (no CAPTCHA on a slow phone), counted in
    the shared cache (fangkong.core.ratelimit)."""
    per_link = int(getattr(settings, "MONITORING_REPORTS_PER_LINK_PER_HOUR", 10))
    per_ip = int(getattr(settings, "MONITORING_REPORTS_PER_IP_PER_HOUR", 60))
    if over_limit(request, group="monitoring:link", key=f"measure:{measure_id}", rate=f"{per_link}/h"):
        raise ReportRateLimited
    if over_ip_limit(request, group="monitoring:ip", rate=f"{per_ip}/h"):
        raise ReportRateLimited


@transaction.atomic
def submit_self_report(
    *, token: str, data: ReportInput, now: dt.datetime | None = None, request: HttpRequest | None = None
) -> HealthReport:
    """The person's own report through their link, for the window open now. Nothing is stored when
    the link is invalid, renewed or expired (ReportLinkInvalid), outside the windows, or twice a slot."""
    from fangkong.quarantine.services import measure_for_report_token

    measure = measure_for_report_token(token)
    check_report_rate(measure_id=measure.pk, request=request)
    current = slots.local(now)
    window = slots.open_window(current)
    if window is None:
        day, upcoming = slots.next_window(current)
        raise ReportingClosed(
            _("Reports are taken %(windows)s. The next window opens at %(time)s.")
            % {
                "windows": _windows_text(),
                "time": upcoming.starts.strftime("%H:%M"),
            }
        )
    day = current.date()
    if day < measure.started_on:
        raise ReportingClosed(_("Your measure starts on %(date)s.") % {"date": measure.started_on.isoformat()})
    temperature = clean_temperature(data.temperature, measure=measure)
    symptoms, other = clean_symptoms(data.symptoms, data.other_symptom)
    if HealthReport.objects.filter(measure=measure, date=day, slot=window.slot).exists():
        raise AlreadyReported(_already_self(window.slot))
    report = _store(
        measure=measure,
        day=day,
        slot=window.slot,
        temperature=temperature,
        symptoms=symptoms,
        other=other,
        source=ReportSource.SELF,
        actor=None,
        duplicate_message=_already_self(window.slot),
    )
    record(
        actor=None,
        action=AuditAction.CREATE,
        obj=report,
        summary=say(gettext_lazy("Health report of measure %(measure)s by the personal link"), measure=measure.pk),
        request=request,
    )
    return report


def _already_self(slot: str) -> str:
    if slot == Slot.MORNING:
        return _("You have already reported this morning. Thank you; the next report is due this afternoon.")
    return _("You have already reported this afternoon. Thank you; the next report is due tomorrow morning.")


def _windows_text() -> str:
    return ", ".join(f"{w.starts:%H:%M}–{w.ends:%H:%M}" for w in slots.windows())


@transaction.atomic
def record_report(
    *,
    actor: Any,
    measure: Measure,
    data: ReportInput,
    source: str = "",
    now: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> HealthReport:
    """Staff entry (the site medic or the care team), for a slot of a day of the measure."""
    require_jurisdiction(actor, measure.place_path)
    now = now or slots.current_time()
    today = slots.local(now).date()
    errors: dict[str, list[str]] = {}
    day = data.date or today
    slot = data.slot or slots.current_slot(now)[1]
    if slot not in Slot.values:
        errors["slot"] = [_("Choose morning or afternoon.")]
    elif day > today or not slots.has_opened(day, slot, now):
        errors["slot" if day == today else "date"] = [_("This report window has not opened yet.")]
    elif day < measure.started_on:
        errors["date"] = [_("The measure starts on %(date)s.") % {"date": measure.started_on.isoformat()}]
    elif day > measure.ends_on:
        errors["date"] = [_("The measure ended on %(date)s.") % {"date": measure.ends_on.isoformat()}]
    try:
        temperature = clean_temperature(data.temperature, measure=measure)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        symptoms, other = clean_symptoms(data.symptoms, data.other_symptom)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if measure.status != MeasureStatus.ACTIVE:
        raise Conflict(_("This measure has ended."))
    if source not in ReportSource.values or source == ReportSource.SELF:
        source = ReportSource.SITE_MEDIC if measure.site_id else ReportSource.CARE_TEAM
    message = _("A report for the %(slot)s of %(date)s already exists; correct it instead.") % _slot_words(day, slot)
    if HealthReport.objects.filter(measure=measure, date=day, slot=slot).exists():
        raise AlreadyReported(message)
    report = _store(
        measure=measure,
        day=day,
        slot=slot,
        temperature=temperature,
        symptoms=symptoms,
        other=other,
        source=source,
        actor=actor,
        duplicate_message=message,
    )
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=report,
        summary=say(
            gettext_lazy("Health report of measure %(measure)s for %(day)s %(slot)s entered"),
            measure=measure.pk,
            day=f"{day:%Y-%m-%d}",
            slot=dict(Slot.choices).get(slot, slot),
        ),
        request=request,
    )
    return report


@transaction.atomic
def correct_report(
    *, actor: Any, report: HealthReport, data: ReportInput, request: HttpRequest | None = None
) -> HealthReport:
    """Staff correct a report (a misread thermometer); a new fever or symptom still raises its alert."""
    require_jurisdiction(actor, report.place_path)
    locked = HealthReport.objects.select_for_update().select_related("measure").get(pk=report.pk)
    errors: dict[str, list[str]] = {}
    try:
        temperature = clean_temperature(data.temperature, measure=locked.measure)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        symptoms, other = clean_symptoms(data.symptoms, data.other_symptom)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    before = {"temperature": str(locked.temperature), "symptoms": list(locked.symptoms)}
    locked.temperature = temperature
    locked.symptoms = symptoms
    locked.other_symptom = other
    locked.corrected_at = timezone.now()
    locked.corrected_by = actor
    locked.save()
    after = {"temperature": str(locked.temperature), "symptoms": list(locked.symptoms)}
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        summary=say(
            gettext_lazy("Health report %(id)s of measure %(measure)s corrected"),
            id=locked.pk,
            measure=locked.measure_id,
        ),
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
        request=request,
    )
    _raise_report_alerts(locked, actor)
    return locked


def _store(
    *,
    measure: Measure,
    day: dt.date,
    slot: str,
    temperature: Decimal,
    symptoms: list[str],
    other: str,
    source: str,
    actor: Any,
    duplicate_message: str,
) -> HealthReport:
    try:
        with transaction.atomic():
            report = HealthReport.objects.create(
                measure=measure,
                place_path=measure.place_path,
                date=day,
                slot=slot,
                temperature=temperature,
                symptoms=symptoms,
                other_symptom=other,
                source=source,
                reported_by=actor if _is_user(actor) else None,
            )
    except IntegrityError as exc:
        # Two submissions of the same slot at once: the constraint lets one through.
        raise AlreadyReported(duplicate_message) from exc
    _close_missed(report, actor)
    _raise_report_alerts(report, actor)
    return report


def _close_missed(report: HealthReport, actor: Any) -> None:
    """A late report (entered by staff after the window) answers the missed-report alert of its slot."""
    HealthAlert.objects.filter(
        measure_id=report.measure_id,
        kind=AlertKind.MISSED_REPORT,
        date=report.date,
        slot=report.slot,
        status=AlertStatus.OPEN,
    ).update(
        status=AlertStatus.CLOSED,
        closed_at=timezone.now(),
        closed_by=actor if _is_user(actor) else None,
        close_note=_("Reported late: %(t)s °C.") % {"t": report.temperature},
    )


def _worker_id(measure: Measure) -> int | None:
    worker_id: int | None = (
        Measure.objects.filter(pk=measure.pk).values_list("key_person__worker_id", flat=True).first()
    )
    return worker_id


def _raise_report_alerts(report: HealthReport, actor: Any) -> list[HealthAlert]:
    """Fever or symptoms: an urgent alert at once and a transfer-to-hospital task."""
    measure = report.measure
    wanted: list[tuple[str, str]] = []
    if report.temperature >= body_temperature(measure.place_path).fever_at:
        wanted.append((AlertKind.FEVER, f"{report.temperature} °C"))
    labels = report.symptom_labels()
    if labels:
        wanted.append((AlertKind.SYMPTOMS, "、".join(labels)[:200]))
    if not wanted:
        return []
    raised = []
    worker_id = _worker_id(measure)
    for kind, detail in wanted:
        alert, created = HealthAlert.objects.get_or_create(
            measure=measure,
            kind=kind,
            date=report.date,
            slot=report.slot,
            defaults={
                "place_path": measure.place_path,
                "urgency": Urgency.URGENT,
                "report": report,
                "detail": detail,
                "assigned_to_id": worker_id,
            },
        )
        if created:
            raised.append(alert)
    if raised:
        reason = _("%(what)s reported on %(date)s (%(slot)s)") % {
            "what": "; ".join(f"{a.get_kind_display()}: {a.detail}" for a in raised),
            "date": report.date.isoformat(),
            "slot": str(Slot(report.slot).label),
        }
        _request_transfer(measure, actor, reason, raised)
    return raised


def _request_transfer(measure: Measure, actor: Any, reason: str, alerts: list[HealthAlert]) -> None:
    from fangkong.transfers.services import request_hospital_transfer

    try:
        with transaction.atomic():
            task = request_hospital_transfer(actor=actor if _is_user(actor) else None, measure=measure, reason=reason)
    except (Conflict, PermissionDenied, ValidationError) as exc:
        # The alert stands either way; the worker arranges the transfer by hand.
        note = _("Hospital transfer not requested: %(why)s") % {"why": getattr(exc, "message", "") or str(exc)}
        logger.warning("hospital transfer for measure %s not requested: %s", measure.pk, type(exc).__name__)
    else:
        note = _("Hospital transfer task #%(task)s requested.") % {"task": task.pk}
    for alert in alerts:
        alert.detail = f"{alert.detail} · {note}"[:200]
        alert.save(update_fields=["detail"])


# --- alerts ------------------------------------------------------------------------------------


def raise_missed_report_alerts(*, now: dt.datetime | None = None) -> int:
    """After each window closes: a missed-report alert, to the responsible worker, for every active
    measure without a report in that slot. Idempotent (one alert per measure and slot); looks back
    over today and yesterday so a sweep that did not run overnight catches up."""
    now = now or slots.current_time()
    created = 0
    for day, window in slots.closed_windows(now):
        reported = HealthReport.objects.filter(measure=OuterRef("pk"), date=day, slot=window.slot)
        alerted = HealthAlert.objects.filter(
            measure=OuterRef("pk"), kind=AlertKind.MISSED_REPORT, date=day, slot=window.slot
        )
        rows = (
            Measure.objects.filter(status=MeasureStatus.ACTIVE, started_on__lte=day, ends_on__gte=day)
            # On its first day, a measure opened once the window was under way is not expected to report in it.
            .filter(Q(started_on__lt=day) | Q(created_at__lt=window.opens_at(day)))
            .filter(~Exists(reported), ~Exists(alerted))
            .values_list("pk", "place_path", "key_person__worker_id")
        )
        alerts = [
            HealthAlert(
                measure_id=pk,
                place_path=path,
                kind=AlertKind.MISSED_REPORT,
                urgency=Urgency.NORMAL,
                date=day,
                slot=window.slot,
                detail=_("No report %(start)s–%(end)s")
                % {"start": f"{window.starts:%H:%M}", "end": f"{window.ends:%H:%M}"},
                assigned_to_id=worker,
            )
            for pk, path, worker in rows.iterator(chunk_size=2000)
        ]
        # ignore_conflicts: a sweep running at the same moment may have raised some of them.
        HealthAlert.objects.bulk_create(alerts, batch_size=1000, ignore_conflicts=True)
        created += len(alerts)
    if created:
        logger.info("missed-report sweep raised %d alerts", created)
    return created


@transaction.atomic
def close_alert(*, actor: Any, alert: HealthAlert, note: str, request: HttpRequest | None = None) -> HealthAlert:
    require_jurisdiction(actor, alert.place_path)
    note = clean_free_text(note, "note", required=True, limit=300)
    locked = HealthAlert.objects.select_for_update().get(pk=alert.pk)
    if locked.status == AlertStatus.CLOSED:
        raise Conflict(_("This alert was already closed."))
    locked.status = AlertStatus.CLOSED
    locked.closed_at = timezone.now()
    locked.closed_by = actor
    locked.close_note = note
    locked.save(update_fields=["status", "closed_at", "closed_by", "close_note"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        summary=say(
            gettext_lazy("Health alert %(id)s (%(kind)s) of measure %(measure)s closed"),
            id=locked.pk,
            kind=dict(AlertKind.choices).get(locked.kind, locked.kind),
            measure=locked.measure_id,
        ),
        changes={"status": [AlertStatus.OPEN, AlertStatus.CLOSED]},
        request=request,
    )
    return locked


def open_alert_sentences(measure: Measure) -> list[str]:
    """What the release check lists: one sentence per open alert."""
    alerts = HealthAlert.objects.filter(measure=measure, status=AlertStatus.OPEN).order_by("date", "slot", "kind")
    return [
        _("Open alert: %(kind)s on %(date)s %(slot)s.")
        % {"kind": str(a.get_kind_display()).lower(), **_slot_words(a.date, a.slot)}
        for a in alerts
    ]


def renew_link(*, actor: Any, measure: Measure, request: HttpRequest | None = None) -> str:
    from fangkong.quarantine.services import renew_report_link

    return renew_report_link(actor=actor, measure=measure, request=request)
