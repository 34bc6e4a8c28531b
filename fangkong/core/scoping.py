"""The only door to data that belongs to a place: a user sees their memberships' subtrees.

HQ sees the whole district because its membership is at the district node; an
account with no membership sees nothing (never everything). Superusers, who run
the system and the Django admin, see all.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet

M = TypeVar("M", bound=models.Model)


def jurisdiction_paths(user: Any) -> list[str]:
    """Materialised paths of the places the user is assigned to, with nested ones folded away."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached: list[str] | None = getattr(user, "_fangkong_paths", None)
    if cached is not None:
        return cached
    paths = sorted(set(user.memberships.values_list("place__path", flat=True)))
    folded: list[str] = []
    for path in paths:
        if not any(path.startswith(kept) for kept in folded):
            folded.append(path)
    user._fangkong_paths = folded
    return folded


def sees_everything(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def jurisdiction_q(user: Any, path_field: str) -> Q:
    """A Q that keeps rows whose `path_field` lies inside the user's jurisdiction."""
    if sees_everything(user):
        return Q()
    paths = jurisdiction_paths(user)
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{path_field}__startswith": p}) for p in paths))


def jurisdiction_sql(user: Any, path_column: str) -> tuple[str, list[str]]:
    """jurisdiction_q for a hand-written read: an SQL condition on `path_column` and its parameters."""
    if sees_everything(user):
        return "TRUE", []
    paths = jurisdiction_paths(user)
    if not paths:
        return "FALSE", []
    # Paths are letters and digits; escaping keeps the prefix literal all the same.
    prefixes = [p.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for p in paths]
    condition = " OR ".join(f"{path_column} LIKE %s ESCAPE '\\'" for _ in paths)
    return f"({condition})", prefixes


def scope_to_user(queryset: QuerySet[M], user: Any, *, path_field: str | None = None) -> QuerySet[M]:
    """Restrict any queryset over place-owned rows to the user's jurisdiction.

    Models declare where their place path lives with a `scope_path_field`
    attribute (e.g. "place_path" on Person, "path" on Place); pass `path_field`
    only for a model that has none.
    """
    field = path_field or getattr(queryset.model, "scope_path_field", None)
    if field is None:
        raise TypeError(f"{queryset.model.__name__} declares no scope_path_field; pass path_field explicitly.")
    if sees_everything(user):
        return queryset
    paths = jurisdiction_paths(user)
    if not paths:
        return queryset.none()
    return queryset.filter(jurisdiction_q(user, field))


def path_in_jurisdiction(user: Any, path: str) -> bool:
    if sees_everything(user):
        return True
    return path.startswith(tuple(jurisdiction_paths(user)))


def require_jurisdiction(user: Any, path: str) -> None:
    """For a write: PermissionDenied unless `path` lies inside the user's jurisdiction."""
    if not path_in_jurisdiction(user, path):
        raise PermissionDenied


def scope_to_place(queryset: QuerySet[M], path: str, *, path_field: str | None = None) -> QuerySet[M]:
    """Restrict a queryset to one place's subtree: the jurisdiction of an anonymous submission.

    A public form (a community's self-report page, a venue's check-in) speaks for the place it was
    printed for and no further: what it may match in the register lies below that place.
    """
    field = path_field or getattr(queryset.model, "scope_path_field", None)
    if field is None:
        raise TypeError(f"{queryset.model.__name__} declares no scope_path_field; pass path_field explicitly.")
    if not path:
        return queryset.none()
    return queryset.filter(**{f"{field}__startswith": path})
