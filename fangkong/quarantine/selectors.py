"""Every read of quarantine: scoped sites, rooms and measures, the capacity board, daily lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.scoping import scope_to_user
from fangkong.places.models import Place
from fangkong.quarantine.models import (
    Measure,
    MeasurePhase,
    MeasureStatus,
    MeasureTest,
    Placement,
    Room,
    RoomStatus,
    Site,
    SiteStaff,
    SiteStatus,
    TestOutcome,
)
from fangkong.quarantine.signals import measure_todo, release_blockers

# The board looks this many days ahead for expected departures.
BOARD_DAYS = 14


# --- sites and rooms ---------------------------------------------------------------------


def sites_for(user: Any, *, status: str = "", q: str = "") -> QuerySet[Site]:
    qs = scope_to_user(Site.objects.all(), user)
    if status:
        qs = qs.filter(status=status)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(address__contains=q))
    return qs.order_by("id")


def get_site_for_user(user: Any, pk: int) -> Site:
    # Outside the user's jurisdiction is indistinguishable from not existing.
    return get_object_or_404(scope_to_user(Site.objects.select_related("place"), user), pk=pk)


def rooms_of(site: Site, *, status: str = "", floor: int | None = None) -> QuerySet[Room]:
    qs = Room.objects.filter(site=site)
    if status:
        qs = qs.filter(status=status)
    if floor is not None:
        qs = qs.filter(floor=floor)
    return qs.order_by("floor", "number")


def get_room_for_user(user: Any, pk: int) -> Room:
    sites = scope_to_user(Site.objects.all(), user)
    return get_object_or_404(Room.objects.select_related("site").filter(site__in=sites), pk=pk)


def room_counts(site_ids: list[int]) -> dict[int, dict[str, int]]:
    """Rooms per status for each site, with "rooms" the total: one grouped query."""
    counts: dict[int, dict[str, int]] = {}
    for row in Room.objects.filter(site_id__in=site_ids).values("site_id", "status").annotate(n=Count("id")):
        site = counts.setdefault(row["site_id"], {"rooms": 0})
        site[row["status"]] = row["n"]
        site["rooms"] += row["n"]
    return counts


def free_rooms_for(user: Any, *, site: Site | None = None) -> QuerySet[Room]:
    """Free rooms of the sites in use, single rooms first: family rooms are kept for families."""
    sites = scope_to_user(Site.objects.filter(status=SiteStatus.IN_USE), user)
    rooms = Room.objects.filter(site__in=sites, status=RoomStatus.FREE, occupants=0)
    if site is not None:
        rooms = rooms.filter(site=site)
    return rooms.select_related("site").order_by("capacity", "site_id", "floor", "number")


def guests_of(site: Site) -> QuerySet[Placement]:
    return (
        Placement.objects.filter(site=site, ended_at__isnull=True)
        .select_related("person", "room", "measure")
        .order_by("room__floor", "room__number", "id")
    )


# --- measures ------------------------------------------------------------------------------


def measures_for(
    user: Any,
    *,
    status: str = MeasureStatus.ACTIVE,
    place: Place | None = None,
    site: Site | None = None,
    where: str = "",
    q: str = "",
) -> QuerySet[Measure]:
    """`where`: "site" (placed at a site), "home", or "unplaced" (central phase, no room yet)."""
    qs = scope_to_user(Measure.objects.all(), user)
    if status:
        qs = qs.filter(status=status)
    if place is not None:
        qs = qs.filter(place_path__startswith=place.path)
    if site is not None:
        qs = qs.filter(site=site)
    if where == "site":
        qs = qs.filter(site__isnull=False)
    elif where == "home":
        qs = qs.filter(at_home=True)
    elif where == "unplaced":
        qs = qs.filter(site__isnull=True, at_home=False)
    q = (q or "").strip()
    if q:
        qs = qs.filter(person__name__startswith=q)
    return qs.select_related("person", "site", "place").order_by("-started_on", "-id")


def get_measure_for_user(user: Any, pk: int) -> Measure:
    return get_object_or_404(
        scope_to_user(Measure.objects.select_related("person", "place", "site", "key_person"), user), pk=pk
    )


def active_measure_of_person_for_user(user: Any, person_id: int) -> Measure | None:
    """The person's active measure, when it lies in the user's jurisdiction."""
    measures = scope_to_user(Measure.objects.filter(status=MeasureStatus.ACTIVE), user)
    return measures.filter(person_id=person_id).first()


def get_placement_for_user(user: Any, pk: int) -> Placement:
    return get_object_or_404(scope_to_user(Placement.objects.select_related("measure"), user), pk=pk)


def active_measure_of(key_person_id: int) -> Measure | None:
    return Measure.objects.filter(key_person_id=key_person_id, status=MeasureStatus.ACTIVE).first()


def current_placement(measure: Measure) -> Placement | None:
    return Placement.objects.select_related("room", "site").filter(measure=measure, ended_at__isnull=True).first()


def unmet_release_conditions(
    measure: Measure, *, today: dt.date | None = None, waive_end_date: bool = False
) -> list[str]:
    """Each condition that still stands between the person and release, as a sentence.

    An early release (`waive_end_date`, with a reason) waives the end date and the tests not yet due;
    every test already due must still be negative.
    """
    today = today or timezone.localdate()
    unmet: list[str] = []
    if measure.status != MeasureStatus.ACTIVE:
        return [_("The measure has already ended.")]
    if today < measure.ends_on and not waive_end_date:
        unmet.append(
            _("The measure runs until %(date)s; an earlier release needs a reason.")
            % {"date": measure.ends_on.isoformat()}
        )
    tests = list(MeasureTest.objects.filter(measure=measure).order_by("due_on"))
    for test in tests:
        if test.outcome == TestOutcome.POSITIVE:
            unmet.append(_("The test of %(date)s is positive.") % {"date": test.due_on.isoformat()})
        elif test.due_on <= today and test.outcome != TestOutcome.NEGATIVE:
            unmet.append(_("The test due on %(date)s has no negative result.") % {"date": test.due_on.isoformat()})
        elif test.due_on > today and test.outcome != TestOutcome.NEGATIVE and not waive_end_date:
            unmet.append(_("The test due on %(date)s is still to come.") % {"date": test.due_on.isoformat()})
    for _receiver, answer in release_blockers.send(sender=Measure, measure=measure):
        unmet.extend(str(a) for a in answer or [])
    return unmet


# --- the capacity board ---------------------------------------------------------------------


@dataclass
class SiteCapacity:
    site: Site
    rooms: int = 0
    free: int = 0
    occupied: int = 0
    cleaning: int = 0
    out_of_service: int = 0
    guests: int = 0
    beds: int = 0
    departures: list[int] = field(default_factory=list)

    @property
    def low(self) -> bool:
        return self.site.status == SiteStatus.IN_USE and self.free < self.site.free_rooms_warning


@dataclass
class CapacityBoard:
    days: list[dt.date]
    sites: list[SiteCapacity]
    totals: SiteCapacity
    reserve: list[SiteCapacity]
    warning_threshold: int

    @property
    def low(self) -> bool:
        return self.totals.free < self.warning_threshold

    @property
    def low_sites(self) -> list[SiteCapacity]:
        return [s for s in self.sites if s.low]


def capacity_board(user: Any, *, today: dt.date | None = None) -> CapacityBoard:
    """Rooms by status per site and the departures expected on each of the next 14 days: three queries."""
    today = today or timezone.localdate()
    days = [today + dt.timedelta(days=n) for n in range(BOARD_DAYS)]
    sites = list(sites_for(user).exclude(status=SiteStatus.CLOSED))
    by_id = {s.pk: SiteCapacity(site=s, departures=[0] * BOARD_DAYS) for s in sites}
    rows = (
        Room.objects.filter(site_id__in=by_id)
        .values("site_id", "status")
        .annotate(n=Count("id"), guests=Sum("occupants"), beds=Sum("capacity"))
    )
    for row in rows:
        cap = by_id[row["site_id"]]
        cap.rooms += row["n"]
        cap.guests += row["guests"] or 0
        cap.beds += row["beds"] or 0
        setattr(cap, row["status"], getattr(cap, row["status"]) + row["n"])
    departures = (
        Placement.objects.filter(site_id__in=by_id, ended_at__isnull=True, expected_end__lte=days[-1])
        .values("site_id", "expected_end")
        .annotate(n=Count("id"))
    )
    for row in departures:
        # Overdue departures count for today: the room is due to be freed.
        index = max((row["expected_end"] - today).days, 0)
        by_id[row["site_id"]].departures[index] += row["n"]
    in_use = [c for c in by_id.values() if c.site.status != SiteStatus.RESERVE]
    reserve = [c for c in by_id.values() if c.site.status == SiteStatus.RESERVE]
    totals = SiteCapacity(site=Site(name=_("District")), departures=[0] * BOARD_DAYS)
    for cap in in_use:
        for name in ("rooms", "free", "occupied", "cleaning", "out_of_service", "guests", "beds"):
            setattr(totals, name, getattr(totals, name) + getattr(cap, name))
        totals.departures = [a + b for a, b in zip(totals.departures, cap.departures, strict=True)]
    threshold = getattr(settings, "QUARANTINE_DISTRICT_FREE_ROOMS_WARNING", 20)
    return CapacityBoard(days=days, sites=in_use, totals=totals, reserve=reserve, warning_threshold=threshold)


# --- daily lists -----------------------------------------------------------------------------


class DailyKind:
    START = "start"
    PHASE = "phase"
    RELEASE = "release"


@dataclass
class DailyRow:
    kind: str
    day: dt.date
    measure_id: int
    person_name: str
    document: str
    phase_kind: str
    site_name: str
    room: str
    community: str


def daily_measures(
    user: Any, *, day: dt.date, kind: str, site: Site | None = None, place: Place | None = None
) -> QuerySet[Measure]:
    """Measures that start, change phase, or end on `day`."""
    qs = scope_to_user(Measure.objects.all(), user)
    if kind == DailyKind.START:
        qs = qs.filter(started_on=day)
    elif kind == DailyKind.PHASE:
        moving = MeasurePhase.objects.filter(starts_on=day, order__gt=0).values("measure_id")
        qs = qs.filter(status=MeasureStatus.ACTIVE, pk__in=moving)
    else:
        qs = qs.filter(status=MeasureStatus.ACTIVE, ends_on=day)
    if site is not None:
        qs = qs.filter(site=site)
    if place is not None:
        qs = qs.filter(place_path__startswith=place.path)
    return qs


def daily_summary(user: Any, *, today: dt.date | None = None) -> dict[str, Any]:
    """Counts per site and per community for today and tomorrow: one grouped query per list."""
    today = today or timezone.localdate()
    days = [today, today + dt.timedelta(days=1)]
    by_site: dict[str, dict[str, int]] = {}
    by_community: dict[str, dict[str, int]] = {}
    for day_index, day in enumerate(days):
        for kind in (DailyKind.START, DailyKind.PHASE, DailyKind.RELEASE):
            key = f"{kind}{day_index}"
            rows = daily_measures(user, day=day, kind=kind).values("site__name", "place__name").annotate(n=Count("id"))
            for row in rows:
                site_name = row["site__name"] or _("At home / not placed")
                by_site.setdefault(site_name, {}).setdefault(key, 0)
                by_site[site_name][key] += row["n"]
                by_community.setdefault(row["place__name"], {}).setdefault(key, 0)
                by_community[row["place__name"]][key] += row["n"]
    return {"days": days, "by_site": sorted(by_site.items()), "by_community": sorted(by_community.items())}


def daily_rows(
    user: Any, *, day: dt.date, kind: str, site: Site | None = None, place: Place | None = None
) -> QuerySet[Measure]:
    return (
        daily_measures(user, day=day, kind=kind, site=site, place=place)
        .select_related("person", "site", "place")
        .order_by("site_id", "place_id", "id")
    )


def tests_due(user: Any, *, day: dt.date) -> QuerySet[MeasureTest]:
    measures = scope_to_user(Measure.objects.filter(status=MeasureStatus.ACTIVE), user)
    return (
        MeasureTest.objects.filter(measure__in=measures, due_on=day)
        .select_related("measure__person", "measure__site")
        .order_by("measure__site_id", "measure_id")
    )


def measure_by_certificate(code: str) -> Measure | None:
    code = (code or "").strip().upper()
    if not code or len(code) > 24:
        return None
    return Measure.objects.select_related("person").filter(certificate_code=code).first()


# --- the site worker's landing ----------------------------------------------------------------


def staffed_sites(user: Any) -> QuerySet[Site]:
    """The sites a site worker works at: those whose roster names the account, else every site in use
    in their jurisdiction (a worker not on a roster yet still lands on something to act on)."""
    sites = scope_to_user(Site.objects.exclude(status=SiteStatus.CLOSED), user)
    rostered = sites.filter(pk__in=SiteStaff.objects.filter(user=user).values("site_id"))
    return (rostered if rostered.exists() else sites.filter(status=SiteStatus.IN_USE)).order_by("id")


@dataclass
class SiteToday:
    site: Site
    rooms: dict[str, int] = field(default_factory=dict)
    guests: int = 0
    placed_today: int = 0
    releases_due: list[Measure] = field(default_factory=list)
    tests_due: int = 0


def sites_today(user: Any, *, limit: int = 5, today: dt.date | None = None) -> list[SiteToday]:
    """Occupancy, today's placements, the releases due by today and today's tests of the worker's sites."""
    today = today or timezone.localdate()
    by_id = {s.pk: SiteToday(s) for s in staffed_sites(user)[:limit]}
    counts = room_counts(list(by_id))
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    guests = (
        Placement.objects.filter(site_id__in=by_id, ended_at__isnull=True)
        .order_by()
        .values("site_id")
        .annotate(n=Count("id"))
    )
    placed = (
        Placement.objects.filter(site_id__in=by_id, placed_at__gte=start, placed_at__lt=start + dt.timedelta(days=1))
        .order_by()
        .values("site_id")
        .annotate(n=Count("id"))
    )
    tests = (
        tests_due(user, day=today)
        .filter(measure__site_id__in=by_id, outcome="")
        .order_by()
        .values("measure__site_id")
        .annotate(n=Count("id"))
    )
    # Overdue releases count as due today: the person is still in a room the next guest needs.
    releases = (
        measures_for(user, status=MeasureStatus.ACTIVE)
        .filter(site_id__in=by_id, ends_on__lte=today)
        .order_by("ends_on", "person__name", "id")
    )
    for site_id, cap in by_id.items():
        cap.rooms = counts.get(site_id, {"rooms": 0})
    for row in guests:
        by_id[row["site_id"]].guests = row["n"]
    for row in placed:
        by_id[row["site_id"]].placed_today = row["n"]
    for row in tests:
        by_id[row["measure__site_id"]].tests_due = row["n"]
    for measure in releases[:200]:
        if measure.site_id in by_id:
            by_id[measure.site_id].releases_due.append(measure)
    return list(by_id.values())


# --- what is still to do -------------------------------------------------------------------


@dataclass(frozen=True)
class Todo:
    """One thing still to do for a measure, with a link to where it is done or a button that does it."""

    text: str
    url: str = ""
    action_url: str = ""
    action_label: str = ""


def site_with_free_room(district_path: str) -> Site | None:
    """The site of the next free room of the district's sites in use (the order of free_rooms_for); sites hold
    no personal data, so any worker's request may name one."""
    room = (
        Room.objects.filter(
            site__status=SiteStatus.IN_USE,
            site__place_path__startswith=district_path,
            status=RoomStatus.FREE,
            occupants=0,
        )
        .select_related("site")
        .order_by("capacity", "site_id", "floor", "number")
        .first()
    )
    return room.site if room is not None else None


def still_to_do(measure: Measure, user: Any) -> list[Todo]:
    """What stands between the measure and its person being where it says: a room, a transfer."""
    if measure.status != MeasureStatus.ACTIVE:
        return []
    items: list[Todo] = []
    for _receiver, todos in measure_todo.send(sender=Measure, measure=measure, user=user):
        items.extend(list(todos or []))  # type: ignore[arg-type]
    if measure.needs_room and not items:
        if site_with_free_room(measure.place_path[: Place.steplen]) is None:
            items.append(Todo(_("Waiting for a room: no site in use has a free room; activate a reserve site.")))
        else:
            items.append(Todo(_("Waiting for a room: place the person, or ask for a transfer to a site.")))
    return items
