from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.http import Http404

from fangkong.accounts.models import HqGroup, Membership, Role, User
from fangkong.core.validators import parse_phone, parse_resident_id
from fangkong.demo.generator import DEFAULT_PASSWORD, DEMO_USERNAMES, SIZES
from fangkong.people.models import DocumentType, Person, ResidentType
from fangkong.people.selectors import (
    get_person_for_user,
    grids_without_worker,
    persons_for,
    places_without_persons,
)
from fangkong.places.models import Place, PlaceType

pytestmark = pytest.mark.django_db


def load(seed: int = 2020, *extra: str) -> str:
    out = StringIO()
    call_command("demo_district", "--size", "tiny", "--seed", str(seed), *extra, stdout=out)
    return out.getvalue()


def digest() -> str:
    h = hashlib.sha256()
    for row in Person.objects.order_by("id").values_list(
        "name", "document_type", "document_number", "sex", "birth_date", "phone", "place_path", "resident_type"
    ):
        h.update(repr(row).encode())
    for row in Place.objects.order_by("path").values_list("path", "type", "name", "code", "cadre_name"):
        h.update(repr(row).encode())
    return h.hexdigest()


def digest_of_fresh_load(seed: int) -> str:
    # Roll the load back so the next one starts from an empty database again.
    savepoint = transaction.savepoint()
    load(seed)
    value = digest()
    transaction.savepoint_rollback(savepoint)
    return value


def test_same_seed_loads_identical_district():
    first = digest_of_fresh_load(7)
    assert Person.objects.count() == 0
    assert digest_of_fresh_load(7) == first


def test_different_seed_loads_a_different_district():
    assert digest_of_fresh_load(7) != digest_of_fresh_load(8)


def test_every_resident_id_and_phone_is_valid_and_unique():
    load()
    persons = list(Person.objects.values("document_type", "document_number", "sex", "birth_date", "phone"))
    assert len({p["document_number"] for p in persons}) == len(persons)
    phones = [p["phone"] for p in persons if p["phone"]]
    assert len(set(phones)) == len(phones)
    assert len(phones) > len(persons) * 0.7
    for p in persons:
        if p["document_type"] == DocumentType.RESIDENT_ID:
            facts = parse_resident_id(p["document_number"])
            assert facts.number == p["document_number"]
            assert facts.sex == p["sex"]
            assert facts.birth_date == p["birth_date"]
        if p["phone"]:
            assert parse_phone(p["phone"]) == p["phone"]


def test_tree_is_consistent_and_shaped_like_the_tiny_size():
    load()
    assert Place.objects.find_problems() == ([], [], [], [], [])
    size = SIZES["tiny"]
    counts = {t: Place.objects.filter(type=t).count() for t in PlaceType}
    assert counts[PlaceType.DISTRICT] == 1
    assert counts[PlaceType.STREET] == len(size.street_indexes)
    assert counts[PlaceType.COMMUNITY] == sum(size.communities_per_street)
    assert counts[PlaceType.GRID] == sum(size.communities_per_street) * size.grids_per_community[0]
    assert counts[PlaceType.HOUSEHOLD] > 100
    assert 400 <= Person.objects.count() <= 650
    # Every person lives in a household and carries that household's path for scoping.
    assert not Person.objects.exclude(place__type=PlaceType.HOUSEHOLD).exists()
    for person in Person.objects.select_related("place")[:50]:
        assert person.place_path == person.place.path
    district = Place.objects.get(type=PlaceType.DISTRICT)
    assert len(district.code) == 12
    assert all(len(c) == 12 for c in Place.objects.filter(type=PlaceType.COMMUNITY).values_list("code", flat=True))


def test_demo_district_has_ownerless_courtyards_floating_people_and_tags():
    load()
    ownerless = Place.objects.filter(type=PlaceType.COMPOUND, is_ownerless=True)
    assert ownerless.exists()
    for compound in ownerless:
        assert compound.cadre_name
        assert parse_phone(compound.cadre_phone) == compound.cadre_phone
    assert Person.objects.filter(resident_type=ResidentType.FLOATING).exists()
    # Floating residents include people registered outside Henan (region codes not starting with 41).
    floating_ids = Person.objects.filter(
        resident_type__in=[ResidentType.FLOATING, ResidentType.TEMPORARY], document_type=DocumentType.RESIDENT_ID
    ).values_list("document_number", flat=True)
    assert any(not n.startswith("41") for n in floating_ids)
    assert Person.objects.filter(tags__name="独居老人").exists()
    for lonely in Person.objects.filter(tags__name="独居老人").select_related("place"):
        assert lonely.place.persons.count() == 1


def test_landing_page_lists_have_something_not_covered():
    load()
    district = Place.objects.get(type=PlaceType.DISTRICT)
    assert len(list(grids_without_worker(district))) >= 2
    empty = places_without_persons(district, types=(PlaceType.COMPOUND,))
    assert len(empty) >= 2


def test_demo_accounts_have_their_roles_and_the_demo_password():
    out = load()
    expected = {
        "hq": (Role.HQ_ADMIN, PlaceType.DISTRICT),
        "hqgroup1": (Role.HQ_GROUP, PlaceType.DISTRICT),
        "street1": (Role.STREET_ADMIN, PlaceType.STREET),
        "community1": (Role.COMMUNITY_WORKER, PlaceType.COMMUNITY),
        "grid1": (Role.GRID_WORKER, PlaceType.GRID),
        "checkpoint1": (Role.CHECKPOINT_STAFF, PlaceType.COMMUNITY),
        "site1": (Role.SITE_STAFF, PlaceType.DISTRICT),
        "tester1": (Role.TESTING_STAFF, PlaceType.STREET),
        "inspector1": (Role.INSPECTOR, PlaceType.DISTRICT),
        "viewer1": (Role.VIEWER, PlaceType.STREET),
    }
    assert set(expected) == set(DEMO_USERNAMES)
    for username, (role, place_type) in expected.items():
        membership = Membership.objects.select_related("place", "user").get(user__username=username)
        assert (membership.role, membership.place.type) == (role, place_type)
        assert membership.user.check_password(DEFAULT_PASSWORD)
        assert username in out
    assert Membership.objects.get(user__username="hqgroup1").hq_group == HqGroup.TRACING
    street1 = Place.objects.get(memberships__user__username="street1")
    community1 = Place.objects.get(memberships__user__username="community1")
    grid1 = Place.objects.get(memberships__user__username="grid1")
    assert street1.path == Place.objects.filter(type=PlaceType.STREET).order_by("path").first().path
    assert community1.path.startswith(street1.path)
    assert grid1.path.startswith(community1.path)
    assert "/accounts/login/" in out


def test_demo_password_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-long-secret")
    load()
    hq = User.objects.get(username="hq")
    assert hq.check_password("another-long-secret")
    assert not hq.check_password(DEFAULT_PASSWORD)


def test_grid1_sees_only_the_persons_of_its_grid():
    load()
    grid1 = User.objects.get(username="grid1")
    grid = Place.objects.get(memberships__user=grid1)
    visible = list(persons_for(grid1).values_list("place_path", flat=True))
    assert visible
    assert all(path.startswith(grid.path) for path in visible)
    assert len(visible) == Person.objects.filter(place_path__startswith=grid.path).count()
    assert len(visible) < Person.objects.count()
    outsider = Person.objects.exclude(place_path__startswith=grid.path).first()
    assert outsider is not None
    with pytest.raises(Http404):
        get_person_for_user(grid1, outsider.pk)


def test_if_empty_leaves_an_existing_district_alone_but_prints_the_accounts():
    load()
    before = (Place.objects.count(), Person.objects.count())
    out = load(99, "--if-empty")
    assert (Place.objects.count(), Person.objects.count()) == before
    assert "not loaded again" in out
    assert "grid1" in out
    with pytest.raises(CommandError, match="already holds places"):
        load(99)
