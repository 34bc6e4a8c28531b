"""Permissions in one query: a role's permissions come through its group, an admin's grants directly."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


class RolePermissionBackend(ModelBackend):
    """ModelBackend that reads a user's own and group permissions together (Django reads them in two queries).

    Every page checks permissions, so this saves a round trip on each request; the answers are the same.
    """

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            granted = Permission.objects.all()
            if not user_obj.is_superuser:
                granted = granted.filter(Q(user=user_obj) | Q(group__user=user_obj))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in granted.values_list("content_type__app_label", "codename").distinct()
            }
        return user_obj._perm_cache
