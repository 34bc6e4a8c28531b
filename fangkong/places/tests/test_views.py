import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fangkong.audit.models import AuditAction, AuditEvent
from fangkong.conftest import add_place_counted, make_person
from fangkong.people.models import Person
from fangkong.places.models import Place, PlaceType


@pytest.fixture
def client():
    # Assertions read the English source strings; Chinese is the default for real browsers.
    return Client(headers={"Accept-Language": "en"})


def login(client, user):
    client.force_login(user)
    return client


def test_browse_redirects_to_the_single_jurisdiction_root(client, world):
    grid_worker = world.user("grid_worker", "A")
    response = login(client, grid_worker).get("/places/")
    assert response.status_code == 302
    assert response["Location"] == f"/places/{world.A.grid.pk}/"


def test_browse_tells_an_unassigned_user_they_have_no_jurisdiction(client, world):
    response = login(client, world.nobody).get("/places/")
    assert response.status_code == 200
    assert "No jurisdiction assigned" in response.content.decode()


def test_browse_lists_roots_for_a_user_posted_at_two_places(client, world):
    from fangkong.accounts.models import Role
    from fangkong.accounts.services import add_membership

    worker = world.user("grid_worker", "A")
    add_membership(user=worker, place=world.B.grid, role=Role.GRID_WORKER)
    response = login(client, worker).get("/places/")
    body = response.content.decode()
    assert response.status_code == 200
    assert f"/places/{world.A.grid.pk}/" in body
    assert f"/places/{world.B.grid.pk}/" in body


def test_place_detail_shows_children_with_household_and_person_counts(client, world):
    make_person(world.A.household, name="居民二", seq=55)
    response = login(client, world.user("street_admin", "A")).get(f"/places/{world.A.grid.pk}/")
    assert response.status_code == 200
    children = response.context["children"]
    assert [(row.place.name, row.households, row.persons) for row in children] == [("小区A", 1, 2)]
    assert f"/people/?place={world.A.compound.pk}" in response.content.decode()


def test_place_detail_counts_cost_the_same_queries_for_many_children(client, world):
    login(client, world.hq)
    url = f"/places/{world.A.grid.pk}/"
    client.get(url)  # warm the session so both measured requests do the same work
    with CaptureQueriesContext(connection) as one_child:
        client.get(url)
    for i in range(25):
        add_place_counted(world.A.grid, Place(type=PlaceType.HOUSEHOLD, name=f"村户{i}"))
    with CaptureQueriesContext(connection) as many_children:
        response = client.get(url)
    assert len(response.context["children"]) == 26
    assert len(many_children.captured_queries) == len(one_child.captured_queries)


def test_breadcrumb_links_only_places_inside_the_jurisdiction(client, world):
    response = login(client, world.user("grid_worker", "A")).get(f"/places/{world.A.household.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'href="/places/{world.A.grid.pk}/"' in body
    assert f'href="/places/{world.A.street.pk}/"' not in body
    assert "街道A" in body  # shown, just not a link


def test_grid_worker_gets_404_for_a_place_of_the_other_side(client, world):
    login(client, world.user("grid_worker", "A"))
    assert client.get(f"/places/{world.B.grid.pk}/").status_code == 404
    assert client.get(f"/places/{world.A.community.pk}/").status_code == 404


def test_cadre_phone_is_masked_on_the_place_page(client, world):
    Place.objects.filter(pk=world.A.compound.pk).update(
        is_ownerless=True, cadre_name="李干部", cadre_phone="13912345678"
    )
    body = login(client, world.hq).get(f"/places/{world.A.compound.pk}/").content.decode()
    assert "李干部" in body
    assert "139****5678" in body
    assert "13912345678" not in body


def test_search_inside_the_subtree_returns_only_the_results_partial_to_htmx(client, world):
    login(client, world.user("street_admin", "A"))
    response = client.get(
        f"/places/{world.A.street.pk}/",
        {"q": "号楼"},
        headers={"HX-Request": "true", "HX-Target": "place-search-results"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "A1号楼" in body
    assert "B1号楼" not in body
    assert "<html" not in body


def test_search_pages_through_many_results(client, world, settings):
    settings.PAGE_SIZE = 3
    for i in range(7):
        add_place_counted(world.A.grid, Place(type=PlaceType.HOUSEHOLD, name=f"散户{i}"))
    login(client, world.hq)
    first = client.get(f"/places/{world.A.grid.pk}/", {"q": "散户"})
    last = client.get(f"/places/{world.A.grid.pk}/", {"q": "散户", "page": 3})
    assert first.context["results"].paginator.count == 7
    assert [p.name for p in last.context["results"]] == ["散户6"]


def test_place_picker_search_is_scoped_and_filtered_by_type(client, world):
    login(client, world.user("street_admin", "A"))
    body = client.get("/places/search/", {"q": "1号楼", "type": "building,compound"}).content.decode()
    assert f'value="{world.A.building.pk}"' in body
    assert f'value="{world.B.building.pk}"' not in body
    grids_only = client.get("/places/search/", {"q": "A", "type": "grid"}).content.decode()
    assert f'value="{world.A.grid.pk}"' in grids_only
    assert f'value="{world.A.building.pk}"' not in grids_only


def test_community_worker_adds_a_grid_under_their_community(client, world):
    login(client, world.user("community_worker", "A"))
    response = client.post(f"/places/{world.A.community.pk}/add/", {"type": "grid", "name": "网格A2"})
    created = Place.objects.get(name="网格A2")
    assert response.status_code == 302
    assert response["Location"] == f"/places/{created.pk}/"
    assert Place.objects.get_parent(created) == world.A.community
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(created.pk)).count() == 1


def test_add_form_offers_only_the_types_allowed_under_the_place(client, world):
    response = login(client, world.hq).get(f"/places/{world.A.compound.pk}/add/")
    body = response.content.decode()
    assert 'value="building"' in body
    assert 'value="household"' in body
    assert 'value="grid"' not in body


def test_grid_under_a_building_is_refused_with_the_reason(client, world):
    login(client, world.hq)
    response = client.post(f"/places/{world.A.building.pk}/add/", {"type": "grid", "name": "错网格"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "cannot sit under" in body
    assert not Place.objects.filter(name="错网格").exists()


def test_bad_code_name_and_cadre_phone_are_refused_inline(client, world):
    login(client, world.hq)
    response = client.post(
        f"/places/{world.A.grid.pk}/add/",
        {"type": "compound", "name": "名" * 101, "code": "12345", "cadre_name": "王", "cadre_phone": "1391234567"},
    )
    form = response.context["form"]
    assert response.status_code == 200
    assert set(form.errors) >= {"name", "code", "cadre_phone"}
    assert "is-invalid" in response.content.decode()
    assert Place.objects.filter(type=PlaceType.COMPOUND).count() == 2


def test_ownerless_compound_without_cadre_is_refused(client, world):
    login(client, world.hq)
    response = client.post(
        f"/places/{world.A.grid.pk}/add/", {"type": "compound", "name": "无主院", "is_ownerless": "on"}
    )
    assert "cadre_name" in response.context["form"].errors
    assert not Place.objects.filter(name="无主院").exists()


def test_grid_worker_may_not_add_edit_or_move_places(client, world):
    login(client, world.user("grid_worker", "A"))
    assert client.get(f"/places/{world.A.grid.pk}/add/").status_code == 403
    assert client.post(f"/places/{world.A.grid.pk}/add/", {"type": "compound", "name": "X"}).status_code == 403
    assert client.get(f"/places/{world.A.compound.pk}/edit/").status_code == 403
    assert client.get(f"/places/{world.A.compound.pk}/move/").status_code == 403
    assert not Place.objects.filter(name="X").exists()


def test_street_admin_cannot_edit_a_place_of_the_other_side(client, world):
    login(client, world.user("street_admin", "A"))
    response = client.post(f"/places/{world.B.compound.pk}/edit/", {"type": "compound", "name": "改名"})
    assert response.status_code == 404
    world.B.compound.refresh_from_db()
    assert world.B.compound.name == "小区B"


def test_edit_stores_the_normalised_cadre_phone(client, world):
    login(client, world.user("community_worker", "A"))
    response = client.post(
        f"/places/{world.A.compound.pk}/edit/",
        {
            "type": "compound",
            "name": "小区A",
            "is_ownerless": "on",
            "cadre_name": "赵",
            "cadre_phone": "+86 139-1234-5678",
        },
    )
    assert response.status_code == 302
    world.A.compound.refresh_from_db()
    assert world.A.compound.is_ownerless
    assert world.A.compound.cadre_phone == "13912345678"


def test_moving_a_compound_to_another_grid_moves_its_persons_in_the_lists(client, world):
    worker = world.user("community_worker", "A")
    grid2 = add_place_counted(world.A.community, Place(type=PlaceType.GRID, name="网格A2"))
    login(client, worker)
    response = client.post(f"/places/{world.A.compound.pk}/move/", {"new_parent": grid2.pk})
    assert response.status_code == 302
    grid2.refresh_from_db()
    person = Person.objects.get(pk=world.A.person.pk)
    assert person.place_path.startswith(grid2.path)
    listed = client.get("/people/", {"place": grid2.pk}).context["page"].object_list
    assert [p.pk for p in listed] == [world.A.person.pk]
    assert client.get("/people/", {"place": world.A.grid.pk}).context["page"].paginator.count == 0
    assert AuditEvent.objects.filter(action=AuditAction.MOVE, object_id=str(world.A.compound.pk)).count() == 1


def test_move_under_a_wrong_parent_type_is_refused(client, world):
    login(client, world.hq)
    response = client.post(f"/places/{world.A.compound.pk}/move/", {"new_parent": world.B.community.pk})
    assert response.status_code == 200
    assert "cannot sit under" in response.content.decode()
    assert Place.objects.get_parent(Place.objects.get(pk=world.A.compound.pk)) == world.A.grid


def test_move_to_a_parent_outside_the_jurisdiction_is_refused(client, world):
    login(client, world.user("community_worker", "A"))
    response = client.post(f"/places/{world.A.compound.pk}/move/", {"new_parent": world.B.grid.pk})
    assert response.status_code == 200
    assert "inside your jurisdiction" in response.content.decode()
    assert Place.objects.get_parent(Place.objects.get(pk=world.A.compound.pk)) == world.A.grid


def test_edit_refuses_a_type_the_parent_cannot_hold(client, world):
    login(client, world.hq)
    response = client.post(f"/places/{world.A.compound.pk}/edit/", {"type": "street", "name": "小区A"})
    assert response.status_code == 200
    assert "cannot sit under" in response.content.decode()
    assert Place.objects.get(pk=world.A.compound.pk).type == PlaceType.COMPOUND
