"""The audit browser's query string."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.audit.models import AuditAction
from fangkong.audit.selectors import AuditFilters
from fangkong.core import fields


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("action"), required=False, choices=[("", _("All")), *AuditAction.choices])
    username = forms.CharField(label=_("username"), required=False, max_length=150)
    object_type = forms.CharField(label=_("object type"), required=False, max_length=50)
    object_id = forms.CharField(label=_("object id"), required=False, max_length=64)
    date_from = fields.DateField(label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = fields.DateField(label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> AuditFilters:
        """The valid part of the query; a field with an error filters nothing rather than failing the page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return AuditFilters(
            action=data.get("action") or "",
            username=(data.get("username") or "").strip(),
            object_type=(data.get("object_type") or "").strip(),
            object_id=(data.get("object_id") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
