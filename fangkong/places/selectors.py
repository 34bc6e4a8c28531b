"""Reads over the place tree, all scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from fangkong.core.scoping import (
    jurisdiction_paths,
    path_in_jurisdiction,
    scope_to_user,
    sees_everything,
)
from fangkong.places.models import Place


def places_for(user: Any, *, type: str = "", q: str = "", within: Place | None = None) -> QuerySet[Place]:
    qs = scope_to_user(Place.objects.all(), user)
    if within is not None:
        qs = qs.filter(path__startswith=within.path)
    if type:
        qs = qs.filter(type=type)
    if q:
        qs = qs.filter(name__contains=q.strip())
    return qs.order_by("path")


def get_place_for_user(user: Any, pk: int) -> Place:
    return get_object_or_404(scope_to_user(Place.objects.all(), user), pk=pk)


def jurisdiction_roots(user: Any) -> list[Place]:
    """The top places a user may open: their membership places (or all districts for superusers)."""
    if sees_everything(user):
        return list(Place.objects.get_root_nodes())
    paths = jurisdiction_paths(user)
    return list(Place.objects.filter(path__in=paths).order_by("path"))


@dataclass
class Crumb:
    place: Place
    linkable: bool


def breadcrumb(user: Any, place: Place) -> list[Crumb]:
    ancestors = [*Place.objects.get_ancestors(place), place]
    return [Crumb(p, path_in_jurisdiction(user, p.path)) for p in ancestors]
