from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core import fields
from fangkong.protocols.models import Granularity, RiskLevel


class RiskAreaForm(forms.Form):
    name = forms.CharField(label=_("Area"), max_length=120)
    level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    granularity = forms.ChoiceField(label=_("Granularity"), choices=Granularity.choices)
    starts_on = fields.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = fields.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.CharField(label=_("Source"), required=False, max_length=100)


class RiskAreaImportForm(forms.Form):
    file = forms.FileField(label=_("Excel or CSV file"))


class RiskAreaFilterForm(forms.Form):
    q = forms.CharField(label=_("Area contains"), required=False, max_length=60)
    level = forms.ChoiceField(label=_("Risk level"), required=False, choices=[("", _("Any")), *RiskLevel.choices])
    active_on = fields.DateField(label=_("At risk on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
