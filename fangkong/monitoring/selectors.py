"""Every read of monitoring: scoped home-care records, reports, alerts and the reports-due board."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from fangkong.core.scoping import scope_to_user
from fangkong.monitoring import slots
from fangkong.monitoring.models import (
    CORE_ROLES,
    AlertStatus,
    CareTeamMember,
    Delivery,
    HealthAlert,
    HealthReport,
    HomeCare,
    Slot,
    TeamRole,
    Urgency,
)
from fangkong.places.models import Place
from fangkong.quarantine.models import Measure, MeasurePhase, MeasureStatus, Site

# --- home care -----------------------------------------------------------------------------------


def home_cares_for(
    user: Any,
    *,
    status: str = MeasureStatus.ACTIVE,
    kind: str = "",
    gaps: bool = False,
    sealed: str = "",
    q: str = "",
    place: Place | None = None,
    today: dt.date | None = None,
) -> QuerySet[HomeCare]:
    """Home records in the user's jurisdiction, with the team's size, open alerts and today's reports
    counted in the same query. `kind`: the phase today (home_quarantine / home_monitoring)."""
    today = today or timezone.localdate()
    qs = scope_to_user(HomeCare.objects.all(), user)
    if status:
        qs = qs.filter(measure__status=status)
    if place is not None:
        qs = qs.filter(place_path__startswith=place.path)
    q = (q or "").strip()
    if q:
        qs = qs.filter(measure__person__name__startswith=q)
    if sealed == "yes":
        qs = qs.filter(seal_applied_at__isnull=False, seal_removed_at__isnull=True)
    elif sealed == "no":
        qs = qs.filter(Q(seal_applied_at__isnull=True) | Q(seal_removed_at__isnull=False))
    phase_today = MeasurePhase.objects.filter(
        measure_id=OuterRef("measure_id"), starts_on__lte=today, ends_on__gte=today
    ).values("kind")[:1]
    open_alerts = (
        HealthAlert.objects.filter(measure_id=OuterRef("measure_id"), status=AlertStatus.OPEN)
        .order_by()
        .values("measure_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    qs = qs.annotate(
        team_count=Count("team", distinct=True),
        phase_today=Subquery(phase_today),
        open_alerts=Subquery(open_alerts),
        morning_done=Exists(
            HealthReport.objects.filter(measure_id=OuterRef("measure_id"), date=today, slot=Slot.MORNING)
        ),
        afternoon_done=Exists(
            HealthReport.objects.filter(measure_id=OuterRef("measure_id"), date=today, slot=Slot.AFTERNOON)
        ),
    )
    if kind:
        qs = qs.filter(phase_today=kind)
    if gaps:
        qs = qs.filter(team_count__lt=F("team_size"))
    return qs.select_related("measure__person", "household", "measure__place").order_by("-id")


def get_home_care_for_measure(user: Any, measure: Measure) -> HomeCare | None:
    return scope_to_user(HomeCare.objects.select_related("household"), user).filter(measure=measure).first()


@dataclass
class TeamView:
    members: list[CareTeamMember]
    size: int

    @property
    def missing(self) -> int:
        return max(self.size - len(self.members), 0)

    @property
    def missing_roles(self) -> list[str]:
        present = {m.role for m in self.members}
        return [str(TeamRole(r).label) for r in CORE_ROLES if r not in present]


def team_of(home_care: HomeCare) -> TeamView:
    members = list(CareTeamMember.objects.filter(home_care=home_care).select_related("user"))
    return TeamView(members=members, size=home_care.team_size)


def get_member(home_care: HomeCare, pk: int) -> CareTeamMember:
    return get_object_or_404(CareTeamMember.objects.select_related("home_care"), home_care=home_care, pk=pk)


def deliveries_of(home_care: HomeCare) -> QuerySet[Delivery]:
    return Delivery.objects.filter(home_care=home_care).select_related("requested_by", "delivered_by")


def get_delivery(home_care: HomeCare, pk: int) -> Delivery:
    return get_object_or_404(Delivery.objects.select_related("home_care"), home_care=home_care, pk=pk)


def team_candidates(measure: Measure) -> list[Any]:
    """Accounts posted at the measure's place or above who may be linked to a team member."""
    from fangkong.accounts.models import Membership, Role

    paths = [measure.place_path[:n] for n in range(Place.steplen, len(measure.place_path) + 1, Place.steplen)]
    memberships = (
        Membership.objects.filter(
            place__path__in=paths,
            role__in=[Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_ADMIN, Role.SITE_STAFF],
        )
        .select_related("user")
        .order_by("-place__depth", "user__username")
    )
    seen: dict[int, Any] = {}
    for m in memberships:
        seen.setdefault(m.user_id, m.user)
    return list(seen.values())


# --- measures, reports, alerts -------------------------------------------------------------------


def get_measure_for_user(user: Any, pk: int) -> Measure:
    # Outside the user's jurisdiction is indistinguishable from not existing.
    return get_object_or_404(
        scope_to_user(Measure.objects.select_related("person", "place", "site", "key_person__worker"), user), pk=pk
    )


def reports_of(measure: Measure) -> QuerySet[HealthReport]:
    return HealthReport.objects.filter(measure=measure).select_related("reported_by", "corrected_by")


def get_report_for_user(user: Any, pk: int) -> HealthReport:
    return get_object_or_404(scope_to_user(HealthReport.objects.select_related("measure"), user), pk=pk)


def todays_slots(measure: Measure, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Today's windows for the person's own page: open, done (with the temperature) or missed."""
    current = slots.local(now)
    day = current.date()
    done = {r.slot: r for r in HealthReport.objects.filter(measure=measure, date=day)}
    out = []
    for w in slots.windows():
        report = done.get(w.slot)
        if report is not None:
            state = "done"
        elif w.starts <= current.time() < w.ends:
            state = "open"
        elif current.time() >= w.ends:
            state = "missed"
        else:
            state = "later"
        out.append({"window": w, "report": report, "state": state})
    return out


def alerts_for(
    user: Any,
    *,
    status: str = AlertStatus.OPEN,
    kind: str = "",
    urgency: str = "",
    mine: bool = False,
    measure: Measure | None = None,
    place: Place | None = None,
    since: dt.date | None = None,
) -> QuerySet[HealthAlert]:
    qs = scope_to_user(HealthAlert.objects.all(), user)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if urgency:
        qs = qs.filter(urgency=urgency)
    if mine:
        qs = qs.filter(assigned_to=user)
    if measure is not None:
        qs = qs.filter(measure=measure)
    if place is not None:
        qs = qs.filter(place_path__startswith=place.path)
    if since is not None:
        qs = qs.filter(date__gte=since)
    # Urgent alerts (a fever, symptoms) come before routine ones (a missed report), newest first in each.
    rank = Case(When(urgency=Urgency.URGENT, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        qs.select_related("measure__person", "measure__site", "assigned_to", "closed_by")
        .alias(urgency_rank=rank)
        .order_by("urgency_rank", "-created_at", "-id")
    )


def get_alert_for_user(user: Any, pk: int) -> HealthAlert:
    return get_object_or_404(scope_to_user(HealthAlert.objects.all(), user), pk=pk)


# --- the reports-due board -----------------------------------------------------------------------


def reports_due(
    user: Any,
    *,
    day: dt.date,
    slot: str,
    site: Site | None = None,
    where: str = "",
    place: Place | None = None,
) -> QuerySet[Measure]:
    """Active measures in the user's jurisdiction expected to report in this slot and not yet reported.
    `where`: "site" or "home"."""
    reported = HealthReport.objects.filter(measure=OuterRef("pk"), date=day, slot=slot)
    qs = scope_to_user(Measure.objects.filter(status=MeasureStatus.ACTIVE), user).filter(
        started_on__lte=day, ends_on__gte=day
    )
    if site is not None:
        qs = qs.filter(site=site)
    if where == "site":
        qs = qs.filter(site__isnull=False)
    elif where == "home":
        qs = qs.filter(at_home=True)
    if place is not None:
        qs = qs.filter(place_path__startswith=place.path)
    return (
        qs.filter(~Exists(reported))
        .select_related("person", "site", "place")
        .order_by("site_id", "place_path", "person__name", "id")
    )


def slot_progress(user: Any, *, day: dt.date, slot: str) -> dict[str, int]:
    """Reported / expected in the slot across the user's jurisdiction: two counts."""
    expected = scope_to_user(Measure.objects.filter(status=MeasureStatus.ACTIVE), user).filter(
        started_on__lte=day, ends_on__gte=day
    )
    reported = HealthReport.objects.filter(measure__in=expected, date=day, slot=slot).count()
    return {"expected": expected.count(), "reported": reported}


def sites_for_board(user: Any) -> QuerySet[Site]:
    return scope_to_user(Site.objects.all(), user).order_by("name")


@dataclass(frozen=True)
class CareContact:
    role: str
    name: str
    phone: str


def care_contacts(measure: Measure) -> list[CareContact]:
    """Whom the person under the measure can call: their home care team, or the site's contact.

    Shown on the person's own signed report link (never in a list), so the phones are whole.
    """
    if measure.site_id is not None and not measure.at_home:
        site = measure.site
        if site is not None and site.contact_phone:
            return [CareContact(role=site.name, name=site.contact_name, phone=site.contact_phone)]
        return []
    members = CareTeamMember.objects.filter(home_care__measure=measure).order_by("role", "id")
    return [CareContact(role=m.get_role_display(), name=m.name, phone=m.phone) for m in members]
