"""Forms of the checkpoint pages: they parse input; the rules live in checkpoints.services."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.checkpoints.models import (
    CheckpointStatus,
    CheckpointType,
    Direction,
    HealthCode,
    ItineraryCode,
    KitItem,
    Vaccination,
)
from fangkong.core import fields
from fangkong.core.validators import validate_clean_text

YES_NO = [("", _("Any")), ("1", _("Yes")), ("0", _("No"))]


class CheckpointFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or location contains"), required=False, max_length=50)
    type = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Any")), *CheckpointType.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *CheckpointStatus.choices])

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {"q": data.get("q") or "", "type": data.get("type") or "", "status": data.get("status") or ""}


class CheckpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, validators=[validate_clean_text])
    type = forms.ChoiceField(label=_("Type"), choices=CheckpointType.choices)
    place = forms.IntegerField(label=_("Place (community, compound …)"), min_value=1)
    location = forms.CharField(label=_("Location"), required=False, max_length=200, validators=[validate_clean_text])
    opening_hours = forms.CharField(
        label=_("Opening hours"), required=False, max_length=100, validators=[validate_clean_text]
    )
    status = forms.ChoiceField(label=_("Status"), choices=CheckpointStatus.choices, initial=CheckpointStatus.OPEN)


class KitForm(forms.Form):
    present = forms.MultipleChoiceField(
        label=_("Present"), required=False, choices=KitItem.choices, widget=forms.CheckboxSelectMultiple
    )


class ShiftForm(forms.Form):
    staff_name = forms.CharField(label=_("Staff"), max_length=50, validators=[validate_clean_text])
    staff_phone = forms.CharField(label=_("Mobile phone"), required=False, max_length=20)
    post = forms.CharField(label=_("Post"), max_length=50, validators=[validate_clean_text])
    starts_at = fields.DateTimeField(label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = fields.DateTimeField(label=_("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    is_backup = forms.BooleanField(label=_("Backup"), required=False)


class RegistrationFilterForm(forms.Form):
    direction = forms.ChoiceField(label=_("Direction"), required=False, choices=[("", _("Any")), *Direction.choices])
    abnormal = forms.ChoiceField(label=_("Abnormal"), required=False, choices=YES_NO)
    day = fields.DateField(label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    checkpoint = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        abnormal = data.get("abnormal") or ""
        return {
            "direction": data.get("direction") or "",
            "abnormal": None if abnormal == "" else abnormal == "1",
            "day": data.get("day"),
            "checkpoint": data.get("checkpoint"),
        }


class GateForm(forms.Form):
    """The gate's form: everything optional but identity and direction, so a regular resident is a few taps."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    lookup = forms.CharField(label=_("ID number or mobile phone"), max_length=30)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.IN, widget=forms.RadioSelect
    )
    temperature = forms.CharField(label=_("Temperature (°C)"), required=False, max_length=5)
    health_code = forms.ChoiceField(
        label=_("Health code"), choices=HealthCode.choices, initial=HealthCode.GREEN, widget=forms.RadioSelect
    )
    itinerary_code = forms.ChoiceField(
        label=_("Itinerary code"), required=False, choices=[("", "—"), *ItineraryCode.choices]
    )
    vaccination = forms.ChoiceField(label=_("Vaccination"), required=False, choices=[("", "—"), *Vaccination.choices])
    latest_test_on = forms.CharField(
        label=_("Latest test"), required=False, max_length=10, widget=forms.DateInput(attrs={"type": "date"})
    )
    name = forms.CharField(label=pgettext_lazy("person", "Name"), required=False, max_length=50)
    vehicle_plate = forms.CharField(label=_("Vehicle plate"), required=False, max_length=12)
    passengers = forms.CharField(label=_("Passengers"), required=False, max_length=3)
    came_from = forms.CharField(label=_("Came from"), required=False, max_length=100)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=100)
    destination = forms.CharField(label=_("Destination"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # Made when the page is drawn: submitting the same page twice is one registration.
            self.initial["client_id"] = uuid.uuid4()


class CheckInForm(forms.Form):
    """The venue's self check-in: as little as a phone can type on the doorstep."""

    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50, validators=[validate_clean_text])
    lookup = forms.CharField(label=_("ID number or mobile phone"), max_length=30)
    temperature = forms.CharField(label=_("Temperature (°C), if measured"), required=False, max_length=5)
    # Set by check_in.js when the page opens (the public page itself stays the same for everyone);
    # without JavaScript the server makes one.
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def clean_client_id(self) -> uuid.UUID:
        return self.cleaned_data.get("client_id") or uuid.uuid4()


class AlertHandleForm(forms.Form):
    alert = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    outcome = forms.CharField(label=_("What was done"), max_length=200, validators=[validate_clean_text])
