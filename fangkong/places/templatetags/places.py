from __future__ import annotations

from typing import Any

from django import template

from fangkong.places.labels import place_label

register = template.Library()


@register.filter
def place_path(place: Any) -> str:
    """`{{ kp.place|place_path }}`: the place named from its community down (see places.labels)."""
    return place_label(place)
