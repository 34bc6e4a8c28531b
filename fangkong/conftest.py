"""The base fixture every test builds on: one district with two sibling jurisdictions, A and B.

    District 测试区 ─┬─ Street A ─ Community A ─ Grid A ─ Compound A ─ Building A ─ Household A
                     └─ Street B ─ Community B ─ Grid B ─ Compound B ─ Building B ─ Household B

`world.users["grid_worker"]["A"]` is the grid worker of grid A, and so on for every role;
`world.hq` is the district HQ administrator. Each side has one person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import translation

from fangkong.accounts.models import Role, User
from fangkong.accounts.services import add_membership
from fangkong.core.testing.idnumbers import make_resident_id
from fangkong.people.models import Person
from fangkong.places.counts import adjust_counts, person_deltas, rebuild_counts
from fangkong.places.models import Place, PlaceType

PASSWORD = "correct-horse-42"

# Where each role is posted, by depth below the street of its side.
ROLE_LEVEL = {
    Role.STREET_ADMIN: "street",
    Role.COMMUNITY_WORKER: "community",
    Role.GRID_WORKER: "grid",
    Role.CHECKPOINT_STAFF: "community",
    Role.SITE_STAFF: "street",
    Role.TESTING_STAFF: "community",
    Role.INSPECTOR: "street",
    Role.VIEWER: "community",
    Role.HQ_GROUP: "street",
}


@dataclass
class Side:
    street: Place
    community: Place
    grid: Place
    compound: Place
    building: Place
    household: Place
    person: Person


@dataclass
class World:
    district: Place
    A: Side
    B: Side
    hq: User
    users: dict[str, dict[str, User]] = field(default_factory=dict)
    nobody: User | None = None

    def user(self, role: str, side: str) -> User:
        return self.users[role][side]


def make_user(username: str, **extra: Any) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    return user


def add_place_counted(parent: Place, instance: Place) -> Place:
    """Place.objects.add_child for test setup, keeping the rolled-up PlaceCount rows exact."""
    place = Place.objects.add_child(parent, instance=instance)
    adjust_counts({parent.path: {place.type: 1}})
    return place


def make_person(
    place: Place,
    *,
    name: str,
    seq: int,
    phone: str = "13800000000",
    male: bool = True,
    resident_type: str = "permanent",
) -> Person:
    number = make_resident_id("410402", dt.date(1985, 3, 14), seq, male=male)
    person = Person.objects.create(
        name=name,
        document_type="resident_id",
        document_number=number,
        sex="M" if male else "F",
        birth_date=dt.date(1985, 3, 14),
        phone=phone,
        place=place,
        place_path=place.path,
        address=f"{place.name} 1号",
        resident_type=resident_type,
    )
    adjust_counts(person_deltas(place.path, person.resident_type, +1))
    return person


def _side(district: Place, label: str, seq: int) -> Side:
    street = Place.objects.add_child(
        district, instance=Place(type=PlaceType.STREET, name=f"街道{label}", code=f"41040200{seq}000")
    )
    community = Place.objects.add_child(street, instance=Place(type=PlaceType.COMMUNITY, name=f"社区{label}"))
    grid = Place.objects.add_child(community, instance=Place(type=PlaceType.GRID, name=f"网格{label}"))
    compound = Place.objects.add_child(grid, instance=Place(type=PlaceType.COMPOUND, name=f"小区{label}"))
    building = Place.objects.add_child(compound, instance=Place(type=PlaceType.BUILDING, name=f"{label}1号楼"))
    household = Place.objects.add_child(building, instance=Place(type=PlaceType.HOUSEHOLD, name=f"{label}1-101"))
    person = make_person(household, name=f"居民{label}", seq=seq * 10 + 1, phone=f"1380000000{seq}")
    return Side(street, community, grid, compound, building, household, person)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    # Tests read service messages in their English source form. Without this, the language a test
    # saw depended on the request an earlier test on the same worker had made (the UI default is Chinese).
    # Pages still answer in the language each request asks for.
    with translation.override("en"):
        yield


@pytest.fixture
def world(db: Any) -> World:
    from fangkong.accounts.roles import ensure_role_groups

    ensure_role_groups()
    district = Place.objects.add_root(instance=Place(type=PlaceType.DISTRICT, name="测试区", code="410402000000"))
    a = _side(district, "A", 1)
    b = _side(district, "B", 2)
    hq = make_user("hq")
    add_membership(user=hq, place=district, role=Role.HQ_ADMIN)
    w = World(district=district, A=a, B=b, hq=hq)
    for role, level in ROLE_LEVEL.items():
        w.users[role] = {}
        for label, side in (("A", a), ("B", b)):
            user = make_user(f"{role}_{label}")
            add_membership(
                user=user,
                place=getattr(side, level),
                role=role,
                hq_group="tracing" if role == Role.HQ_GROUP else "",
            )
            w.users[role][label] = user
    w.nobody = make_user("nobody")
    rebuild_counts()
    return w
