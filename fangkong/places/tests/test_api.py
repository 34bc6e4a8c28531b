import pytest

from fangkong.accounts.models import Role
from fangkong.api.testing import bearer_client
from fangkong.conftest import add_place_counted, make_person
from fangkong.places.models import Place, PlaceType

pytestmark = pytest.mark.django_db

URL = "/api/v1/places/"


def add(parent: Place, type_: str, name: str) -> Place:
    return add_place_counted(parent, Place(type=type_, name=name))


def test_list_is_scoped_and_has_the_published_keys(world):
    client = bearer_client(world.user(Role.COMMUNITY_WORKER, "A"))

    body = client.get(URL).json()

    names = [item["name"] for item in body["items"]]
    assert names == ["社区A", "网格A", "小区A", "A1号楼", "A1-101"]
    assert body["count"] == 5
    assert set(body["items"][0]) == {"id", "name", "type", "code", "parent_id", "depth"}
    assert not any(name.endswith("B") for name in names)


def test_parent_id_points_up_inside_the_jurisdiction_and_is_null_at_its_top(world):
    client = bearer_client(world.user(Role.COMMUNITY_WORKER, "A"))

    items = {item["name"]: item for item in client.get(URL).json()["items"]}

    assert items["社区A"]["parent_id"] is None
    assert items["网格A"]["parent_id"] == world.A.community.pk
    assert items["A1-101"]["parent_id"] == world.A.building.pk


def test_list_filters_by_type_and_name(world):
    client = bearer_client(world.hq)

    grids = client.get(URL, {"type": "grid"}).json()
    named = client.get(URL, {"q": "小区"}).json()

    assert [i["id"] for i in grids["items"]] == [world.A.grid.pk, world.B.grid.pk]
    assert {i["name"] for i in named["items"]} == {"小区A", "小区B"}


def test_unknown_type_filter_is_422(world):
    response = bearer_client(world.hq).get(URL, {"type": "planet"})

    assert response.status_code == 422
    assert "type" in response.json()["errors"]


def test_detail_of_own_place(world):
    client = bearer_client(world.user(Role.GRID_WORKER, "A"))

    body = client.get(f"{URL}{world.A.compound.pk}").json()

    assert body["name"] == "小区A"
    assert body["type"] == "compound"
    assert body["parent_id"] == world.A.grid.pk
    assert body["is_ownerless"] is False


def test_places_of_the_other_side_are_404_on_every_endpoint(world):
    client = bearer_client(world.user(Role.GRID_WORKER, "A"))

    for suffix in ("", "/children", "/summary"):
        response = client.get(f"{URL}{world.B.grid.pk}{suffix}")
        assert response.status_code == 404, suffix
        assert response.json() == {"message": "Not found"}


def test_children_carry_household_and_person_counts(world):
    extra_household = add(world.A.building, PlaceType.HOUSEHOLD, "A1-102")
    make_person(extra_household, name="住户甲", seq=101)
    make_person(extra_household, name="住户乙", seq=103)
    make_person(world.A.compound, name="暂住丙", seq=105)  # known only down to the compound
    empty_compound = add(world.A.grid, PlaceType.COMPOUND, "空小区")

    body = bearer_client(world.hq).get(f"{URL}{world.district.pk}/children").json()
    streets = {item["name"]: item for item in body["items"]}
    grid = bearer_client(world.hq).get(f"{URL}{world.A.grid.pk}/children").json()
    compounds = {item["name"]: item for item in grid["items"]}

    assert body["count"] == 2
    assert (streets["街道A"]["households"], streets["街道A"]["persons"]) == (2, 4)
    assert (streets["街道B"]["households"], streets["街道B"]["persons"]) == (1, 1)
    assert streets["街道A"]["parent_id"] == world.district.pk
    assert (compounds["小区A"]["households"], compounds["小区A"]["persons"]) == (2, 4)
    assert (compounds["空小区"]["households"], compounds["空小区"]["persons"]) == (0, 0)
    assert compounds["空小区"]["id"] == empty_compound.pk


def test_children_of_a_household_is_an_empty_list(world):
    body = bearer_client(world.hq).get(f"{URL}{world.A.household.pk}/children").json()

    assert body == {"items": [], "count": 0}


def test_summary_counts_the_subtree_by_type(world):
    make_person(world.A.household, name="流动丁", seq=107, resident_type="floating")

    body = bearer_client(world.user(Role.STREET_ADMIN, "A")).get(f"{URL}{world.A.street.pk}/summary").json()

    assert body == {
        "place_id": world.A.street.pk,
        "by_type": {"community": 1, "grid": 1, "compound": 1, "building": 1, "household": 1},
        "persons": 2,
        "floating": 1,
    }


def test_account_without_any_role_cannot_list_places(world):
    assert bearer_client(world.nobody).get(URL).status_code == 403
