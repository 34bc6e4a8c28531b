"""Forms of the transfer pages: they parse input; the rules live in transfers.services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core import fields
from fangkong.core.validators import When, validate_clean_text
from fangkong.transfers.models import (
    MAX_SEATS,
    CrewRole,
    TransferKind,
    TransferStatus,
    VehicleKind,
    VehicleStatus,
)

WHERE_CHOICES = [
    ("unplaced", _("Waiting for a room")),
    ("site", _("At a quarantine site")),
    ("home", _("At home")),
]


def _styled(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *TransferStatus.choices])
    kind = forms.ChoiceField(label=_("Transfer"), required=False, choices=[("", _("Any")), *TransferKind.choices])
    day = fields.DateField(label=_("Planned on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {"status": data.get("status") or "", "kind": data.get("kind") or "", "day": data.get("day")}


class VehicleFilterForm(forms.Form):
    q = forms.CharField(label=_("Plate contains"), required=False, max_length=10)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *VehicleStatus.choices])

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {"q": data.get("q") or "", "status": data.get("status") or ""}


class VehicleForm(forms.Form):
    plate = forms.CharField(label=_("Plate"), max_length=16, help_text=_("e.g. 豫C12345, new-energy 豫CD12345"))
    kind = forms.ChoiceField(label=_("Type"), choices=VehicleKind.choices, initial=VehicleKind.VAN)
    seats = forms.IntegerField(label=_("Passenger seats"), min_value=1, max_value=MAX_SEATS)
    place = forms.IntegerField(
        label=_("Place (street, community …)"),
        min_value=1,
        help_text=_("The number of the place (shown in the place browser)."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200, validators=[validate_clean_text])

    def __init__(self, *args: Any, with_status: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_status:
            self.fields["status"] = forms.ChoiceField(
                label=_("Status"),
                choices=[
                    (VehicleStatus.AVAILABLE, VehicleStatus.AVAILABLE.label),
                    (VehicleStatus.OUT_OF_SERVICE, VehicleStatus.OUT_OF_SERVICE.label),
                ],
                required=False,
                help_text=_("On a task and being disinfected follow the runs."),
            )
        _styled(self)


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Transfer"), choices=TransferKind.choices, initial=TransferKind.TO_SITE)
    to_site = forms.TypedChoiceField(label=_("Quarantine site"), required=False, coerce=int, empty_value=None)
    to_text = forms.CharField(
        label=_("Hospital or address"),
        required=False,
        max_length=200,
        validators=[validate_clean_text],
        help_text=_("For a transfer to hospital or home."),
    )
    from_address = forms.CharField(
        label=_("Pick-up address"),
        required=False,
        max_length=200,
        validators=[validate_clean_text],
        help_text=_("Leave empty to use the first passenger's address or room."),
    )
    vehicle = forms.TypedChoiceField(label=_("Vehicle"), required=False, coerce=int, empty_value=None)
    planned_at = fields.DateTimeField(
        when=When.EVENT, label=_("Planned departure"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    measures = forms.TypedMultipleChoiceField(
        label=_("Passengers"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    driver_name = forms.CharField(label=_("Driver"), required=False, max_length=50, validators=[validate_clean_text])
    driver_phone = forms.CharField(label=_("Driver's mobile phone"), required=False, max_length=20)
    medic_name = forms.CharField(label=_("Medic"), required=False, max_length=50, validators=[validate_clean_text])
    medic_phone = forms.CharField(label=_("Medic's mobile phone"), required=False, max_length=20)
    reason = forms.CharField(label=_("Note"), required=False, max_length=300, validators=[validate_clean_text])

    def __init__(
        self,
        *args: Any,
        sites: list[tuple[int, str]] = (),  # type: ignore[assignment]
        vehicles: list[tuple[int, str]] = (),  # type: ignore[assignment]
        measures: list[tuple[int, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_site"].choices = [("", "—"), *sites]  # type: ignore[attr-defined]
        self.fields["vehicle"].choices = [("", _("Assign later")), *vehicles]  # type: ignore[attr-defined]
        self.fields["measures"].choices = list(measures)  # type: ignore[attr-defined]
        if not self.is_bound:
            self.fields["planned_at"].initial = (dt.datetime.now() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:00")
        _styled(self)


class CrewForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=CrewRole.choices)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50, validators=[validate_clean_text])
    phone = forms.CharField(label=_("Mobile phone"), required=False, max_length=20)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)


class TimeForm(forms.Form):
    """Depart, arrive, disinfect: now, or the time it happened when recorded afterwards."""

    at = fields.DateTimeField(
        label=_("Time"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    leave_unplaced = forms.BooleanField(label=_("Do not place the passengers in rooms now"), required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why cancelled"), max_length=200, validators=[validate_clean_text])
