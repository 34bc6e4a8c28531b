"""Reads of protocols and risk areas. Neither holds personal data, so they are not scoped by place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from fangkong.places.models import Place, PlaceType
from fangkong.places.selectors import jurisdiction_roots
from fangkong.protocols.models import ActiveProtocol, Category, Phase, Protocol, RiskArea
from fangkong.protocols.presets import DEFAULT_PRESET
from fangkong.protocols.risk import best_area


def protocols_with_categories() -> QuerySet[Protocol]:
    return Protocol.objects.prefetch_related(
        Prefetch("categories", queryset=Category.objects.prefetch_related(Prefetch("phases", Phase.objects.all())))
    )


def get_protocol(pk: int) -> Protocol:
    return get_object_or_404(protocols_with_categories(), pk=pk)


def district_of(place: Place) -> Place:
    """The district (root) a place belongs to."""
    if place.depth == 1:
        return place
    return Place.objects.get(path=place.path[: Place.steplen])


def user_district(user: Any) -> Place | None:
    """The district whose protocol applies to the user: the district of their first jurisdiction root."""
    roots = jurisdiction_roots(user)
    if not roots:
        return None
    root = roots[0]
    return root if root.type == PlaceType.DISTRICT else district_of(root)


@dataclass
class Active:
    protocol: Protocol
    # None while the district never chose one and works by the default preset.
    activation: ActiveProtocol | None


def active_protocol(district: Place) -> Active:
    """The protocol the district works by: its chosen one, else the latest built-in preset."""
    activation = ActiveProtocol.objects.select_related("protocol", "activated_by").filter(district=district).first()
    if activation is not None:
        protocol = protocols_with_categories().get(pk=activation.protocol_id)
        return Active(protocol, activation)
    fallback = (
        protocols_with_categories().filter(code=DEFAULT_PRESET).first()
        or protocols_with_categories().order_by("-effective_from", "pk").first()
    )
    if fallback is None:
        raise LookupError("No protocol is loaded; run the migrations.")
    return Active(fallback, None)


@dataclass(frozen=True)
class BodyTemperature:
    """A protocol's body-temperature rules (°C): the fever threshold and the readings each use accepts."""

    fever_at: Decimal
    gate_range: tuple[Decimal, Decimal]  # checkpoints
    report_range: tuple[Decimal, Decimal]  # health reports under a measure

    @classmethod
    def of(cls, protocol: Protocol) -> BodyTemperature:
        return cls(
            Decimal(protocol.fever_at),
            (Decimal(protocol.gate_temperature_min), Decimal(protocol.gate_temperature_max)),
            (Decimal(protocol.report_temperature_min), Decimal(protocol.report_temperature_max)),
        )


def body_temperature(place_path: str | None) -> BodyTemperature:
    """The body-temperature rules of the protocol the district of `place_path` works by.

    Without a place (a reading not yet tied to one), the rules of the default preset.
    """
    district = Place.objects.filter(path=place_path[: Place.steplen]).first() if place_path else None
    if district is not None:
        return BodyTemperature.of(active_protocol(district).protocol)
    protocol = (
        Protocol.objects.filter(code=DEFAULT_PRESET).first()
        or Protocol.objects.order_by("-effective_from", "pk").first()
    )
    if protocol is None:
        raise LookupError("No protocol is loaded; run the migrations.")
    return BodyTemperature.of(protocol)


def category_of(protocol: Protocol, code: str) -> Category | None:
    for category in protocol.categories.all():
        if category.code == code:
            return category
    return None


def push_default_category(protocol: Protocol) -> Category | None:
    categories = list(protocol.categories.all())
    return next((c for c in categories if c.is_push_default), categories[0] if categories else None)


def fever_default_category(protocol: Protocol) -> Category | None:
    """The category a fever at a checkpoint makes: the marked one, else a category coded fever_patient."""
    categories = list(protocol.categories.all())
    return next((c for c in categories if c.is_fever_default), None) or next(
        (c for c in categories if c.code == "fever_patient"), None
    )


def category_names(protocol: Protocol) -> dict[str, str]:
    return {c.code: c.name for c in protocol.categories.all()}


def all_category_names() -> dict[str, str]:
    """Category labels over every protocol (a key person may keep a category of an earlier protocol)."""
    names: dict[str, str] = {}
    for code, name in Category.objects.order_by("-protocol__effective_from").values_list("code", "name"):
        names.setdefault(code, name)
    return names


# --- schedules -----------------------------------------------------------------------


def build_schedule(category: Category, start: dt.date) -> list[dict[str, Any]]:
    """The measure's phases as dated steps: what a key person placed under it on `start` must do."""
    schedule: list[dict[str, Any]] = []
    day = start
    for phase in category.phases.all():
        ends = day + dt.timedelta(days=phase.days - 1)
        schedule.append(
            {
                "kind": phase.kind,
                "days": phase.days,
                "starts_on": day.isoformat(),
                "ends_on": ends.isoformat(),
                "test_dates": [(day + dt.timedelta(days=n - 1)).isoformat() for n in phase.test_days],
            }
        )
        day = ends + dt.timedelta(days=1)
    return schedule


# --- risk areas --------------------------------------------------------------------------


def risk_areas(*, q: str = "", level: str = "", active_on: dt.date | None = None) -> QuerySet[RiskArea]:
    qs = RiskArea.objects.all()
    if q:
        qs = qs.filter(name__contains=q.strip())
    if level:
        qs = qs.filter(level=level)
    if active_on is not None:
        qs = qs.filter(Q(starts_on__lte=active_on), Q(ends_on__isnull=True) | Q(ends_on__gte=active_on))
    return qs.order_by("-starts_on", "name")


def get_risk_area(pk: int) -> RiskArea:
    return get_object_or_404(RiskArea, pk=pk)


def match_risk_area(place_text: str, start: dt.date | None, end: dt.date) -> RiskArea | None:
    """The highest-risk area the place was in while the person was there (the rule: protocols.risk)."""
    text = (place_text or "").strip()
    if not text:
        return None
    first = start or end
    candidates = RiskArea.objects.filter(Q(starts_on__lte=end), Q(ends_on__isnull=True) | Q(ends_on__gte=first))
    return best_area(text, candidates.order_by("pk"))


def category_name_subquery(field: str = "category") -> Subquery:
    """all_category_names as a column: the newest protocol's name for the code in `field`, inside the row's query."""
    return Subquery(
        Category.objects.filter(code=OuterRef(field)).order_by("-protocol__effective_from").values("name")[:1]
    )


def returnee_categories(protocol: Protocol) -> dict[str, str]:
    """Risk level → the code of the protocol's returnee category for stays in areas of that level."""
    return {c.returnee_risk_level: c.code for c in protocol.categories.all() if c.returnee_risk_level}
