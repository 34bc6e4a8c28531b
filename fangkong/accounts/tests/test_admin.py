import pytest
from django.test import Client

from fangkong.accounts.models import Membership, Role, User
from fangkong.accounts.roles import group_name
from fangkong.accounts.services import issue_token, user_for_token
from fangkong.audit.models import AuditAction, AuditEvent
from fangkong.conftest import add_place_counted, make_person, make_user
from fangkong.people.models import Person
from fangkong.places.models import Place, PlaceType

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(world) -> Client:
    client = Client()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def test_admin_site_is_titled_fangkong(admin_client):
    response = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "Fangkong" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/places/place/",
        "/admin/people/person/",
        "/admin/people/tag/",
        "/admin/accounts/user/",
        "/admin/accounts/membership/",
        "/admin/accounts/apitoken/",
        "/admin/audit/auditevent/",
    ],
)
def test_every_model_has_a_searchable_changelist(admin_client, url):
    response = admin_client.get(url, {"q": "A"})

    assert response.status_code == 200


def test_non_staff_users_cannot_open_the_admin(world):
    client = Client()
    client.force_login(world.hq)

    response = client.get("/admin/people/person/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_person_changelist_shows_masked_numbers_only(admin_client, world):
    person = world.A.person

    response = admin_client.get("/admin/people/person/")

    html = response.content.decode()
    assert person.masked_document in html
    assert person.masked_phone in html
    assert person.document_number not in html
    assert person.phone not in html


def test_person_change_page_shows_no_full_values(admin_client, world):
    person = world.A.person

    response = admin_client.get(f"/admin/people/person/{person.pk}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    assert person.masked_document in html
    assert person.document_number not in html
    assert person.phone not in html
    assert person.address not in html


def test_person_search_by_exact_document_number_not_by_fragment(admin_client, world):
    person = world.A.person

    exact = admin_client.get("/admin/people/person/", {"q": person.document_number.lower()})
    fragment = admin_client.get("/admin/people/person/", {"q": person.document_number[:10]})

    assert person.masked_document in exact.content.decode()
    assert world.B.person.masked_document not in exact.content.decode()
    assert person.masked_document not in fragment.content.decode()


def test_person_search_by_name_and_filter_by_resident_type(admin_client, world):
    floating = make_person(world.A.household, name="流动张三", seq=18)
    Person.objects.filter(pk=floating.pk).update(resident_type="floating")

    by_name = admin_client.get("/admin/people/person/", {"q": "流动"})
    by_type = admin_client.get("/admin/people/person/", {"resident_type__exact": "floating"})

    assert "流动张三" in by_name.content.decode()
    assert "居民A" not in by_name.content.decode()
    assert "流动张三" in by_type.content.decode()
    assert "居民B" not in by_type.content.decode()


def test_person_cannot_be_changed_through_the_admin(admin_client, world):
    person = world.A.person

    response = admin_client.post(f"/admin/people/person/{person.pk}/change/", {"name": "改名"})

    assert response.status_code == 403
    person.refresh_from_db()
    assert person.name == "居民A"


def test_api_token_admin_has_no_add_and_shows_hint_read_only(admin_client, world):
    token, raw = issue_token(user=world.hq, name="script")

    listing = admin_client.get("/admin/accounts/apitoken/").content.decode()
    add = admin_client.get("/admin/accounts/apitoken/add/")
    change = admin_client.post(f"/admin/accounts/apitoken/{token.pk}/change/", {"name": "renamed"})

    assert token.hint in listing
    assert raw not in listing
    assert "/admin/accounts/apitoken/add/" not in listing
    assert add.status_code == 403
    assert change.status_code == 403
    token.refresh_from_db()
    assert token.name == "script"


def test_admin_revoke_action_revokes_through_the_service(admin_client, world):
    token, raw = issue_token(user=world.hq, name="script")

    admin_client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})

    assert user_for_token(raw) is None
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED, object_id=str(token.pk)).exists()


def test_adding_a_membership_inline_grants_the_role_group(admin_client, world):
    user = make_user("newcomer")
    data = {
        "username": "newcomer",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-place": str(world.A.grid.pk),
        "memberships-0-role": Role.GRID_WORKER,
        "memberships-0-hq_group": "",
    }

    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Membership.objects.filter(user=user, place=world.A.grid, role=Role.GRID_WORKER).exists()
    assert User.objects.get(pk=user.pk).groups.filter(name=group_name(Role.GRID_WORKER)).exists()


def test_deleting_a_membership_in_the_admin_removes_the_role_group(admin_client, world):
    user = world.user(Role.GRID_WORKER, "A")
    membership = Membership.objects.get(user=user)

    admin_client.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})

    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert not user.groups.filter(name=group_name(Role.GRID_WORKER)).exists()


def place_form(**values):
    data = {
        "type": "",
        "name": "",
        "code": "",
        "address": "",
        "cadre_name": "",
        "cadre_phone": "",
        "treebeard_position": "last-child",
        "treebeard_ref_node": "",
    }
    data.update({k: str(v) for k, v in values.items()})
    return data


def test_place_admin_filters_by_type_and_searches_by_name(admin_client, world):
    by_type = admin_client.get("/admin/places/place/", {"type__exact": PlaceType.GRID})
    by_name = admin_client.get("/admin/places/place/", {"q": "社区B"})

    assert "网格A" in by_type.content.decode()
    assert "社区A" not in by_type.content.decode()
    assert "社区B" in by_name.content.decode()
    assert "社区A" not in by_name.content.decode()


def test_place_added_in_the_admin_goes_through_placement_rules(admin_client, world):
    refused = admin_client.post(
        "/admin/places/place/add/",
        place_form(type=PlaceType.GRID, name="错位网格", treebeard_ref_node=world.A.building.pk),
    )
    accepted = admin_client.post(
        "/admin/places/place/add/",
        place_form(type=PlaceType.GRID, name="新网格", treebeard_ref_node=world.A.community.pk),
    )

    assert refused.status_code == 200
    assert not Place.objects.filter(name="错位网格").exists()
    assert accepted.status_code == 302
    grid = Place.objects.get(name="新网格")
    assert Place.objects.get_parent(grid) == world.A.community
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(grid.pk)).exists()


def test_moving_a_place_in_the_admin_keeps_persons_paths_in_step(admin_client, world):
    new_grid = add_place_counted(world.B.community, Place(type=PlaceType.GRID, name="接收网格"))
    compound = world.A.compound

    response = admin_client.post(
        f"/admin/places/place/{compound.pk}/change/",
        place_form(type=PlaceType.COMPOUND, name="小区A", treebeard_ref_node=new_grid.pk),
    )

    assert response.status_code == 302
    compound.refresh_from_db()
    person = Person.objects.get(pk=world.A.person.pk)
    assert compound.path.startswith(new_grid.path)
    assert person.place_path.startswith(compound.path)
    assert AuditEvent.objects.filter(action=AuditAction.MOVE, object_id=str(compound.pk)).exists()


def test_drag_and_drop_move_goes_through_the_service(admin_client, world):
    new_grid = add_place_counted(world.B.community, Place(type=PlaceType.GRID, name="接收网格"))

    wrong = admin_client.post(
        "/admin/places/place/move/",
        {"node": world.A.compound.pk, "target": world.B.community.pk, "relation": "child"},
    )
    right = admin_client.post(
        "/admin/places/place/move/", {"node": world.A.compound.pk, "target": new_grid.pk, "relation": "child"}
    )

    assert wrong.status_code == 400
    assert right.status_code == 200
    person = Person.objects.get(pk=world.A.person.pk)
    assert person.place_path.startswith(Place.objects.get(pk=new_grid.pk).path)


def test_places_cannot_be_deleted_through_the_admin(admin_client, world):
    response = admin_client.post(f"/admin/places/place/{world.A.building.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Place.objects.filter(pk=world.A.building.pk).exists()


def test_api_tokens_stay_unlisted_for_staff_without_permission(world):
    token, _raw = issue_token(user=world.hq, name="script")
    staff = make_user("staff", is_staff=True)
    client = Client()
    client.force_login(staff)

    response = client.get("/admin/accounts/apitoken/")

    assert response.status_code == 403
    assert token.hint not in response.content.decode()


def test_place_tree_changelist_and_change_form_render(admin_client, world):
    tree = admin_client.get("/admin/places/place/")
    form = admin_client.get(f"/admin/places/place/{world.A.grid.pk}/change/")

    assert tree.status_code == 200
    assert "测试区" in tree.content.decode()
    html = form.content.decode()
    assert form.status_code == 200
    assert "社区A" in html  # offered as a parent
    assert "A1号楼" not in html  # only places a grid may sit under are offered
    assert "A1-101" not in html
