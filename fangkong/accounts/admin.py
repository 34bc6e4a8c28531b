"""Users, memberships and API tokens in the Django admin.

Memberships carry the role groups that grant permissions, so every membership
change goes through accounts.services (add_membership / remove_membership)
just like the pages do; tokens are only ever issued to their owner.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fangkong.accounts.models import ApiToken, Membership, User
from fangkong.accounts.services import add_membership, remove_membership, revoke_token

admin.site.site_header = _("Fangkong")
admin.site.site_title = _("Fangkong")
admin.site.index_title = _("Fangkong administration")


def _save_membership(membership: Membership) -> Membership:
    """Save a membership from an admin form through the services, keeping role groups in step."""
    if membership.pk is not None:
        previous = Membership.objects.select_related("user").get(pk=membership.pk)
        if (previous.place_id, previous.role) == (membership.place_id, membership.role):
            previous.hq_group, previous.is_backup = membership.hq_group, membership.is_backup
            previous.save(update_fields=["hq_group", "is_backup"])
            return previous
        remove_membership(membership=previous)
    return add_membership(
        user=membership.user,
        place=membership.place,
        role=membership.role,
        hq_group=membership.hq_group,
        is_backup=membership.is_backup,
    )


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("place", "role", "hq_group", "is_backup")
    autocomplete_fields = ("place",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = (MembershipInline,)
    list_display = ("username", "display_name", "is_active", "is_staff", "last_login", "roles")
    list_filter = ("is_active", "is_staff", "is_superuser", "memberships__role", "groups")
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        (_("Fangkong"), {"fields": ("display_name",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("memberships__place")

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return "; ".join(f"{m.get_role_display()} · {m.place.name}" for m in obj.memberships.all())

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        for membership in formset.save(commit=False):
            _save_membership(membership)
        for membership in formset.deleted_objects:
            remove_membership(membership=membership)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "hq_group", "place", "is_backup", "created_at")
    list_filter = ("role", "hq_group", "is_backup", "place__type")
    search_fields = ("user__username", "user__display_name", "place__name", "=place__code")
    autocomplete_fields = ("user", "place")
    list_select_related = ("user", "place")

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        saved = _save_membership(obj)
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        remove_membership(membership=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("user"):
            remove_membership(membership=membership)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "hint", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at", "created_at")
    search_fields = ("name", "user__username", "=hint")
    list_select_related = ("user",)
    readonly_fields = ("user", "name", "hint", "key_hash", "created_at", "last_used_at", "revoked_at")
    fields = readonly_fields
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The raw value is shown once to its owner; an admin issuing one would see someone else's secret.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            revoke_token(actor=request.user, token=token, request=request)
            count += 1
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", count) % {"n": count},
            messages.SUCCESS,
        )

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.delete_apitoken")
