from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core import fields
from fangkong.core.scoping import scope_to_user
from fangkong.core.validators import When, validate_clean_text
from fangkong.places.models import Place, PlaceType
from fangkong.quarantine.models import (
    MeasureStatus,
    RoomStatus,
    RoomType,
    SiteKind,
    SiteStatus,
    StaffRole,
    TestOutcome,
)


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, so `{{ field }}` renders as the rest of the UI."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)


class SiteFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or address contains"), required=False, max_length=50)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *SiteStatus.choices])

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {"q": data.get("q") or "", "status": data.get("status") or ""}


class SiteForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100, validators=[validate_clean_text])
    kind = forms.ChoiceField(label=_("Type"), choices=SiteKind.choices)
    place = forms.ModelChoiceField(label=_("Street / district"), queryset=Place.objects.none())
    address = forms.CharField(label=_("Address"), max_length=200, validators=[validate_clean_text])
    status = forms.ChoiceField(label=_("Status"), choices=SiteStatus.choices, initial=SiteStatus.RESERVE)
    contact_name = forms.CharField(
        label=_("Contact person"), required=False, max_length=50, validators=[validate_clean_text]
    )
    contact_phone = forms.RegexField(
        label=_("Contact phone"),
        required=False,
        regex=r"^[0-9+\- ]{5,20}$",
        error_messages={"invalid": _("Enter a phone number: digits, +, - and spaces.")},
    )
    free_rooms_warning = forms.IntegerField(label=_("Warn below free rooms"), min_value=0, max_value=10000, initial=5)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        places = scope_to_user(Place.objects.filter(type__in=[PlaceType.DISTRICT, PlaceType.STREET]), user)
        self.fields["place"].queryset = places.order_by("path")  # type: ignore[attr-defined]


class RoomsForm(StyledForm):
    numbers = forms.CharField(
        label=_("Room numbers"), max_length=500, help_text=_("Ranges and lists, e.g. 101-120, 201, 202")
    )
    floor = forms.IntegerField(label=_("Floor"), min_value=-5, max_value=200, initial=1)
    room_type = forms.ChoiceField(label=_("Room type"), choices=RoomType.choices)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=10, initial=1)


class RoomStatusForm(StyledForm):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(s, label) for s, label in RoomStatus.choices if s != RoomStatus.OCCUPIED],
    )


class StaffForm(StyledForm):
    name = forms.CharField(label=_("Staff name"), max_length=50, validators=[validate_clean_text])
    role = forms.ChoiceField(label=_("Role"), choices=StaffRole.choices)
    phone = forms.RegexField(
        label=_("Phone"),
        required=False,
        regex=r"^[0-9+\- ]{5,20}$",
        error_messages={"invalid": _("Enter a phone number: digits, +, - and spaces.")},
    )
    shift_starts = forms.TimeField(label=_("Shift starts"), widget=forms.TimeInput(attrs={"type": "time"}))
    shift_ends = forms.TimeField(label=_("Shift ends"), widget=forms.TimeInput(attrs={"type": "time"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("shift_starts") and data.get("shift_starts") == data.get("shift_ends"):
            self.add_error("shift_ends", _("A shift cannot end when it starts."))
        return data


class MeasureFilterForm(forms.Form):
    q = forms.CharField(label=_("Name starts with"), required=False, max_length=50)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *MeasureStatus.choices], initial="active"
    )
    where = forms.ChoiceField(
        label=_("Where"),
        required=False,
        choices=[
            ("", _("Any")),
            ("site", _("At a site")),
            ("home", _("At home")),
            ("unplaced", _("Not yet placed")),
        ],
    )

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") if "status" in self.data else MeasureStatus.ACTIVE
        return {"q": data.get("q") or "", "status": status or "", "where": data.get("where") or ""}


class PlaceForm(StyledForm):
    room = forms.IntegerField(label=_("Room"), required=False, min_value=1)


class MoveForm(StyledForm):
    room = forms.IntegerField(label=_("Room"), min_value=1)
    reason = forms.CharField(label=_("Reason"), max_length=100)


class LeaveForm(StyledForm):
    to_home = forms.TypedChoiceField(
        label=_("Goes to"),
        coerce=lambda v: v == "home",
        choices=[("home", _("Home (next phase)")), ("elsewhere", _("Hospital or elsewhere"))],
    )
    reason = forms.CharField(label=_("Reason"), max_length=100)


class TestForm(StyledForm):
    due_on = fields.DateField(label=_("Due"), widget=forms.HiddenInput)
    sampled_on = fields.DateField(when=When.PAST, label=_("Sampled"), widget=forms.DateInput(attrs={"type": "date"}))
    # No preselected result: one careless click must not record a negative.
    outcome = forms.ChoiceField(label=_("Result"), choices=[("", _("Choose the result")), *TestOutcome.choices])

    def clean_sampled_on(self) -> Any:
        value = self.cleaned_data["sampled_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The sample cannot be taken in the future."))
        return value


class ExtendForm(StyledForm):
    days = forms.IntegerField(label=_("Extend by days"), min_value=1, max_value=60)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ReleaseForm(StyledForm):
    early_reason = forms.CharField(
        label=_("Reason for early release"),
        required=False,
        max_length=300,
        help_text=_("Only to release before the end date; it is recorded and audited."),
    )


class DailyForm(StyledForm):
    day = fields.DateField(label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(
        label=_("List"),
        required=False,
        choices=[("start", _("Starting")), ("phase", _("Changing phase")), ("release", _("Due for release"))],
    )
