from __future__ import annotations

from typing import Any

from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from fangkong.people.models import Person
from fangkong.places.services import place_moved


@receiver(place_moved)
def rewrite_person_paths(sender: Any, *, old_path: str, new_path: str, **kwargs: Any) -> None:
    # Persons carry a copy of their place's path: rewrite the moved subtree's prefix in one UPDATE.
    Person.objects.filter(place_path__startswith=old_path).update(
        place_path=Concat(Value(new_path), Substr(F("place_path"), len(old_path) + 1))
    )
