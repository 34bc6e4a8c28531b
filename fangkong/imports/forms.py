"""Forms of the import pages: they parse input; the pipeline's rules live in imports.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core import fields
from fangkong.core.validators import validate_clean_text
from fangkong.imports.categories import CategoryChoices
from fangkong.imports.kinds import KINDS
from fangkong.imports.models import MAX_DEADLINE_HOURS, ImportKind, JobStatus
from fangkong.imports.readers import EXTENSIONS
from fangkong.places.forms import ScopedPlaceMixin


class UploadForm(ScopedPlaceMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind of list"), choices=ImportKind.choices)
    place = forms.IntegerField(label=_("import into"), min_value=1)
    file = forms.FileField(
        label=_("file"),
        help_text=_("Excel (.xlsx, .xls) or CSV in UTF-8 or GB18030/GBK."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )
    issuer = forms.CharField(label=_("issued by"), max_length=100, required=False, validators=[validate_clean_text])
    issued_on = fields.DateField(label=_("issued on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    deadline_hours = forms.IntegerField(
        label=_("identify within (hours)"),
        min_value=1,
        max_value=MAX_DEADLINE_HOURS,
        required=False,
        help_text=_("Pushed persons not identified within this time are overdue; empty means the district default."),
    )
    category = forms.ChoiceField(
        label=_("category of the listed persons"),
        required=False,
        help_text=_(
            "A category column in the file wins for its rows; a returnee from a higher-risk area named in the "
            "travel column gets that area's returnee category."
        ),
    )

    def __init__(self, *args: Any, places: Any, categories: CategoryChoices | None = None, **kwargs: Any) -> None:
        # `places`: the places the user may import into (already scoped); `categories`: their protocol's.
        self.places = places
        self.categories = categories
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        if categories is None:
            del self.fields["category"]
        else:
            field.choices = list(categories.choices)  # type: ignore[attr-defined]
            field.initial = categories.default

    def options(self) -> dict[str, Any]:
        if self.cleaned_data["kind"] != ImportKind.PUSHLIST:
            return {}
        issued_on = self.cleaned_data.get("issued_on")
        options: dict[str, Any] = {
            "issuer": self.cleaned_data.get("issuer") or "",
            "issued_on": issued_on.isoformat() if issued_on else "",
        }
        if self.cleaned_data.get("deadline_hours"):
            options["deadline_hours"] = self.cleaned_data["deadline_hours"]
        if self.cleaned_data.get("category"):
            options["category"] = self.cleaned_data["category"]
        return options


class JobFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=[("", _("All kinds")), *ImportKind.choices], required=False)
    status = forms.ChoiceField(label=_("status"), choices=[("", _("All statuses")), *JobStatus.choices], required=False)

    def filters(self) -> dict[str, str]:
        # An unknown value in the query string is ignored rather than an error page.
        if not self.is_valid():
            return {"kind": "", "status": ""}
        return {"kind": self.cleaned_data["kind"], "status": self.cleaned_data["status"]}


class ConfirmForm(forms.Form):
    """The preview's choices: sheet, header row, one field per column, and an optional name to save them under."""

    sheet_name = forms.CharField(max_length=100, required=False)
    header_row = forms.IntegerField(label=_("header row"), min_value=1, max_value=1000)
    save_mapping_as = forms.CharField(
        label=_("save this mapping as"), max_length=100, required=False, validators=[validate_clean_text]
    )

    def __init__(self, *args: Any, kind: str, columns: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
        choices = [("", _("(keep as extra data)")), *((f.name, f.label) for f in KINDS[kind].fields)]
        for col in range(columns):
            self.fields[f"col_{col}"] = forms.ChoiceField(choices=choices, required=False)

    def mapping(self) -> dict[str, str]:
        return {
            str(col): self.cleaned_data[f"col_{col}"]
            for col in range(self.columns)
            if self.cleaned_data.get(f"col_{col}")
        }
