import pytest
from django.core.exceptions import ValidationError

from fangkong.people.models import Person
from fangkong.people.selectors import children_with_counts, persons_for, subtree_summary
from fangkong.places.models import Place, PlaceType
from fangkong.places.services import PlaceOutsideJurisdiction, create_place, move_place, update_place


def test_grid_cannot_be_created_under_a_building(world):
    with pytest.raises(ValidationError) as exc:
        create_place(actor=world.hq, parent=world.A.building, type=PlaceType.GRID, name="错位网格")
    assert exc.value.code == "wrong_parent"
    assert not Place.objects.filter(name="错位网格").exists()


def test_ownerless_compound_requires_a_cadre(world):
    with pytest.raises(ValidationError):
        create_place(actor=world.hq, parent=world.A.grid, type=PlaceType.COMPOUND, name="老院", is_ownerless=True)
    compound = create_place(
        actor=world.hq,
        parent=world.A.grid,
        type=PlaceType.COMPOUND,
        name="老院",
        is_ownerless=True,
        cadre_name="李干部",
    )
    assert compound.is_ownerless


def test_division_code_must_have_twelve_digits(world):
    with pytest.raises(ValidationError):
        create_place(actor=world.hq, parent=world.district, type=PlaceType.STREET, name="新街道", code="4104")


def test_street_admin_cannot_add_places_in_other_street(world):
    with pytest.raises(PlaceOutsideJurisdiction):
        create_place(actor=world.user("street_admin", "A"), parent=world.B.community, type=PlaceType.GRID, name="越界")


def test_subtree_is_one_prefix_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = set(Place.objects.filter(path__startswith=world.A.street.path).values_list("name", flat=True))
    assert "A1-101" in names
    assert "B1-101" not in names


def test_moving_a_compound_carries_its_persons_to_the_new_grid(world):
    new_grid = create_place(actor=world.hq, parent=world.B.community, type=PlaceType.GRID, name="网格B2")
    move_place(actor=world.hq, place=world.A.compound, new_parent=new_grid)
    person = Person.objects.get(pk=world.A.person.pk)
    new_grid.refresh_from_db()
    assert person.place_path.startswith(new_grid.path)
    assert list(persons_for(world.hq, place=new_grid)) == [person]
    assert list(persons_for(world.hq, place=world.A.grid)) == []
    assert Place.objects.find_problems() == ([], [], [], [], [])


def test_place_cannot_move_under_its_own_child(world):
    with pytest.raises(ValidationError):
        move_place(actor=world.hq, place=world.A.grid, new_parent=world.A.compound)


def test_changing_type_is_refused_when_children_would_no_longer_fit(world):
    with pytest.raises(ValidationError):
        update_place(actor=world.hq, place=world.A.compound, type=PlaceType.HOUSEHOLD)


def test_children_counts_households_and_persons_per_child(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        rows = children_with_counts(world.district)
    by_name = {r.place.name: r for r in rows}
    assert by_name["街道A"].persons == 1
    assert by_name["街道A"].households == 1
    summary = subtree_summary(world.A.street)
    assert summary.by_type[PlaceType.HOUSEHOLD] == 1
    assert summary.persons == 1
