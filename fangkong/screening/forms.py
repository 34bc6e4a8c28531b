"""Forms of the screening pages: they parse input; the rules live in screening.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core import fields
from fangkong.core.validators import validate_clean_text
from fangkong.people.models import DocumentType
from fangkong.screening.models import ClearState, SourceKind, VisitOutcome

YES_NO = [("", _("Any")), ("1", _("Yes")), ("0", _("No"))]


class KeyPersonFilterForm(forms.Form):
    q = forms.CharField(label=_("Name starts with"), required=False, max_length=50)
    category = forms.CharField(label=_("Category"), required=False, max_length=40)
    clear_state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Any")), ("open", _("Not released")), *ClearState.choices],
    )
    overdue = forms.ChoiceField(label=_("Overdue"), required=False, choices=YES_NO)
    unplaced = forms.ChoiceField(label=_("Unplaced"), required=False, choices=YES_NO)
    outside = forms.ChoiceField(label=_("To hand over"), required=False, choices=YES_NO)
    source = forms.ChoiceField(label=_("Source"), required=False, choices=[("", _("Any")), *SourceKind.choices])

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}

        def flag(name: str) -> bool | None:
            value = data.get(name, "")
            return None if value == "" else value == "1"

        return {
            "q": (data.get("q") or "").strip(),
            "category": data.get("category") or "",
            "clear_state": data.get("clear_state") or "",
            "overdue": flag("overdue"),
            "unplaced": flag("unplaced"),
            "outside": flag("outside"),
            "source": data.get("source") or "",
        }


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=ClearState.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=300, validators=[validate_clean_text])
    version = forms.IntegerField(min_value=1)


class RouteForm(forms.Form):
    place = forms.IntegerField(label=_("Community or grid"))
    version = forms.IntegerField(min_value=1)


class CategoryForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=())
    version = forms.IntegerField(min_value=1)

    def __init__(self, *args: Any, categories: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = list(categories.items())  # type: ignore[attr-defined]


class TravelForm(forms.Form):
    place_text = forms.CharField(label=_("Place"), max_length=200)
    from_date = fields.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    to_date = fields.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))


class AddKeyPersonForm(forms.Form):
    document_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    document_number = forms.CharField(label=_("Document number"), max_length=20)
    kind = forms.ChoiceField(label=_("Source"), choices=[c for c in SourceKind.choices if c[0] != SourceKind.PUSH_LIST])
    category = forms.ChoiceField(label=_("Category"), choices=())
    came_from = forms.CharField(label=_("Came from"), required=False, max_length=200)
    # Bounded to the calendar window only: the service says "the travel date is in the future".
    arrived_on = fields.DateField(label=_("Arrived on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    detail = forms.CharField(label=_("Detail"), required=False, max_length=300)

    def __init__(self, *args: Any, categories: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = list(categories.items())  # type: ignore[attr-defined]


class DeadlineForm(forms.Form):
    batch = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    deadline_at = fields.DateTimeField(
        label=_("Identify by"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class SweepForm(forms.Form):
    place = forms.IntegerField(label=_("Community or grid"))
    name = forms.CharField(label=_("Name"), max_length=100)


class VisitForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=VisitOutcome.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)
    person = forms.IntegerField(required=False)


class SelfReportForm(forms.Form):
    REPORTERS = [("resident", _("Myself / my family")), ("shop", _("A shop")), ("firm", _("A firm"))]
    SYMPTOMS = [
        ("fever", _("Fever")),
        ("cough", _("Cough")),
        ("fatigue", _("Fatigue")),
        ("sore_throat", _("Sore throat")),
    ]

    reporter = forms.ChoiceField(label=_("Who reports"), choices=REPORTERS, initial="resident")
    organisation = forms.CharField(label=_("Shop or firm name"), required=False, max_length=60)
    name = forms.CharField(label=_("Name of the person"), max_length=50)
    document_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    document_number = forms.CharField(label=_("Document number"), max_length=20)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    address = forms.CharField(label=_("Where you stay now"), required=False, max_length=200)
    came_from = forms.CharField(label=_("Came from (province, city, district)"), max_length=200)
    arrived_on = fields.DateField(label=_("Arrived on"), widget=forms.DateInput(attrs={"type": "date"}))
    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms"), required=False, choices=SYMPTOMS, widget=forms.CheckboxSelectMultiple
    )
