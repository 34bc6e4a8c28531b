"""The audit log in the Django admin: searchable, filterable, and read-only for everyone, superusers included."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fangkong.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_username", "ip_address", "action", "object_type", "object_id", "summary")
    list_filter = ("action", "object_type", "at")
    search_fields = ("=actor_username", "=object_id", "summary", "=ip_address")
    ordering = ("-at", "-id")
    list_per_page = 100
    # The log grows without bound: no date drill-down or full COUNT(*) on every changelist load.
    show_full_result_count = False
    # The actor is shown by the username kept on the row; a select over all users would be slow and pointless.
    readonly_fields = (
        "at",
        "actor",
        "actor_username",
        "ip_address",
        "action",
        "object_type",
        "object_id",
        "summary",
        "changes",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
