"""Every write to the place tree."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.core.errors import PlaceNotInJurisdiction
from fangkong.core.scoped import rewrite_copied_paths
from fangkong.core.scoping import path_in_jurisdiction
from fangkong.places.counts import adjust_counts, subtree_contribution
from fangkong.places.models import ALLOWED_CHILDREN, Place, PlaceType, check_placement

PLACE_FIELDS = (
    "type",
    "name",
    "code",
    "address",
    "aliases",
    "is_ownerless",
    "cadre_name",
    "cadre_phone",
)


class PlaceOutsideJurisdiction(PlaceNotInJurisdiction):
    """The place a places service was asked to act on is not in the actor's jurisdiction."""


def _require(actor: Any, place: Place | None) -> None:
    if place is None:
        if not getattr(actor, "is_superuser", False):
            raise PlaceOutsideJurisdiction(None)
        return
    if not path_in_jurisdiction(actor, place.path):
        raise PlaceOutsideJurisdiction(place.pk)


def _validated(place: Place) -> Place:
    place.full_clean(exclude=["path", "depth", "numchild"])
    return place


@transaction.atomic
def create_place(
    *,
    actor: Any,
    parent: Place | None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Place:
    unknown = set(fields) - set(PLACE_FIELDS)
    if unknown:
        raise TypeError(f"unknown place fields: {sorted(unknown)}")
    _require(actor, parent)
    check_placement(fields["type"], parent)
    candidate = _validated(Place(**fields))
    if parent is None:
        place = Place.objects.add_root(instance=candidate)
    else:
        place = Place.objects.add_child(parent, instance=candidate)
        adjust_counts({parent.path: {place.type: 1}})
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=place,
        summary=say(gettext_lazy("%(type)s %(name)s created"), type=PlaceType(place.type).label, name=place.name),
        request=request,
    )
    return place


@transaction.atomic
def update_place(*, actor: Any, place: Place, request: HttpRequest | None = None, **fields: Any) -> Place:
    unknown = set(fields) - set(PLACE_FIELDS) - {"type"}
    if unknown:
        raise TypeError(f"unknown place fields: {sorted(unknown)}")
    place = Place.objects.select_for_update().get(pk=place.pk)
    _require(actor, place)
    if "type" in fields and fields["type"] != place.type:
        check_placement(fields["type"], Place.objects.get_parent(place))
        if place.numchild:
            kids = set(Place.objects.get_children(place).values_list("type", flat=True))
            if any(kid not in ALLOWED_CHILDREN[fields["type"]] for kid in kids):
                raise ValidationError({"type": _("Its children could no longer sit under it.")})
    old_type = place.type
    changes = {}
    for field, value in fields.items():
        old = getattr(place, field)
        if old != value:
            changes[field] = [str(old), str(value)] if field != "cadre_phone" else [place.masked_cadre_phone, "***"]
            setattr(place, field, value)
    _validated(place)
    if changes:
        place.save()
        if place.type != old_type and place.depth > 1:
            adjust_counts({place.path[: -Place.steplen]: {old_type: -1, place.type: 1}})
        record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=place,
            changes=changes,
            request=request,
        )
    return place


@transaction.atomic
def move_place(*, actor: Any, place: Place, new_parent: Place, request: HttpRequest | None = None) -> Place:
    place = Place.objects.select_for_update().get(pk=place.pk)
    new_parent = Place.objects.select_for_update().get(pk=new_parent.pk)
    _require(actor, place)
    _require(actor, new_parent)
    if new_parent.path.startswith(place.path):
        raise ValidationError(_("A place cannot be moved under itself or one of its own children."))
    check_placement(place.type, new_parent)
    old_parent = Place.objects.get_parent(place)
    old_path = place.path
    moved = subtree_contribution(place)
    if old_parent is not None:
        adjust_counts({old_parent.path: {key: -n for key, n in moved.items()}})
    Place.objects.move(place, new_parent, "last-child")
    place.refresh_from_db()
    adjust_counts({new_parent.path: moved})
    # Every scoped model's copy of a path under the place follows it, in this transaction.
    rewrite_copied_paths(old_path=old_path, new_path=place.path)
    record(
        actor=actor,
        action=AuditAction.MOVE,
        obj=place,
        changes={"parent": [old_parent.name if old_parent else None, new_parent.name]},
        request=request,
    )
    return place
