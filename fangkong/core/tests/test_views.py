import json
import re

import pytest
from django.test import Client

from fangkong.accounts.models import Role
from fangkong.accounts.services import add_membership
from fangkong.conftest import add_place_counted, make_person
from fangkong.places.models import Place, PlaceType

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shown_count(html: str, key: str) -> int:
    match = re.search(rf'data-count="{key}">([\d,]+)<', html)
    assert match, f"count {key} not on the page"
    return int(match.group(1).replace(",", ""))


def test_landing_requires_login(world):
    response = Client().get("/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_community_worker_sees_only_own_community_counts_and_never_side_b(world):
    add_place = add_place_counted
    add_place(world.A.building, instance=Place(type=PlaceType.HOUSEHOLD, name="A1-102"))
    make_person(world.A.household, name="居民A二", seq=19)

    response = client_for(world.user(Role.COMMUNITY_WORKER, "A")).get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert shown_count(html, "grid") == 1
    assert shown_count(html, "compound") == 1
    assert shown_count(html, "building") == 1
    assert shown_count(html, "household") == 2
    assert shown_count(html, "persons") == 2
    assert 'data-count="street"' not in html  # nothing above the community is counted
    for name in ("街道B", "社区B", "网格B", "小区B", "居民B", "B1号楼"):
        assert name not in html


def test_hq_landing_counts_the_whole_district(world):
    response = client_for(world.hq).get("/")

    html = response.content.decode()
    assert shown_count(html, "street") == 2
    assert shown_count(html, "community") == 2
    assert shown_count(html, "grid") == 2
    assert shown_count(html, "household") == 2
    assert shown_count(html, "persons") == 2


def test_chart_data_lists_persons_per_child_place(world):
    make_person(world.B.household, name="居民B二", seq=29)

    response = client_for(world.hq).get("/")

    html = response.content.decode()
    raw = re.search(r'<script id="fk-children-chart-data" type="application/json">(.*?)</script>', html, re.S)
    assert raw
    data = json.loads(raw.group(1))
    assert data["labels"] == ["街道A", "街道B"]
    assert data["values"] == [1, 2]
    assert "fangkong/charts.js" in html


def test_user_without_membership_sees_the_message_and_no_counts(world):
    response = client_for(world.nobody).get("/", HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert "No jurisdiction assigned." in html
    assert "data-count=" not in html
    assert "居民A" not in html
    assert "测试区" not in html


def test_user_without_membership_gets_404_for_any_place(world):
    response = client_for(world.nobody).get("/", {"place": world.A.street.pk})

    assert response.status_code == 404


def test_street_admin_gets_404_for_the_other_street(world):
    response = client_for(world.user(Role.STREET_ADMIN, "A")).get("/", {"place": world.B.street.pk})

    assert response.status_code == 404


def test_non_numeric_place_is_404_not_500(world):
    response = client_for(world.hq).get("/", {"place": "1 OR 1=1"})

    assert response.status_code == 404


def test_street_admin_can_narrow_to_a_place_inside_the_street(world):
    response = client_for(world.user(Role.STREET_ADMIN, "A")).get("/", {"place": world.A.grid.pk})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in html
    assert "网格A" in html
    assert shown_count(html, "compound") == 1


def test_user_with_two_memberships_gets_a_picker_of_both(world):
    user = world.user(Role.COMMUNITY_WORKER, "A")
    add_membership(user=user, place=world.B.grid, role=Role.COMMUNITY_WORKER)
    user.refresh_from_db()

    response = client_for(user).get("/")
    picked = client_for(user).get("/", {"place": world.B.grid.pk})

    html = response.content.decode()
    assert 'id="place-picker"' in html
    assert f'value="{world.A.community.pk}"' in html
    assert f'value="{world.B.grid.pk}"' in html
    assert picked.status_code == 200
    assert "小区B" not in html  # the first membership is shown until another is picked
    assert "小区B" in picked.content.decode()
    assert shown_count(picked.content.decode(), "persons") == 1


def test_not_covered_lists_a_grid_without_a_grid_worker(world):
    lonely = add_place_counted(world.A.community, Place(type=PlaceType.GRID, name="无人网格"))

    response = client_for(world.user(Role.STREET_ADMIN, "A")).get("/")

    html = response.content.decode()
    section = html.split('id="grids-without-worker"', 1)[1].split('id="places-without-persons"', 1)[0]
    assert "无人网格" in section
    assert f'href="/places/{lonely.pk}/"' in section
    assert "网格A" not in section  # grid A has its worker


def test_not_covered_lists_empty_compound_and_ownerless_compound_without_cadre(world):
    empty = add_place_counted(world.A.grid, Place(type=PlaceType.COMPOUND, name="空庭院", is_ownerless=True))

    response = client_for(world.user(Role.COMMUNITY_WORKER, "A")).get("/")

    html = response.content.decode()
    no_persons = html.split('id="places-without-persons"', 1)[1].split('id="ownerless-without-cadre"', 1)[0]
    no_cadre = html.split('id="ownerless-without-cadre"', 1)[1]
    assert f'href="/places/{empty.pk}/"' in no_persons
    assert "小区A" not in no_persons
    assert f'href="/places/{empty.pk}/"' in no_cadre


def test_not_covered_lists_of_side_a_never_show_side_b_gaps(world):
    add_place_counted(world.B.community, Place(type=PlaceType.GRID, name="B无人网格"))

    response = client_for(world.user(Role.STREET_ADMIN, "A")).get("/")

    assert "B无人网格" not in response.content.decode()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize(
    ("path", "key", "status"),
    [
        ("/audit/", "date_from", 200),
        ("/audit/export/", "date_to", 200),
        ("/checkpoints/registrations/", "day", 200),
        ("/checkpoints/registrations/export/", "day", 200),
        ("/transfers/", "day", 200),
        ("/transfers/export/", "day", 200),
        ("/checkpoints/daily/", "day", 422),
        ("/monitoring/alerts/", "since", 200),
    ],
)
def test_a_date_at_the_calendar_ends_in_a_query_string_is_a_message_not_a_500(world, path, key, status, day):
    client = Client(raise_request_exception=False)
    client.force_login(world.hq)
    response = client.get(path, {key: day})
    assert response.status_code == status
    if "export" not in path:
        body = response.content.decode()
        assert "please check the year" in body or "请检查年份" in body


@pytest.mark.parametrize("path", ["/people/", "/places/search/", "/transfers/new/", "/people/export/"])
def test_a_nul_byte_in_a_search_is_refused_with_a_message_not_sent_to_the_database(world, path):
    """PostgreSQL refuses NUL in any text parameter (a 500 there, while SQLite shrugs): every engine answers
    400 with a message (core.middleware.RejectNulMiddleware); search_term still drops it behind that door."""
    client = Client(raise_request_exception=False, headers={"accept-language": "en"})
    client.force_login(world.hq)
    name = world.A.person.name
    response = client.get(path, {"q": name[:1] + "\x00" + name[1:]})
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_search_term_keeps_what_a_database_can_compare():
    from fangkong.core.validators import search_term

    assert search_term("张\x00三 \t 丰\x07") == "张三 丰"
    assert search_term(None) == ""
    assert search_term("x" * 500, limit=20) == "x" * 20
