"""A place is named with its context (community, compound, building), and lists pay no query per row for it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fangkong.conftest import World, add_place_counted, make_person
from fangkong.places.labels import attach_place_labels, place_label
from fangkong.places.models import Place, PlaceType

A_LABEL = "社区A 小区A A1号楼 A1-101"


@pytest.fixture
def client() -> Client:
    return Client(headers={"Accept-Language": "en"})


def _household_elsewhere(world: World, n: int) -> Place:
    """A household in a compound and building of its own under grid A: its ancestors are new to the page."""
    compound = add_place_counted(world.A.grid, Place(type=PlaceType.COMPOUND, name=f"畅园家属院{n}"))
    building = add_place_counted(compound, Place(type=PlaceType.BUILDING, name=f"{n}号楼"))
    return add_place_counted(building, Place(type=PlaceType.HOUSEHOLD, name="1单元501"))


def _queries(client: Client, url: str) -> int:
    client.get(url)  # session and permission caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_a_household_is_named_from_its_community_down(world: World) -> None:
    household = Place.objects.get(pk=world.A.household.pk)
    assert place_label(household) == A_LABEL
    assert household.path_label == A_LABEL
    assert place_label(Place.objects.get(pk=world.A.community.pk)) == "社区A"
    assert place_label(Place.objects.get(pk=world.district.pk)) == "测试区"


def test_labels_of_many_places_cost_one_query(world: World, django_assert_num_queries: Any) -> None:
    households = [_household_elsewhere(world, n) for n in range(5)]
    fresh = list(Place.objects.filter(pk__in=[h.pk for h in households]).order_by("path"))
    with django_assert_num_queries(1):
        attach_place_labels(fresh)
    with django_assert_num_queries(0):
        labels = [place_label(p) for p in fresh]
    assert labels == [f"社区A 畅园家属院{n} {n}号楼 1单元501" for n in range(5)]


def test_person_list_names_the_household_with_compound_and_building(client: Client, world: World) -> None:
    client.force_login(world.hq)
    body = client.get("/people/").content.decode()
    assert A_LABEL in body


def test_person_list_query_count_does_not_grow_with_rows(client: Client, world: World) -> None:
    client.force_login(world.hq)
    before = _queries(client, "/people/")
    for n in range(6):
        make_person(_household_elsewhere(world, n), name=f"新{n}", seq=300 + 2 * n)
    assert _queries(client, "/people/") == before
    assert "社区A 畅园家属院5 5号楼 1单元501" in client.get("/people/").content.decode()


def test_home_care_list_names_the_household_and_stays_flat(client: Client, world: World) -> None:
    from fangkong.monitoring.models import HomeCare
    from fangkong.monitoring.tests.factories import home_measure

    home_measure(world, name="甲居家")
    client.force_login(world.hq)
    assert A_LABEL in client.get("/monitoring/").content.decode()
    before = _queries(client, "/monitoring/")
    for n in range(4):
        measure = home_measure(world, name=f"居家{n}")
        HomeCare.objects.filter(measure=measure).update(household=_household_elsewhere(world, n))
    assert _queries(client, "/monitoring/") == before
    assert "社区A 畅园家属院3 3号楼 1单元501" in client.get("/monitoring/").content.decode()


def test_sweep_names_each_household_with_its_building_and_stays_flat(client: Client, world: World) -> None:
    from fangkong.screening.models import SweepTask

    client.force_login(world.user("community_worker", "A"))
    client.post("/screening/sweeps/", {"place": world.A.grid.pk, "name": "第一轮"})
    url = f"/screening/sweeps/{SweepTask.objects.get().pk}/"
    assert A_LABEL in client.get(url).content.decode()
    before = _queries(client, url)
    for n in range(4):
        _household_elsewhere(world, n)
    assert _queries(client, url) == before
    assert "社区A 畅园家属院3 3号楼 1单元501" in client.get(url).content.decode()


def test_place_picker_tells_same_named_households_apart(client: Client, world: World) -> None:
    for n in range(3):
        _household_elsewhere(world, n)
    client.force_login(world.hq)
    body = client.get("/places/search/", {"q": "1单元501"}).content.decode()
    for n in range(3):
        assert f"社区A 畅园家属院{n} {n}号楼 1单元501" in body
    before = _queries(client, "/places/search/?q=1单元501")
    _household_elsewhere(world, 9)
    assert _queries(client, "/places/search/?q=1单元501") == before


def test_person_export_names_the_household_with_compound_and_building(client: Client, world: World) -> None:
    import io

    import openpyxl

    client.force_login(world.hq)
    response: Any = client.get("/people/export/")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row}
    assert A_LABEL in cells
