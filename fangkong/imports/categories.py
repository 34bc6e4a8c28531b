"""The categories a push list's persons may be given, as the import sees them.

Which categories exist is the protocols' business and what they mean is screening's; imports sits
below both, so it never asks them. Screening registers a provider (in its AppConfig.ready) that
answers for the district of a place; the upload form, the API and the push-list rows ask here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from fangkong.core.validators import to_halfwidth
from fangkong.places.models import Place

_NOISE = re.compile(r"[\s\-_·.。,，、()（）]+")


def _key(text: str) -> str:
    return _NOISE.sub("", to_halfwidth(str(text or ""))).lower()


@dataclass(frozen=True)
class CategoryChoices:
    """The categories of the protocol a place works by: (code, name) pairs and the push-list default's code."""

    default: str
    choices: tuple[tuple[str, str], ...]

    def resolve(self, raw: str) -> str | None:
        """The code a cell or a form value names, by code or by name (case, width and spaces aside)."""
        key = _key(raw)
        if not key:
            return None
        for code, name in self.choices:
            if key == _key(code) or key == _key(name):
                return code
        return None

    def name_of(self, code: str) -> str:
        return next((name for c, name in self.choices if c == code), code)

    @property
    def names(self) -> str:
        return "、".join(name for _code, name in self.choices)


Provider = Callable[[Place], "CategoryChoices | None"]
_providers: list[Provider] = []


def register_category_provider(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def push_categories(place: Place | None) -> CategoryChoices | None:
    """The categories a push list imported into `place` may give; None when no app provides any."""
    if place is None:
        return None
    for provider in _providers:
        found = provider(place)
        if found is not None:
            return found
    return None
