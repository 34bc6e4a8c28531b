"""Forms of the monitoring pages: they parse input; the rules live in monitoring.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core import fields
from fangkong.core.validators import When, validate_clean_text
from fangkong.monitoring.models import AlertKind, AlertStatus, DeliveryStatus, Slot, Symptom, TeamRole, Urgency
from fangkong.protocols.models import MeasureKind
from fangkong.quarantine.models import MeasureStatus

MAX_ID = 2**63 - 1


class HomeCareFilterForm(forms.Form):
    q = forms.CharField(label=_("Name starts with"), required=False, max_length=50)
    kind = forms.ChoiceField(
        label=_("Phase today"),
        required=False,
        choices=[
            ("", _("Any")),
            (MeasureKind.HOME_QUARANTINE, MeasureKind.HOME_QUARANTINE.label),
            (MeasureKind.HOME_MONITORING, MeasureKind.HOME_MONITORING.label),
        ],
    )
    status = forms.ChoiceField(
        label=_("Measure"),
        required=False,
        choices=[
            (MeasureStatus.ACTIVE, MeasureStatus.ACTIVE.label),
            (MeasureStatus.RELEASED, _("Ended")),
            ("all", _("All")),
        ],
    )
    sealed = forms.ChoiceField(
        label=_("Door seal"), required=False, choices=[("", _("Any")), ("yes", _("Sealed")), ("no", _("Not sealed"))]
    )
    gaps = forms.BooleanField(label=_("Team incomplete"), required=False)

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or MeasureStatus.ACTIVE
        return {
            "q": data.get("q") or "",
            "kind": data.get("kind") or "",
            "status": "" if status == "all" else status,
            "sealed": data.get("sealed") or "",
            "gaps": bool(data.get("gaps")),
        }


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[*AlertStatus.choices, ("all", _("All"))], initial=AlertStatus.OPEN
    )
    kind = forms.ChoiceField(label=_("Alert"), required=False, choices=[("", _("Any")), *AlertKind.choices])
    urgency = forms.ChoiceField(label=_("Urgency"), required=False, choices=[("", _("Any")), *Urgency.choices])
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    since = fields.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or AlertStatus.OPEN
        return {
            "status": "" if status == "all" else status,
            "kind": data.get("kind") or "",
            "urgency": data.get("urgency") or "",
            "mine": bool(data.get("mine")),
            "since": data.get("since"),
        }


class AlertCloseForm(forms.Form):
    alert = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    note = forms.CharField(label=_("What was done"), max_length=300, validators=[validate_clean_text])


def _symptom_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Symptoms"), required=False, choices=Symptom.choices, widget=forms.CheckboxSelectMultiple
    )


class SelfReportForm(forms.Form):
    """The person's own report: a temperature and a few boxes, nothing else."""

    temperature = forms.CharField(label=_("Temperature (°C)"), max_length=6)
    symptoms = _symptom_field()
    other_symptom = forms.CharField(label=_("Other symptom"), required=False, max_length=100)


class StaffReportForm(forms.Form):
    date = fields.DateField(when=When.EVENT, label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    slot = forms.ChoiceField(label=_("Slot"), choices=Slot.choices)
    temperature = forms.CharField(label=_("Temperature (°C)"), max_length=6)
    symptoms = _symptom_field()
    other_symptom = forms.CharField(label=_("Other symptom"), required=False, max_length=100)


class CorrectReportForm(forms.Form):
    report = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    temperature = forms.CharField(label=_("Temperature (°C)"), max_length=6)
    symptoms = _symptom_field()
    other_symptom = forms.CharField(label=_("Other symptom"), required=False, max_length=100)


class HomeCareForm(forms.Form):
    team_size = forms.IntegerField(label=_("Care team size"), min_value=1, max_value=12)
    seal_applied_at = fields.DateTimeField(
        when=When.EVENT,
        label=_("Door seal applied"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    seal_removed_at = fields.DateTimeField(
        when=When.EVENT,
        label=_("Door seal removed"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    sensor_id = forms.CharField(label=_("Door sensor number"), required=False, max_length=40)
    sensor_notes = forms.CharField(label=_("Seal / sensor notes"), required=False, max_length=200)


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=TeamRole.choices)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    duty = forms.CharField(label=_("Duty"), required=False, max_length=50)
    user = forms.TypedChoiceField(label=_("Account"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, candidates: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {u.pk: u for u in candidates or []}
        self.fields["user"].choices = [("", "—"), *((u.pk, str(u)) for u in candidates or [])]  # type: ignore[attr-defined]


class DeliveryForm(forms.Form):
    items = forms.CharField(label=_("Items"), max_length=300)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class DeliveryStatusForm(forms.Form):
    delivery = forms.IntegerField(min_value=1, max_value=MAX_ID)
    status = forms.ChoiceField(
        choices=[(DeliveryStatus.DELIVERED, DeliveryStatus.DELIVERED.label), (DeliveryStatus.CANCELLED, _("Cancel"))]
    )


class DueFilterForm(forms.Form):
    date = fields.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    slot = forms.ChoiceField(label=_("Slot"), required=False, choices=Slot.choices)
    where = forms.ChoiceField(
        label=_("Where"),
        required=False,
        choices=[("", _("Anywhere")), ("site", _("At a site")), ("home", _("At home"))],
    )
    site = forms.IntegerField(label=_("Site"), required=False, min_value=1, max_value=MAX_ID)
