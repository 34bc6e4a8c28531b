"""Forms of the account pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.validators import validate_clean_text


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("name"),
        max_length=100,
        validators=[validate_clean_text],
        help_text=_("What the token is for, e.g. the device or script that uses it."),
    )
    valid_days = forms.IntegerField(
        label=_("valid for (days)"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_("Leave empty for a token that works until it is revoked."),
    )
