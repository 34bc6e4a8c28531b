"""Permissions in one prepared query: a role's permissions come through its group, an admin's grants directly."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from fangkong.core.engines import PerEngine
from fangkong.core.sql import prepared_rows


@cache
def _permissions_sql() -> str:
    user_model = get_user_model()
    own = user_model.user_permissions.through._meta.db_table
    member = user_model.groups.through._meta.db_table
    granted = Group.permissions.through._meta.db_table
    return f"""
SELECT ct.app_label, p.codename FROM {Permission._meta.db_table} p
JOIN django_content_type ct ON ct.id = p.content_type_id
WHERE p.id IN (SELECT permission_id FROM {own} WHERE user_id = %s
               UNION SELECT gp.permission_id FROM {granted} gp JOIN {member} ug ON ug.group_id = gp.group_id
                     WHERE ug.user_id = %s)
"""  # noqa: S608 - table names from the models; the user id is a parameter


class RolePermissionBackend(ModelBackend):
    """ModelBackend that reads a user's own and group permissions together (Django reads them in two queries).

    Every page checks permissions, and planning those joins costs more than running them; on PostgreSQL the
    one query is prepared per connection, so each request pays only its execution. The answers are the same.
    """

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                names = list(Permission.objects.order_by().values_list("content_type__app_label", "codename"))
            else:
                names = PERMISSIONS().of_user(user_obj.pk)
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in names}
        return user_obj._perm_cache


class PreparedPermissions:
    """PostgreSQL: one query, prepared once per connection."""

    def of_user(self, user_id: int) -> list[tuple[Any, ...]]:
        return prepared_rows(_permissions_sql(), [user_id, user_id])


class OrmPermissions:
    """Other engines: the same rows through the ORM (a UNION of own and group permissions)."""

    def of_user(self, user_id: int) -> list[tuple[Any, ...]]:
        query = Permission.objects.order_by().values_list("content_type__app_label", "codename")
        return list(query.filter(user=user_id).union(query.filter(group__user=user_id)))


PERMISSIONS: PerEngine[PreparedPermissions | OrmPermissions] = PerEngine(
    postgresql=PreparedPermissions(), portable=OrmPermissions()
)
