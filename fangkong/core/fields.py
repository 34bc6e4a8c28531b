"""Form fields every app's forms use for dates and times: Django's, bounded by `validate_moment`.

A date typed or put in a query string (0001-01-01, 9999-12-31) becomes a form message here instead of
an OverflowError in the query that filters by it.
"""

from __future__ import annotations

from typing import Any

from django import forms

from fangkong.core.validators import When, validate_moment


class DateField(forms.DateField):
    def __init__(self, *args: Any, when: str = When.ANY, **kwargs: Any) -> None:
        self.when = when
        super().__init__(*args, **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value not in self.empty_values:
            validate_moment(value, when=self.when)


class DateTimeField(forms.DateTimeField):
    def __init__(self, *args: Any, when: str = When.ANY, **kwargs: Any) -> None:
        self.when = when
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except OverflowError:  # making 9999-12-31T23:59 aware in a zone east of UTC
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value not in self.empty_values:
            validate_moment(value, when=self.when)
