"""Persons and tags in the Django admin.

The admin only looks: full ID numbers, phones and addresses are never shown here
(the person page shows them to those allowed, and audits the read), and edits go
through the person pages so people.services normalises, deduplicates and audits them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from fangkong.core.validators import normalize_document_number
from fangkong.people.models import Person, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "document_type", "masked_document", "masked_phone", "sex", "resident_type", "place")
    list_filter = ("resident_type", "document_type", "sex", "tags")
    # Name by prefix (indexed); document numbers only by the exact number, so a search cannot
    # be used to enumerate the people born in a region or a year.
    search_fields = ("name",)
    list_select_related = ("place",)
    show_full_result_count = False
    fields = (
        "name",
        "document_type",
        "masked_document",
        "sex",
        "birth_date",
        "masked_phone",
        "place",
        "masked_address",
        "resident_type",
        "tags",
        "merged_into",
        "created_at",
        "updated_at",
        "person_page",
    )
    readonly_fields = fields

    @admin.display(description=_("document number"))
    def masked_document(self, obj: Person) -> str:
        return obj.masked_document

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj: Person) -> str:
        return obj.masked_phone

    @admin.display(description=_("current address"))
    def masked_address(self, obj: Person) -> str:
        return obj.masked_address

    @admin.display(description=_("full record"))
    def person_page(self, obj: Person) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("people:detail", args=[obj.pk]), _("Open the person page (audited)")
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Person], search_term: str
    ) -> tuple[QuerySet[Person], bool]:
        term = search_term.strip()
        number = normalize_document_number(term)
        if len(number) >= 6 and any(ch.isdigit() for ch in number):
            return queryset.filter(document_number=number), False
        if term:
            return queryset.filter(name__startswith=term), False
        return queryset, False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
