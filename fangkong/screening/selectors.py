"""Every read of key persons and sweeps, each through scope_to_user."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404
from django.utils import timezone

from fangkong.core.scoping import scope_to_user
from fangkong.places.models import Place, PlaceType
from fangkong.screening.models import (
    OPEN_STATES,
    ClearState,
    KeyPerson,
    KeyPersonEvent,
    KeyPersonSource,
    PushBatch,
    SelfReport,
    SweepTask,
    SweepVisit,
    VisitOutcome,
)


def overdue_q(now: Any = None) -> Q:
    """A push-list person not identified by the list's deadline."""
    return Q(clear_state=ClearState.NEW, due_at__lt=now or timezone.now())


def key_persons_for(
    user: Any,
    *,
    place: Place | None = None,
    category: str = "",
    clear_state: str = "",
    overdue: bool | None = None,
    unplaced: bool | None = None,
    outside: bool | None = None,
    source: str = "",
    q: str = "",
) -> QuerySet[KeyPerson]:
    qs = scope_to_user(KeyPerson.objects.all(), user)
    if place is not None:
        qs = qs.filter(place_path__startswith=place.path)
    if category:
        qs = qs.filter(category=category)
    if clear_state == "open":
        qs = qs.filter(clear_state__in=OPEN_STATES)
    elif clear_state:
        qs = qs.filter(clear_state=clear_state)
    if overdue is not None:
        qs = qs.filter(overdue_q()) if overdue else qs.exclude(overdue_q())
    if unplaced is not None:
        qs = qs.filter(is_unplaced=unplaced)
    if outside is not None:
        qs = qs.filter(outside_district=outside)
    if source:
        qs = qs.filter(pk__in=KeyPersonSource.objects.filter(kind=source).values("key_person_id"))
    q = (q or "").strip()
    if q:
        qs = qs.filter(person__name__startswith=q)
    return qs.order_by("-id")


def get_key_person_for_user(user: Any, pk: int) -> KeyPerson:
    # Outside the user's jurisdiction is indistinguishable from not existing.
    return get_object_or_404(
        scope_to_user(KeyPerson.objects.select_related("person", "place", "worker", "protocol"), user), pk=pk
    )


def responsible_candidates(key_person: KeyPerson) -> list[Any]:
    """Workers who may be made responsible: grid and community workers posted at the place or above it."""
    from fangkong.accounts.models import Membership, Role

    paths = [key_person.place_path[:n] for n in range(Place.steplen, len(key_person.place_path) + 1, Place.steplen)]
    memberships = (
        Membership.objects.filter(place__path__in=paths, role__in=[Role.GRID_WORKER, Role.COMMUNITY_WORKER])
        .select_related("user")
        .order_by("-place__depth", "user__username")
    )
    seen: dict[int, Any] = {}
    for m in memberships:
        seen.setdefault(m.user_id, m.user)
    return list(seen.values())


def work_queue(user: Any, *, mine_only: bool = False) -> QuerySet[KeyPerson]:
    """What a worker must do next: open key persons not yet controlled, overdue first, then by deadline."""
    qs = scope_to_user(KeyPerson.objects.select_related("person", "place"), user).filter(
        clear_state__in=(ClearState.NEW, ClearState.IDENTIFIED, ClearState.VERIFIED)
    )
    if mine_only:
        qs = qs.filter(worker=user)
    now = timezone.now()
    return qs.annotate(
        overdue_rank=Case(When(overdue_q(now), then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("overdue_rank", "due_at", "id")


def timeline(key_person: KeyPerson) -> list[dict[str, Any]]:
    """Sources, state changes, measure phases and who did what, oldest first."""
    items: list[dict[str, Any]] = []
    for source in key_person.sources.select_related("created_by", "push_list").order_by("reported_at", "id"):
        items.append({"at": source.reported_at, "kind": "source", "source": source, "actor": source.created_by})
    for event in KeyPersonEvent.objects.filter(key_person=key_person).select_related("actor"):
        items.append({"at": event.at, "kind": "event", "event": event, "actor": event.actor})
    for phase in key_person.schedule:
        items.append({"at": None, "date": phase.get("starts_on"), "kind": "phase", "phase": phase})
    items.sort(
        key=lambda item: (item["at"].date().isoformat() if item["at"] else item["date"] or "", item["at"] is None)
    )
    return items


@dataclass
class TravelRow:
    place_text: str
    from_date: Any
    to_date: Any
    risk_area: Any
    source: str


def travel_history(key_person: KeyPerson) -> list[TravelRow]:
    """Recorded stays plus the origins the sources named, each with the risk area it lay in at the time."""
    from fangkong.protocols.selectors import match_risk_area

    rows = [
        TravelRow(t.place_text, t.from_date, t.to_date, t.risk_area, "")
        for t in key_person.travels.select_related("risk_area")
    ]
    for source in key_person.sources.exclude(came_from="").order_by("-arrived_on"):
        arrived = source.arrived_on or source.reported_at.date()
        area = match_risk_area(source.came_from, None, arrived)
        rows.append(TravelRow(source.came_from, None, arrived, area, source.get_kind_display()))
    return sorted(rows, key=lambda r: r.to_date, reverse=True)


def push_batches_for(user: Any) -> QuerySet[PushBatch]:
    """Push lists turned into key persons, with how many of them are still not identified and overdue."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce

    def counted(extra: Q) -> Any:
        sources = (
            KeyPersonSource.objects.filter(
                Q(push_list=OuterRef("push_list"), key_person__clear_state=ClearState.NEW) & extra
            )
            .order_by()
            .values("push_list")
            .annotate(n=Count("id"))
            .values("n")
        )
        return Coalesce(Subquery(sources), 0)

    return (
        scope_to_user(
            PushBatch.objects.select_related("push_list", "push_list__job"), user, path_field="push_list__scope_path"
        )
        .annotate(still_new=counted(Q()), overdue=counted(Q(key_person__due_at__lt=timezone.now())))
        .order_by("-id")
    )


def get_push_batch_for_user(user: Any, pk: int) -> PushBatch:
    return get_object_or_404(push_batches_for(user), pk=pk)


# --- coverage board --------------------------------------------------------------------------


@dataclass
class CoverageRow:
    place: Place | None  # None: key persons held at the parent itself (unplaced, to hand over)
    total: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_state: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    unplaced: int = 0
    outside: int = 0
    households: int = 0
    visited: int = 0

    @property
    def open(self) -> int:
        return self.total - self.by_state.get(ClearState.RELEASED, 0)

    @property
    def cleared(self) -> int:
        return self.by_state.get(ClearState.CONTROLLED, 0) + self.by_state.get(ClearState.RELEASED, 0)


def coverage(place: Place) -> tuple[CoverageRow, list[CoverageRow]]:
    """Key persons under an authorised place, per child place: one grouped query over the key persons."""
    child_len = len(place.path) + Place.steplen
    children = {c.path: c for c in Place.objects.get_children(place).order_by("name")}
    rows: dict[str | None, CoverageRow] = {path: CoverageRow(c) for path, c in children.items()}
    total = CoverageRow(place)
    here = CoverageRow(None)
    now = timezone.now()
    grouped = (
        KeyPerson.objects.filter(place_path__startswith=place.path)
        .annotate(child=Substr("place_path", 1, child_len))
        .values("child", "category", "clear_state")
        .annotate(
            n=Count("id"),
            overdue=Count("id", filter=overdue_q(now)),
            unplaced=Count("id", filter=Q(is_unplaced=True)),
            outside=Count("id", filter=Q(outside_district=True)),
        )
        .order_by()
    )
    for g in grouped:
        row = rows.get(g["child"]) if len(g["child"]) == child_len else None
        if row is None:
            row = here
        for target in (row, total):
            target.total += g["n"]
            target.by_category[g["category"]] = target.by_category.get(g["category"], 0) + g["n"]
            target.by_state[g["clear_state"]] = target.by_state.get(g["clear_state"], 0) + g["n"]
            target.overdue += g["overdue"]
            target.unplaced += g["unplaced"]
            target.outside += g["outside"]
    _sweep_progress(place, child_len, rows, total)
    result = list(rows.values())
    if here.total:
        result.append(here)
    return total, result


def _sweep_progress(place: Place, child_len: int, rows: dict[str | None, CoverageRow], total: CoverageRow) -> None:
    """Households covered by open sweeps under the place, against households under the swept places."""
    tasks = list(
        SweepTask.objects.filter(place_path__startswith=place.path, closed_at__isnull=True).values_list(
            "place_path", flat=True
        )
    )
    if not tasks:
        return
    households: dict[str, int] = defaultdict(int)
    for path in set(tasks):
        n = Place.objects.filter(path__startswith=path, type=PlaceType.HOUSEHOLD).count()
        households[path[:child_len] if len(path) >= child_len else ""] += n
    visited = (
        SweepVisit.objects.filter(task__place_path__startswith=place.path, task__closed_at__isnull=True)
        .annotate(child=Substr("household_path", 1, child_len))
        .values("child")
        .annotate(n=Count("household_id", distinct=True))
        .order_by()
    )
    for path, n in households.items():
        row = rows.get(path)
        if row is not None:
            row.households += n
        total.households += n
    for v in visited:
        row = rows.get(v["child"])
        if row is not None:
            row.visited += v["n"]
        total.visited += v["n"]


# --- sweeps ---------------------------------------------------------------------------------


def sweeps_for(user: Any, *, place: Place | None = None) -> QuerySet[SweepTask]:
    qs = scope_to_user(SweepTask.objects.select_related("place", "created_by"), user)
    if place is not None:
        qs = qs.filter(place_path__startswith=place.path)
    return qs.order_by("closed_at", "-id")


def get_sweep_for_user(user: Any, pk: int) -> SweepTask:
    return get_object_or_404(sweeps_for(user), pk=pk)


@dataclass
class HouseholdRow:
    household: Place
    outcome: str
    note: str


def sweep_households(task: SweepTask, user: Any, *, only_open: bool = False) -> list[HouseholdRow]:
    """Households of the sweep the user may visit, with their latest outcome."""
    households = scope_to_user(
        Place.objects.filter(path__startswith=task.place_path, type=PlaceType.HOUSEHOLD), user
    ).order_by("path")
    visits = {v.household_id: v for v in SweepVisit.objects.filter(task=task)}
    rows = []
    for household in households:
        visit = visits.get(household.pk)
        if only_open and visit is not None and visit.outcome != VisitOutcome.NOBODY_HOME:
            continue
        rows.append(HouseholdRow(household, visit.outcome if visit else "", visit.note if visit else ""))
    return rows


def sweep_progress(task: SweepTask) -> dict[str, int]:
    counts = dict(SweepVisit.objects.filter(task=task).values_list("outcome").annotate(n=Count("id")).order_by())
    households = Place.objects.filter(path__startswith=task.place_path, type=PlaceType.HOUSEHOLD).count()
    visited = sum(counts.values())
    return {"households": households, "visited": visited, "left": max(households - visited, 0), **counts}


# --- self-report links -------------------------------------------------------------------------

SELF_REPORT_SALT = "fangkong.screening.self-report"


def self_report_token(community: Place) -> str:
    """The community's QR link token: signed, so ids cannot be walked to post into other communities."""
    from django.core.signing import Signer

    return Signer(salt=SELF_REPORT_SALT).sign(str(community.pk)).replace(":", ".")


def community_for_token(token: str) -> Place:
    from django.core.signing import BadSignature, Signer
    from django.http import Http404

    try:
        pk = Signer(salt=SELF_REPORT_SALT).unsign(token.replace(".", ":"))
    except BadSignature:
        raise Http404 from None
    return get_object_or_404(Place, pk=int(pk), type=PlaceType.COMMUNITY)


def routable_places(user: Any) -> QuerySet[Place]:
    """Communities and grids the user may route key persons to or sweep."""
    return scope_to_user(Place.objects.filter(type__in=(PlaceType.COMMUNITY, PlaceType.GRID)), user).order_by("path")


def sweep_household(task: SweepTask, user: Any, pk: int) -> Place:
    return get_object_or_404(
        scope_to_user(Place.objects.filter(path__startswith=task.place_path, type=PlaceType.HOUSEHOLD), user), pk=pk
    )


def household_residents(household: Place, user: Any) -> QuerySet[Any]:
    from fangkong.people.models import Person

    return scope_to_user(Person.objects.filter(place=household, merged_into__isnull=True), user).order_by("name")


def key_persons_under_other_protocol(user: Any, protocol: Any) -> QuerySet[KeyPerson]:
    """Key persons under a measure scheduled by another protocol: the candidates for applying `protocol`."""
    return (
        scope_to_user(KeyPerson.objects.select_related("person", "place"), user)
        .filter(clear_state=ClearState.CONTROLLED)
        .exclude(protocol=protocol)
        .order_by("id")
    )


# --- self-reports (居民报备) ----------------------------------------------------------------------


def self_reports_for(user: Any, *, open_only: bool = False) -> QuerySet[SelfReport]:
    """The reports made on the public pages of the user's communities, newest first."""
    qs = scope_to_user(SelfReport.objects.select_related("place", "key_person"), user)
    return (qs.filter(key_person__isnull=True) if open_only else qs).order_by("-id")


def get_self_report_for_user(user: Any, pk: int) -> SelfReport:
    # Outside the user's jurisdiction is indistinguishable from not existing.
    return get_object_or_404(scope_to_user(SelfReport.objects.select_related("place", "key_person"), user), pk=pk)
