"""Health alerts and staff-entered health reports over the API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Query, Router, Status

from fangkong.api.errors import AUTH_ERRORS, INPUT_ERRORS, NOT_FOUND, ErrorOut
from fangkong.monitoring.models import HealthAlert
from fangkong.monitoring.schemas import AlertFilters, AlertList, ReportIn, ReportOut
from fangkong.monitoring.selectors import alerts_for, get_measure_for_user
from fangkong.monitoring.services import ReportInput, record_report

router = Router(tags=["monitoring"])

READ_ERRORS: dict[int, Any] = {**AUTH_ERRORS, **NOT_FOUND, 422: ErrorOut}


def _user(request: HttpRequest, permission: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm(permission):
        raise PermissionDenied
    return user


def alert_out(alert: HealthAlert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "measure_id": alert.measure_id,
        "person_id": alert.measure.person_id,
        "kind": alert.kind,
        "urgency": alert.urgency,
        "date": alert.date,
        "slot": alert.slot,
        "detail": alert.detail,
        "status": alert.status,
        "assigned_to_id": alert.assigned_to_id,
        "created_at": alert.created_at,
        "closed_at": alert.closed_at,
        "close_note": alert.close_note,
    }


@router.get("/alerts/", response={200: AlertList, **READ_ERRORS}, summary="Health alerts in your jurisdiction")
def list_alerts(request: HttpRequest, filters: Query[AlertFilters]) -> Any:
    user = _user(request, "monitoring.view_healthalert")
    measure = get_measure_for_user(user, filters.measure_id) if filters.measure_id is not None else None
    qs = alerts_for(
        user,
        status=filters.status,
        kind=filters.kind,
        urgency=filters.urgency,
        mine=filters.mine,
        measure=measure,
        since=filters.since,
    )
    page = qs[filters.offset : filters.offset + filters.limit]
    return {"items": [alert_out(a) for a in page], "count": qs.count()}


@router.post(
    "/reports",
    response={201: ReportOut, **AUTH_ERRORS, **NOT_FOUND, **INPUT_ERRORS, 409: ErrorOut},
    summary="Enter a health report for a slot (409 when the slot is already reported, 422 for a bad temperature)",
)
def create_report(request: HttpRequest, payload: ReportIn) -> Any:
    user = _user(request, "monitoring.add_healthreport")
    measure = get_measure_for_user(user, payload.measure_id)
    report = record_report(
        actor=user,
        measure=measure,
        data=ReportInput(
            temperature=payload.temperature,
            symptoms=list(payload.symptoms),
            other_symptom=payload.other_symptom,
            date=payload.date,
            slot=payload.slot,
        ),
        source=payload.source,
        request=request,
    )
    alerts = list(report.alerts.select_related("measure").order_by("id"))
    return Status(
        201,
        {
            "id": report.pk,
            "measure_id": report.measure_id,
            "date": report.date,
            "slot": report.slot,
            "temperature": report.temperature,
            "symptoms": report.symptoms,
            "other_symptom": report.other_symptom,
            "source": report.source,
            "alerts": [alert_out(a) for a in alerts],
        },
    )
