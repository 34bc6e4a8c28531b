from fangkong.core.scoping import scope_to_user
from fangkong.people.models import Person
from fangkong.places.models import Place


def test_grid_worker_sees_only_persons_in_own_grid(world):
    visible = scope_to_user(Person.objects.all(), world.user("grid_worker", "A"))
    assert list(visible) == [world.A.person]


def test_hq_sees_both_sides(world):
    visible = scope_to_user(Person.objects.all(), world.hq)
    assert set(visible) == {world.A.person, world.B.person}


def test_user_without_membership_sees_nothing(world):
    assert scope_to_user(Person.objects.all(), world.nobody).count() == 0
    assert scope_to_user(Place.objects.all(), world.nobody).count() == 0


def test_street_admin_sees_places_only_below_own_street(world):
    visible = set(scope_to_user(Place.objects.all(), world.user("street_admin", "B")).values_list("name", flat=True))
    assert "网格B" in visible
    assert "网格A" not in visible
    assert "测试区" not in visible
