"""Forms of the place browser: they parse input; the rules of the tree live in places.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fangkong.core.validators import parse_phone, validate_clean_text
from fangkong.places.models import Place, PlaceType, division_code_validator


class ScopedPlaceMixin:
    """For forms with a `place` id field and a `places` queryset already scoped to the user."""

    places: Any
    cleaned_data: dict[str, Any]

    def clean_place(self) -> Place:
        place: Place | None = self.places.filter(pk=self.cleaned_data["place"]).first()
        if place is None:
            raise ValidationError(_("Choose a place inside your jurisdiction."), code="outside")
        return place

    def chosen_place(self) -> Place | None:
        """The place to show as selected when the form is re-rendered."""
        if hasattr(self, "cleaned_data") and isinstance(self.cleaned_data.get("place"), Place):
            return self.cleaned_data["place"]
        raw = self["place"].value()  # type: ignore[index]
        if raw is None or not str(raw).isdigit():
            return None
        place: Place | None = self.places.filter(pk=int(raw)).first()
        return place


class PlaceForm(forms.Form):
    # Every type is accepted here so a wrong choice (e.g. a forged POST) reaches
    # check_placement and gets its explanation; the widget offers only the allowed ones.
    type = forms.ChoiceField(label=_("type"), choices=PlaceType.choices)
    name = forms.CharField(label=_("name"), max_length=100, validators=[validate_clean_text])
    code = forms.CharField(
        label=_("division code"),
        max_length=12,
        required=False,
        validators=[division_code_validator],
        help_text=_("12-digit statistical division code (streets and communities)."),
    )
    address = forms.CharField(label=_("address"), max_length=200, required=False, validators=[validate_clean_text])
    aliases = forms.CharField(
        label=_("other names"),
        max_length=300,
        required=False,
        validators=[validate_clean_text],
        help_text=_("Other names used in addresses, separated by commas."),
    )
    is_ownerless = forms.BooleanField(
        label=_("ownerless compound"),
        required=False,
        help_text=_("No property management (无主庭院): needs an assigned cadre."),
    )
    cadre_name = forms.CharField(
        label=_("assigned cadre"), max_length=50, required=False, validators=[validate_clean_text]
    )
    cadre_phone = forms.CharField(label=_("cadre phone"), max_length=30, required=False)

    def __init__(self, *args: Any, type_choices: list[tuple[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if type_choices is not None:
            self.fields["type"].widget.choices = type_choices

    def clean_code(self) -> str:
        return (self.cleaned_data.get("code") or "").strip()

    def clean_cadre_phone(self) -> str:
        raw = (self.cleaned_data.get("cadre_phone") or "").strip()
        return parse_phone(raw) if raw else ""

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class MovePlaceForm(forms.Form):
    new_parent = forms.IntegerField(label=_("new parent place"), min_value=1)

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        # `candidates`: the places the user may pick from (already scoped).
        self.candidates = candidates
        super().__init__(*args, **kwargs)

    def clean_new_parent(self) -> Place:
        pk = self.cleaned_data["new_parent"]
        parent = self.candidates.filter(pk=pk).first()
        if parent is None:
            raise ValidationError(_("Choose a place inside your jurisdiction."), code="outside")
        return parent


def apply_service_error(form: forms.Form, exc: ValidationError, *, default_field: str | None = None) -> None:
    """Show a service's ValidationError on the form: per field when it names fields, else on `default_field`."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(default_field, message)
