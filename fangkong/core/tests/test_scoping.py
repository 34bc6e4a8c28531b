from fangkong.core.scoping import jurisdiction_sql, scope_to_user
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


def test_the_sql_condition_keeps_the_same_rows_as_the_queryset(world):
    from django.contrib.auth import get_user_model
    from django.db import connection

    root = get_user_model().objects.create_superuser("root", password="x")
    users = [world.hq, world.user("grid_worker", "A"), world.user("street_admin", "B"), world.nobody, root]
    for user in users:
        condition, params = jurisdiction_sql(user, "p.place_path")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT p.id FROM people_person p WHERE {condition}", params)  # noqa: S608
            by_sql = {row[0] for row in cursor.fetchall()}
        assert by_sql == set(scope_to_user(Person.objects.all(), user).values_list("pk", flat=True)), user
