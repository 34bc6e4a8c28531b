"""Forms of the person pages: they parse input; normalising and checking values is people.services' job."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core import fields
from fangkong.core.validators import When, search_term
from fangkong.people.models import DocumentType, Person, ResidentType, Sex
from fangkong.people.services import PersonInput
from fangkong.places.forms import ScopedPlaceMixin

EMPTY_CHOICE = [("", _("All"))]


class PersonFilterForm(forms.Form):
    """The person list's query string; the place is resolved by the view (404 outside jurisdiction)."""

    q = forms.CharField(label=_("Name, ID number or phone"), required=False, max_length=50)
    resident_type = forms.ChoiceField(
        label=_("resident type"), required=False, choices=EMPTY_CHOICE + list(ResidentType.choices)
    )
    tag = forms.CharField(label=_("tag"), required=False, max_length=30)

    def filters(self) -> dict[str, str]:
        # Never drop a filter the user set: an unusable value matches nothing rather than
        # silently widening the list (and the export built from the same filters).
        def value(name: str) -> str:
            field = self.fields[name]
            limit = getattr(field, "max_length", None) or 16
            return search_term(self.data.get(name, ""), limit=limit)

        return {"q": value("q"), "resident_type": value("resident_type"), "tag": value("tag")}


class PersonForm(ScopedPlaceMixin, forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=50)
    document_type = forms.ChoiceField(label=_("document type"), choices=DocumentType.choices)
    document_number = forms.CharField(
        label=_("document number"),
        max_length=40,
        help_text=_("Full-width digits, spaces and a lower-case x are corrected automatically."),
    )
    sex = forms.ChoiceField(
        label=_("sex"),
        choices=Sex.choices,
        required=False,
        help_text=_("Taken from the resident ID number when there is one."),
    )
    birth_date = fields.DateField(
        when=When.PAST,
        label=_("birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Taken from the resident ID number when there is one."),
    )
    phone = forms.CharField(label=_("mobile phone"), max_length=30, required=False)
    place = forms.IntegerField(label=_("household / place"), min_value=1)
    address = forms.CharField(label=_("current address"), max_length=200, required=False)
    registered_residence = forms.CharField(label=_("registered residence (户籍地)"), max_length=200, required=False)
    resident_type = forms.ChoiceField(
        label=_("resident type"), choices=ResidentType.choices, initial=ResidentType.PERMANENT
    )
    tags = forms.CharField(
        label=_("tags"),
        max_length=300,
        required=False,
        help_text=_("Separate tags with commas."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, places: Any, **kwargs: Any) -> None:
        # `places`: the places the user may register persons at (already scoped).
        self.places = places
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_for(cls, person: Person) -> dict[str, Any]:
        return {
            "name": person.name,
            "document_type": person.document_type,
            "document_number": person.document_number,
            "sex": person.sex,
            "birth_date": person.birth_date.isoformat() if person.birth_date else "",
            "phone": person.phone,
            "place": person.place_id,
            "address": person.address,
            "registered_residence": person.registered_residence,
            "resident_type": person.resident_type,
            "tags": ", ".join(person.tags.values_list("name", flat=True)),
            "version": person.version,
        }

    def to_input(self) -> PersonInput:
        data = self.cleaned_data
        tags = [t for t in data["tags"].replace("，", ",").split(",") if t.strip()]
        return PersonInput(
            name=data["name"],
            document_type=data["document_type"],
            document_number=data["document_number"],
            place=data["place"],
            phone=data["phone"],
            sex=data["sex"],
            birth_date=data["birth_date"],
            address=data["address"],
            registered_residence=data["registered_residence"],
            resident_type=data["resident_type"],
            tags=tags,
        )


class MergeSearchForm(forms.Form):
    document_type = forms.ChoiceField(label=_("document type"), choices=DocumentType.choices)
    document_number = forms.CharField(label=_("document number"), max_length=40)
