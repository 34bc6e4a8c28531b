from typing import Any

from django.contrib import admin

from fangkong.protocols.models import ActiveProtocol, Category, Phase, Protocol, RiskArea


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0
    fields = (
        "order",
        "code",
        "name",
        "is_push_default",
        "is_fever_default",
        "identify_within_hours",
        "release_conditions",
    )
    show_change_link = True


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    fields = ("order", "kind", "days", "test_days")


@admin.register(Protocol)
class ProtocolAdmin(admin.ModelAdmin):
    list_display = ("name", "disease", "edition", "effective_from", "is_preset")
    search_fields = ("name", "disease", "code")
    inlines = [CategoryInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "protocol", "is_push_default")
    list_filter = ("protocol",)
    inlines = [PhaseInline]


@admin.register(ActiveProtocol)
class ActiveProtocolAdmin(admin.ModelAdmin):
    list_display = ("district", "protocol", "activated_at", "activated_by")
    readonly_fields = ("district", "protocol", "activated_at", "activated_by")

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        # Changing the active protocol goes through the audited service (the protocol page).
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(RiskArea)
class RiskAreaAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "granularity", "starts_on", "ends_on")
    list_filter = ("level", "granularity")
    search_fields = ("name",)
