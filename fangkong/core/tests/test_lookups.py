"""field__any_of answers exactly what field__in answers, for plain columns and foreign keys."""

from __future__ import annotations

from typing import Any

import pytest

from fangkong.conftest import make_person
from fangkong.people.models import Person


@pytest.mark.django_db
def test_any_of_matches_in_for_columns_and_foreign_keys(world: Any) -> None:
    a = make_person(world.A.household, name="甲", seq=101)
    b = make_person(world.B.household, name="乙", seq=103)
    make_person(world.B.household, name="丙", seq=105)
    numbers = [a.document_number, b.document_number, "not-a-number"]
    assert set(Person.objects.filter(document_number__any_of=numbers)) == {a, b}
    assert set(Person.objects.filter(document_number__any_of=numbers)) == set(
        Person.objects.filter(document_number__in=numbers)
    )
    assert set(Person.objects.filter(place__any_of=[world.A.household.pk])) == {a, world.A.person}
    assert set(Person.objects.filter(place_id__any_of={world.A.household.pk})) == {a, world.A.person}
    assert not Person.objects.filter(pk__any_of=[]).exists()
