"""The demo district: a deterministic, seed-shaped district written with bulk inserts.

Everything is drawn from one `random.Random(seed)`, in a fixed order, so the same
seed and size always produce the same places, persons and accounts. Nothing
reads the clock or the global random state.

Rows are written with explicit primary keys and hand-built treebeard paths
(steplen 4, base-36), so the million-person district needs no per-row save():
SQLite gets batched bulk_create, PostgreSQL gets COPY.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from fangkong.accounts.models import HqGroup, Role, User
from fangkong.accounts.services import add_membership
from fangkong.core import plugins
from fangkong.core.engines import PerEngine
from fangkong.core.testing.idnumbers import make_resident_id
from fangkong.demo import names as T
from fangkong.people.models import DocumentType, Person, ResidentType, Tag
from fangkong.places.counts import rebuild_counts
from fangkong.places.models import Place, PlaceType

DISTRICT_NAME = "示范区"
DISTRICT_CODE = "410499000000"
DEFAULT_PASSWORD = "fangkong2026"  # noqa: S105 -- the published demo password, overridable by DEMO_PASSWORD
# Ages are computed against a fixed day, not today, so the same seed gives the same birth dates.
REFERENCE_DATE = dt.date(2026, 1, 1)
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MEAN_HOUSEHOLD = sum((i + 1) * w for i, w in enumerate(T.HOUSEHOLD_SIZES)) / sum(T.HOUSEHOLD_SIZES)


@dataclass(frozen=True)
class Size:
    persons: int
    street_indexes: tuple[int, ...]
    communities_per_street: tuple[int, ...]
    # Drawn per community; 58 communities × 3.3 on average ≈ 190 grids, as in Chanhe's 188.
    grids_per_community: tuple[int, ...]
    # Households a compound holds on average; grows with the size so large districts get big estates.
    households_per_compound: int


_ALL_STREETS = tuple(range(len(T.STREETS)))
GRID_CHOICES = (3, 3, 3, 3, 3, 3, 3, 4, 4, 4)
SIZES: dict[str, Size] = {
    # Three streets (one a township with villages) so tests see every kind of place in seconds.
    "tiny": Size(500, (0, 1, 10), (2, 2, 2), (2,), 25),
    "small": Size(20_000, _ALL_STREETS, tuple(T.COMMUNITIES_PER_STREET), GRID_CHOICES, 40),
    "medium": Size(200_000, _ALL_STREETS, tuple(T.COMMUNITIES_PER_STREET), GRID_CHOICES, 200),
    "large": Size(1_000_000, _ALL_STREETS, tuple(T.COMMUNITIES_PER_STREET), GRID_CHOICES, 600),
}


def base36(n: int, width: int = Place.steplen) -> str:
    digits = ""
    while n:
        n, r = divmod(n, 36)
        digits = ALPHABET[r] + digits
    return digits.rjust(width, "0")


@dataclass(slots=True)
class PlaceRow:
    id: int
    path: str
    depth: int
    type: str
    name: str
    code: str = ""
    address: str = ""
    is_ownerless: bool = False
    cadre_name: str = ""
    cadre_phone: str = ""
    numchild: int = 0

    def values(self, now: dt.datetime) -> tuple[Any, ...]:
        return (
            self.id, self.path, self.depth, self.numchild, self.type, self.name, self.code, self.address,
            self.is_ownerless, self.cadre_name, self.cadre_phone, now, now,
        )  # fmt: skip


PLACE_COLUMNS = (
    "id", "path", "depth", "numchild", "type", "name", "code", "address",
    "is_ownerless", "cadre_name", "cadre_phone", "created_at", "updated_at",
)  # fmt: skip
PERSON_COLUMNS = (
    "id", "name", "document_type", "document_number", "sex", "birth_date", "phone", "place_id",
    "place_path", "address", "registered_residence", "resident_type", "merged_into_id", "version",
    "created_at", "updated_at", "extra",
)  # fmt: skip


@dataclass
class Household:
    place: PlaceRow
    address: str


@dataclass
class Plan:
    """The place tree, and where households sit in it, before any person exists."""

    places: list[PlaceRow] = field(default_factory=list)
    district: PlaceRow | None = None
    streets: list[PlaceRow] = field(default_factory=list)
    communities: list[PlaceRow] = field(default_factory=list)
    grids: list[PlaceRow] = field(default_factory=list)
    compounds: list[PlaceRow] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    unstaffed_grids: set[str] = field(default_factory=set)
    _next_id: int = 1

    def add(self, parent: PlaceRow | None, type_: str, name: str, **extra: Any) -> PlaceRow:
        if parent is None:
            path, depth = base36(1), 1
        else:
            parent.numchild += 1
            path, depth = parent.path + base36(parent.numchild), parent.depth + 1
        row = PlaceRow(id=self._next_id, path=path, depth=depth, type=type_, name=name, **extra)
        self._next_id += 1
        self.places.append(row)
        return row


class DemoRandom(random.Random):
    """random.Random with the few draws the demo needs, all deterministic."""

    _cum_weights: dict[int, list[float]]

    def weighted(self, table: Sequence[tuple[Any, ...]]) -> tuple[Any, ...]:
        # Same draw as choices(weights=...), without re-summing the table a million times.
        cache = self.__dict__.setdefault("_cum_weights", {})
        cum = cache.get(id(table))
        if cum is None:
            cum = cache[id(table)] = list(itertools.accumulate(row[-1] for row in table))
        return self.choices(table, cum_weights=cum)[0]

    def person_name(self, *, male: bool, surname: str | None = None) -> str:
        surname = surname or self.weighted(T.SURNAMES)[0]
        pool = T.GIVEN_MALE if male else T.GIVEN_FEMALE
        given = self.choice(pool) + (self.choice(pool) if self.random() < 0.7 else "")
        return surname + given

    def phone(self, used: set[str]) -> str:
        while True:
            number = self.choice(T.PHONE_PREFIXES) + f"{self.randrange(10**8):08d}"
            if number not in used:
                used.add(number)
                return number


def _community_code(street_no: int, community_no: int, village: bool) -> str:
    # Statistical division codes: residents' committees 001-199, village committees 200-399.
    return f"{DISTRICT_CODE[:6]}{street_no:03d}{(200 if village else 0) + community_no:03d}"


def plan_places(rng: DemoRandom, size: Size) -> Plan:
    plan = Plan()
    district = plan.add(None, PlaceType.DISTRICT, DISTRICT_NAME, code=DISTRICT_CODE)
    plan.district = district
    community_stems = list(T.COMMUNITY_STEMS)
    village_stems = list(T.VILLAGE_STEMS)
    rng.shuffle(community_stems)
    rng.shuffle(village_stems)
    for street_no, (street_index, n_communities) in enumerate(
        zip(size.street_indexes, size.communities_per_street, strict=True), start=1
    ):
        street_name, is_township = T.STREETS[street_index]
        street = plan.add(
            district, PlaceType.STREET, street_name, code=f"{DISTRICT_CODE[:6]}{street_no:03d}000", address=street_name
        )
        plan.streets.append(street)
        for community_no in range(1, n_communities + 1):
            name = village_stems.pop() + "村" if is_township else community_stems.pop() + "社区"
            community = plan.add(
                street,
                PlaceType.COMMUNITY,
                name,
                code=_community_code(street_no, community_no, is_township),
                address=street_name + name,
            )
            plan.communities.append(community)
            for grid_no in range(1, rng.choice(size.grids_per_community) + 1):
                grid = plan.add(community, PlaceType.GRID, f"{name}第{grid_no}网格", address=community.address)
                plan.grids.append(grid)
    _plan_households(rng, size, plan)
    return plan


def _plan_households(rng: DemoRandom, size: Size, plan: Plan) -> None:
    grids = plan.grids
    weights = [rng.uniform(0.6, 1.4) for _ in grids]
    total_households = size.persons / MEAN_HOUSEHOLD
    n_flagged = max(2, round(len(grids) * 0.02))
    # Grid 1 must keep its worker and its people: the demo account grid1 works there.
    empty_compound_grids = set(rng.sample(range(1, len(grids)), n_flagged))
    plan.unstaffed_grids = {grids[i].path for i in rng.sample(range(1, len(grids)), n_flagged)}
    compound_stems = [s + suffix for s in T.COMPOUND_STEMS for suffix in T.COMPOUND_SUFFIXES]
    rng.shuffle(compound_stems)
    village_paths = {c.path for c in plan.communities if c.name.endswith("村")}
    for index, grid in enumerate(grids):
        n_households = max(1, round(total_households * weights[index] / sum(weights)))
        community_path = grid.path[: -Place.steplen]
        if community_path in village_paths:
            _plan_village_grid(rng, plan, grid, n_households)
        else:
            _plan_urban_grid(rng, size, plan, grid, n_households, compound_stems)
        if index in empty_compound_grids:
            # A newly delivered estate nobody has registered in yet: 户不漏人 must flag it.
            name = compound_stems[len(plan.compounds) % len(compound_stems)] + "(新交付)"
            compound = plan.add(grid, PlaceType.COMPOUND, name, address=f"{grid.address}{name}")
            plan.compounds.append(compound)
            for b in range(1, rng.randint(1, 3) + 1):
                plan.add(compound, PlaceType.BUILDING, f"{b}号楼", address=f"{compound.address}{b}号楼")


def _split(rng: DemoRandom, total: int, parts: int) -> list[int]:
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    scale = total / sum(weights)
    counts = [max(1, int(w * scale)) for w in weights]
    counts[-1] = max(1, total - sum(counts[:-1]))
    return counts


def _courtyard(rng: DemoRandom, plan: Plan, grid: PlaceRow, n_households: int) -> None:
    street = rng.choice(T.COURTYARD_STREETS)
    name = f"{street}{rng.randint(1, 320)}号院"
    if rng.random() < 0.5:
        name = rng.choice(T.UNITS_IN_COURTYARD) + "家属院"
    cadre = rng.person_name(male=rng.random() < 0.6)
    compound = plan.add(
        grid,
        PlaceType.COMPOUND,
        name,
        address=f"{grid.address}{name}",
        is_ownerless=True,
        cadre_name=cadre,
        cadre_phone=rng.phone(set()),
    )
    plan.compounds.append(compound)
    for n in range(1, n_households + 1):
        house = plan.add(compound, PlaceType.HOUSEHOLD, f"{n}号", address=f"{compound.address}{n}号")
        plan.households.append(Household(house, house.address))


def _plan_village_grid(rng: DemoRandom, plan: Plan, grid: PlaceRow, n_households: int) -> None:
    # Village houses sit straight under the grid; some families live in an old courtyard.
    in_courtyard = round(n_households * 0.15) if n_households >= 4 and rng.random() < 0.5 else 0
    for n in range(1, n_households - in_courtyard + 1):
        house = plan.add(grid, PlaceType.HOUSEHOLD, f"{n}号", address=f"{grid.address}{n}号")
        plan.households.append(Household(house, house.address))
    if in_courtyard:
        _courtyard(rng, plan, grid, in_courtyard)


def _plan_urban_grid(
    rng: DemoRandom, size: Size, plan: Plan, grid: PlaceRow, n_households: int, stems: list[str]
) -> None:
    n_compounds = max(2, min(40, round(n_households / size.households_per_compound)))
    for share in _split(rng, n_households, n_compounds):
        if rng.random() < 0.1:
            _courtyard(rng, plan, grid, share)
            continue
        name = stems[len(plan.compounds) % len(stems)]
        compound = plan.add(grid, PlaceType.COMPOUND, name, address=f"{grid.address}{name}")
        plan.compounds.append(compound)
        floors = rng.choice((6, 6, 7, 11, 18, 26))
        units = rng.randint(1, 3)
        capacity = floors * units * 2
        for b in range(1, math.ceil(share / capacity) + 1):
            building = plan.add(compound, PlaceType.BUILDING, f"{b}号楼", address=f"{compound.address}{b}号楼")
            for slot in range(min(capacity, share - (b - 1) * capacity)):
                unit, rest = divmod(slot, floors * 2)
                floor, room = divmod(rest, 2)
                label = f"{unit + 1}单元{floor + 1}{room + 1:02d}"
                house = plan.add(building, PlaceType.HOUSEHOLD, label, address=building.address + label)
                plan.households.append(Household(house, house.address))


# --- persons -----------------------------------------------------------------------


@dataclass(slots=True)
class PersonRow:
    id: int
    name: str
    document_type: str
    document_number: str
    sex: str
    birth_date: dt.date
    phone: str
    place_id: int
    place_path: str
    address: str
    registered_residence: str
    resident_type: str
    tags: list[str]

    def values(self, now: dt.datetime) -> tuple[Any, ...]:
        return (
            self.id, self.name, self.document_type, self.document_number, self.sex, self.birth_date,
            self.phone, self.place_id, self.place_path, self.address, self.registered_residence,
            self.resident_type, None, 1, now, now, {},
        )  # fmt: skip


_ADULT_BANDS = [(band, w) for band, w in enumerate(T.AGE_BANDS) if band >= 4]


class PersonFactory:
    def __init__(self, rng: DemoRandom, first_id: int = 1) -> None:
        self.rng = rng
        self.next_id = first_id
        self.documents: set[str] = set()
        self.phones: set[str] = set()

    def _adult_age(self, low: int = 18, high: int = 99) -> int:
        while True:
            band = self.rng.weighted(_ADULT_BANDS)[0]
            age = band * 5 + self.rng.randrange(5)
            if low <= age <= high:
                return age

    def _birth(self, age: int) -> dt.date:
        # Someone aged `age` on the reference day was born in the year before their last birthday.
        return REFERENCE_DATE - dt.timedelta(days=age * 365 + age // 4 + self.rng.randrange(1, 365))

    def _resident_id(self, region: str, birth: dt.date, male: bool) -> str:
        while True:
            number = make_resident_id(region, birth, self.rng.randrange(1, 999), male=male)
            if number not in self.documents:
                self.documents.add(number)
                return number

    def _permit(self) -> str:
        while True:
            number = self.rng.choice("HM") + f"{self.rng.randrange(10**8):08d}"
            if number not in self.documents:
                self.documents.add(number)
                return number

    def household(self, household: Household) -> list[PersonRow]:
        rng = self.rng
        size = rng.choices(range(1, 7), weights=T.HOUSEHOLD_SIZES)[0]
        resident_type = rng.choices(
            [ResidentType.REGISTERED, ResidentType.PERMANENT, ResidentType.FLOATING, ResidentType.TEMPORARY],
            weights=[68, 14, 15, 3],
        )[0]
        if resident_type == ResidentType.REGISTERED:
            regions = T.LOCAL_REGIONS
        elif resident_type == ResidentType.PERMANENT:
            regions = T.LOCAL_REGIONS if rng.random() < 0.5 else T.HENAN_REGIONS
        else:
            regions = T.HENAN_REGIONS if rng.random() < 0.55 else T.OTHER_PROVINCE_REGIONS
        region, region_text, _w = rng.weighted(regions)
        registered = f"{region_text}{rng.choice(T.COURTYARD_STREETS)}{rng.randint(1, 300)}号"
        surname = rng.weighted(T.SURNAMES)[0]

        # (age, male, keeps the family surname)
        members: list[tuple[int, bool, bool]] = []
        head_male = rng.random() < (0.5 if size == 1 else 0.75)
        if size == 1:
            members.append((self._adult_age(), head_male, True))
        else:
            with_children = size >= 3
            head_age = self._adult_age(low=24 if with_children else 20, high=70 if with_children else 90)
            members.append((head_age, head_male, True))
            spouse_age = max(20, min(99, head_age + rng.randint(-4, 4)))
            members.append((spouse_age, not head_male, False))
            children = size - 2
            if size >= 5 and head_age <= 65:
                parent_age = min(99, head_age + rng.randint(22, 32))
                members.append((parent_age, rng.random() < 0.4, rng.random() < 0.6))
                children -= 1
            for _ in range(children):
                child_age = head_age - rng.randint(22, min(38, head_age))
                members.append((child_age, rng.random() < 0.52, True))

        rows = []
        for age, male, family in members:
            birth = self._birth(age)
            if resident_type == ResidentType.TEMPORARY and rng.random() < 0.03:
                document_type, number = DocumentType.HK_MACAU_PASS, self._permit()
            else:
                document_type, number = DocumentType.RESIDENT_ID, self._resident_id(region, birth, male)
            tags = self._tags(age, male, size)
            rows.append(
                PersonRow(
                    id=self.next_id,
                    name=rng.person_name(male=male, surname=surname if family else None),
                    document_type=document_type,
                    document_number=number,
                    sex="M" if male else "F",
                    birth_date=birth,
                    phone=rng.phone(self.phones) if age >= 12 and rng.random() < 0.97 else "",
                    place_id=household.place.id,
                    place_path=household.place.path,
                    address=f"{DISTRICT_NAME}{household.address}",
                    registered_residence=registered,
                    resident_type=resident_type,
                    tags=tags,
                )
            )
            self.next_id += 1
        return rows

    def _tags(self, age: int, male: bool, household_size: int) -> list[str]:
        rng = self.rng
        tags = []
        if household_size == 1 and age >= 60:
            tags.append("独居老人")
        if not male and 20 <= age <= 42 and household_size >= 2 and rng.random() < 0.03:
            tags.append("孕产妇")
        if age >= 40 and rng.random() < 0.002:
            tags.append("透析患者")
        if 20 <= age <= 60 and rng.random() < 0.004:
            tags.append("冷链从业")
        if age >= 55 and rng.random() < 0.06:
            tags.append("慢性病患者")
        if rng.random() < 0.008:
            tags.append("残疾人")
        return tags


def generate_persons(rng: DemoRandom, plan: Plan, *, first_id: int = 1) -> Iterator[PersonRow]:
    factory = PersonFactory(rng, first_id)
    for household in plan.households:
        yield from factory.household(household)


# --- writing -------------------------------------------------------------------------


def _batches(rows: Iterator[PersonRow], n: int) -> Iterator[list[PersonRow]]:
    batch: list[PersonRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch


class Writer(ABC):
    """Bulk writes with explicit ids; one subclass per database."""

    batch_size = 5000

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    @abstractmethod
    def places(self, rows: list[PlaceRow]) -> None: ...

    @abstractmethod
    def persons(self, rows: list[PersonRow]) -> None: ...

    @abstractmethod
    def person_tags(self, pairs: list[tuple[int, int]]) -> None: ...

    def finish(self) -> None:
        # A hook: only the COPY writer has work to do once all rows are in.
        return None


class BulkCreateWriter(Writer):
    def places(self, rows: list[PlaceRow]) -> None:
        objs = [Place(**dict(zip(PLACE_COLUMNS, r.values(self.now), strict=True))) for r in rows]
        Place.objects.bulk_create(objs, batch_size=self.batch_size)

    def persons(self, rows: list[PersonRow]) -> None:
        objs = [Person(**dict(zip(PERSON_COLUMNS, r.values(self.now), strict=True))) for r in rows]
        Person.objects.bulk_create(objs, batch_size=self.batch_size)

    def person_tags(self, pairs: list[tuple[int, int]]) -> None:
        through = Person.tags.through
        through.objects.bulk_create(
            [through(person_id=p, tag_id=t) for p, t in pairs],
            batch_size=self.batch_size,
        )


class CopyWriter(Writer):
    """PostgreSQL: COPY is an order of magnitude faster than INSERT for a million rows."""

    batch_size = 50_000

    def _copy(self, table: str, columns: Sequence[str], rows: Iterator[tuple[Any, ...]]) -> None:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    def places(self, rows: list[PlaceRow]) -> None:
        now = self.now
        self._copy(Place._meta.db_table, PLACE_COLUMNS, (r.values(now) for r in rows))

    def persons(self, rows: list[PersonRow]) -> None:
        now = self.now
        # COPY's text format takes JSON as text; the last value is the empty `extra` object.
        self._copy(Person._meta.db_table, PERSON_COLUMNS, ((*r.values(now)[:-1], "{}") for r in rows))

    def person_tags(self, pairs: list[tuple[int, int]]) -> None:
        self._copy(Person.tags.through._meta.db_table, ("person_id", "tag_id"), iter(pairs))

    def finish(self) -> None:
        # Explicit ids leave the sequences behind; the next person created through the app needs a fresh id.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Place, Person]):
                cursor.execute(sql)


WRITERS: PerEngine[type[Writer]] = PerEngine(postgresql=CopyWriter, portable=BulkCreateWriter)


def make_writer(now: dt.datetime) -> Writer:
    return WRITERS()(now)


# --- accounts -------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    place_path: str
    display_name: str
    hq_group: str = ""


def demo_accounts(plan: Plan) -> list[DemoAccount]:
    district, street1, street2 = plan.district, plan.streets[0], plan.streets[1]
    assert district is not None
    community1 = next(c for c in plan.communities if c.path.startswith(street1.path))
    grid1 = next(g for g in plan.grids if g.path.startswith(community1.path))
    return [
        DemoAccount("hq", Role.HQ_ADMIN, district.path, "指挥部管理员"),
        DemoAccount("hqgroup1", Role.HQ_GROUP, district.path, "流调专班", HqGroup.TRACING),
        DemoAccount("street1", Role.STREET_ADMIN, street1.path, f"{street1.name}管理员"),
        DemoAccount("community1", Role.COMMUNITY_WORKER, community1.path, f"{community1.name}工作人员"),
        DemoAccount("grid1", Role.GRID_WORKER, grid1.path, f"{grid1.name}网格员"),
        DemoAccount("checkpoint1", Role.CHECKPOINT_STAFF, community1.path, "卡点值守人员"),
        DemoAccount("site1", Role.SITE_STAFF, district.path, "集中隔离点工作人员"),
        DemoAccount("tester1", Role.TESTING_STAFF, street1.path, "核酸检测人员"),
        DemoAccount("inspector1", Role.INSPECTOR, district.path, "督导检查人员"),
        DemoAccount("viewer1", Role.VIEWER, street2.path, f"{street2.name}查询人员"),
    ]


DEMO_USERNAMES = (
    "hq", "hqgroup1", "street1", "community1", "grid1", "checkpoint1", "site1", "tester1", "inspector1", "viewer1",
)  # fmt: skip


def _create_accounts(rng: DemoRandom, plan: Plan, password: str) -> None:
    # One hash for every demo account: hashing is deliberately slow and the grid workers are ~190.
    hashed = make_password(password)
    wanted: list[tuple[DemoAccount, bool]] = [(a, True) for a in demo_accounts(plan)]
    grid_no = 1
    for grid in plan.grids:
        if grid.path in plan.unstaffed_grids:
            continue
        if grid_no > 1:
            name = rng.person_name(male=rng.random() < 0.5)
            wanted.append((DemoAccount(f"grid{grid_no}", Role.GRID_WORKER, grid.path, name), False))
        grid_no += 1
    existing = {u.username: u for u in User.objects.filter(username__in=[a.username for a, _ in wanted])}
    new_users = [
        User(username=a.username, display_name=a.display_name, password=hashed)
        for a, _ in wanted
        if a.username not in existing
    ]
    User.objects.bulk_create(new_users)
    users = {u.username: u for u in User.objects.filter(username__in=[a.username for a, _ in wanted])}
    places = Place.objects.in_bulk({a.place_path for a, _ in wanted}, field_name="path")
    for account, _named in wanted:
        user = users[account.username]
        if account.username in existing:
            user.password = hashed
            user.save(update_fields=["password"])
        add_membership(user=user, place=places[account.place_path], role=account.role, hq_group=account.hq_group)


# --- entry point ------------------------------------------------------------------------


def _run_app_steps(*, persons: int, seed: int) -> None:
    # Each app's own demo data (key persons, checkpoints, measures …), declared in its plugin.py and run
    # after the steps it depends on.
    for _app, step in plugins.ordered_demo_steps():
        plugins.resolve(step.run)(persons=persons, seed=seed)


@dataclass
class LoadResult:
    places: int
    persons: int
    grid_workers: int
    by_type: dict[str, int]


def load(*, size: str, seed: int, password: str = DEFAULT_PASSWORD) -> LoadResult:
    """Write the demo district into an empty database, in one transaction."""
    spec = SIZES[size]
    rng = DemoRandom(seed)
    plan = plan_places(rng, spec)
    now = timezone.now()
    writer = make_writer(now)
    with transaction.atomic():
        writer.places(plan.places)
        tag_ids = {name: Tag.objects.get_or_create(name=name)[0].pk for name in T.TAGS}
        persons = 0
        for batch in _batches(generate_persons(rng, plan), writer.batch_size):
            writer.persons(batch)
            pairs = [(p.id, tag_ids[t]) for p in batch for t in p.tags]
            if pairs:
                writer.person_tags(pairs)
            persons += len(batch)
        writer.finish()
        # Rows went in with bulk inserts/COPY, past the services that keep counts: roll them up once.
        rebuild_counts()
        _create_accounts(rng, plan, password)
    _run_app_steps(persons=persons, seed=seed)
    with connection.cursor() as cursor:
        # Fresh statistics so the first pages after a big load get index plans.
        cursor.execute("ANALYZE")
    by_type: dict[str, int] = {}
    for p in plan.places:
        by_type[p.type] = by_type.get(p.type, 0) + 1
    return LoadResult(
        places=len(plan.places),
        persons=persons,
        grid_workers=len(plan.grids) - len(plan.unstaffed_grids),
        by_type=by_type,
    )
