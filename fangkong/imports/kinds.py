"""What each kind of file imports into: its fields, their header synonyms, and how a chunk of rows is written.

A handler turns a chunk of rows into outcomes and writes the accepted ones in
bulk; the caller (services.run_import) owns the chunk's transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from fangkong.core.bulk import insert_rows, update_rows
from fangkong.core.scoping import path_in_jurisdiction
from fangkong.core.validators import EARLIEST_BIRTH, PROVINCE_CODES, When, id_check_char, validate_clean_text
from fangkong.imports import normalize
from fangkong.imports.categories import CategoryChoices, push_categories
from fangkong.imports.models import ImportJob, PushList, PushListEntry, RowStatus
from fangkong.people.models import DocumentType, Person, ResidentType, Tag
from fangkong.people.services import MAX_LENGTHS, PersonInput, clean_person_input, duplicate_elsewhere_message
from fangkong.places.addresses import AddressIndex, Match, index_for
from fangkong.places.counts import adjust_counts, person_deltas
from fangkong.places.models import Place, PlaceType
from fangkong.places.services import create_place


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: Promise | str
    synonyms: tuple[str, ...] = ()
    required: bool = False


@dataclass(slots=True)
class RowOutcome:
    row_number: int  # 1-based, as Excel shows it
    status: str = RowStatus.ACCEPTED
    messages: dict[str, list[str]] = field(default_factory=dict)

    def warn(self, fieldname: str, message: str) -> None:
        self.messages.setdefault(fieldname, []).append(str(message))
        if self.status == RowStatus.ACCEPTED:
            self.status = RowStatus.WARNING

    def reject(self, fieldname: str, message: str) -> None:
        self.messages.setdefault(fieldname, []).append(str(message))
        self.status = RowStatus.REJECTED

    @property
    def rejected(self) -> bool:
        return self.status == RowStatus.REJECTED


@dataclass(frozen=True)
class Unresolved:
    """Why a row's community/grid/compound/building could not be used."""

    code: str  # ambiguous | jurisdiction | target | missing
    message: str


@dataclass(slots=True)
class Row:
    index: int  # 0-based sheet row
    values: dict[str, str]
    extra: dict[str, str]
    outcome: RowOutcome
    # What a handler's prepare() worked out from the row alone, for its process().
    prepared: Any = None


F = FieldSpec
NAME = F("name", pgettext_lazy("person", "Name"), ("姓名", "名字", "人员姓名", "姓 名", "name"), required=True)
DOCUMENT_TYPE = F("document_type", gettext_lazy("Document type"), ("证件类型", "证件种类"))
DOCUMENT_NUMBER = F(
    "document_number",
    gettext_lazy("Document number"),
    ("身份证号", "身份证号码", "身份证", "证件号码", "证件号", "公民身份号码", "身份证件号码", "id"),
    required=True,
)
PHONE = F(
    "phone", gettext_lazy("Mobile phone"), ("手机", "手机号", "手机号码", "联系电话", "电话", "联系方式", "电话号码")
)
ADDRESS = F(
    "address",
    gettext_lazy("Current address"),
    ("现住址", "居住地址", "住址", "现居住地址", "居住地", "家庭住址", "地址"),
)
COMMUNITY = F("community", gettext_lazy("Community"), ("社区", "所属社区", "村", "社区村", "村社区", "所在社区"))
GRID = F("grid", gettext_lazy("Grid"), ("网格", "所属网格", "网格名称", "网格编号"))

POPULATION_FIELDS = [
    NAME,
    DOCUMENT_TYPE,
    DOCUMENT_NUMBER,
    PHONE,
    F("sex", gettext_lazy("Sex"), ("性别",)),
    F("birth_date", gettext_lazy("Birth date"), ("出生日期", "出生年月", "生日")),
    ADDRESS,
    F("registered_residence", gettext_lazy("Registered residence"), ("户籍地", "户籍地址", "户籍所在地", "籍贯")),
    F("resident_type", gettext_lazy("Resident type"), ("人口类型", "人员类型", "居住类型", "人口类别")),
    COMMUNITY,
    GRID,
    F("compound", gettext_lazy("Compound"), ("小区", "院落", "小区名称", "庭院")),
    F("building", gettext_lazy("Building"), ("楼栋", "楼号", "栋", "楼栋号")),
    F("room", gettext_lazy("Room / household"), ("户号", "门牌", "门牌号", "房号", "房间号", "单元户号")),
    F("tags", gettext_lazy("Tags"), ("标签", "人员标签")),
]

PUSHLIST_FIELDS = [
    NAME,
    DOCUMENT_TYPE,
    DOCUMENT_NUMBER,
    PHONE,
    ADDRESS,
    F(
        "came_from",
        gettext_lazy("Came from"),
        ("来源地", "途经地", "从何地返回", "来自", "出发地", "来源地区", "途经地区"),
    ),
    F(
        "arrived_on",
        gettext_lazy("Arrived on"),
        ("返回日期", "抵达日期", "到达时间", "抵达时间", "返回时间", "到达日期", "来返时间"),
    ),
    COMMUNITY,
    GRID,
    F(
        "category",
        gettext_lazy("Category"),
        ("人员类别", "人员类型", "人员分类", "管控类别", "推送类别", "类别", "分类", "category", "person category"),
    ),
]

ROUTE_LEVELS = (("community", PlaceType.COMMUNITY), ("grid", PlaceType.GRID))
POPULATION_ROUTE_LEVELS = (*ROUTE_LEVELS, ("compound", PlaceType.COMPOUND), ("building", PlaceType.BUILDING))
HOUSEHOLD_PARENTS = (PlaceType.GRID, PlaceType.COMPOUND, PlaceType.BUILDING)
# Place types a handler reads all at once (below the import's target) instead of one query per name.
INDEXED_TYPES = (PlaceType.COMMUNITY, PlaceType.GRID)
PERSON_FILL_FIELDS = ("phone", "address", "registered_residence", "birth_date", "sex")


class Deltas:
    """Person count changes of one chunk, applied in one adjust_counts call."""

    def __init__(self) -> None:
        # Net persons added per (place path, resident type): a chunk adds thousands to a few hundred places.
        self.net: dict[tuple[str, str], int] = defaultdict(int)

    def add(self, path: str, resident_type: str, sign: int) -> None:
        self.net[(path, resident_type)] += sign

    def apply(self) -> None:
        by_path: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for (path, resident_type), net in self.net.items():
            if net:
                # A delta is linear: n persons change the counts n times as much as one.
                for p, changes in person_deltas(path, resident_type, net).items():
                    for key, n in changes.items():
                        by_path[p][key] += n
        adjust_counts({p: dict(c) for p, c in by_path.items()})


class KindHandler(ABC):
    route_levels: tuple[tuple[str, str], ...] = ROUTE_LEVELS
    # Whether duplicates inside the file are found from memory, so a resumed job re-reads committed rows.
    remembers_rows = True
    person_fields = ("name", "document_type", "document_number", "phone", "address")

    def __init__(self, job: ImportJob, headers: list[str], formula_blanks: set[tuple[int, int]] | None = None):
        self.job = job
        self.actor = job.created_by
        self.target: Place = job.target_place
        self.mapping = {int(col): name for col, name in job.mapping.items()}
        self.headers = headers
        self.formula_blanks = formula_blanks or set()
        self.extra_names = self._extra_names()
        # parse()'s common path: columns as tuples, rows padded to a fixed width.
        self._mapped_cols = tuple(self.mapping)
        self._mapped_names = tuple(self.mapping.values())
        self._extra_items = tuple(self.extra_names.items())
        self._header_width = len(headers)
        self._full_width = max([len(headers), *(col + 1 for col in self.mapping)])
        self._blank_rows = {row for row, _col in self.formula_blanks}
        self.required = frozenset(KINDS[job.kind].required)
        self.place_cache: dict[tuple[str, str, str], Place | Unresolved] = {}
        self.ancestor_cache: dict[str, list[Place]] = {}
        self.place_index: dict[tuple[str, str], list[Place]] | None = None
        # hash of (document type, number) → first row number, for duplicates inside the file.
        self.seen: dict[int, int] = {}

    def _extra_names(self) -> dict[int, str]:
        names: dict[int, str] = {}
        used: set[str] = set()
        for col, header in enumerate(self.headers):
            if col in self.mapping:
                continue
            name = normalize.clean_name(header) or f"column {col + 1}"
            if name in used:
                name = f"{name} ({col + 1})"
            used.add(name)
            names[col] = name
        return names

    def reset(self) -> None:
        """Forget places cached during a chunk that was rolled back."""
        self.place_cache.clear()
        self.ancestor_cache.clear()
        self.place_index = None

    # --- rows --------------------------------------------------------------------

    def prepare(self, row: Row) -> Row:
        """Check what can be checked from the row alone, ahead of process() and without the database.

        Runs in the import's read-ahead thread (services._run): it may read the handler's
        settings but must change nothing but the row.
        """
        return row

    def prepared(self, row: Row) -> Any:
        """What prepare() found for the row, worked out now if the read-ahead thread did not."""
        return row.prepared if row.prepared is not None else self.prepare(row).prepared

    def parse(self, index: int, cells: list[str]) -> Row:
        width = len(cells)
        if width > self._header_width or index in self._blank_rows:
            return self._parse_odd(index, cells)
        # The common row: no cells beyond the header, no formula without a value.
        if width < self._full_width:
            cells = cells + [""] * (self._full_width - width)
        values = dict(zip(self._mapped_names, [cells[col] for col in self._mapped_cols], strict=True))
        extra = {name: cells[col][:500] for col, name in self._extra_items if cells[col]}
        return Row(index, values, extra, RowOutcome(index + 1))

    def _parse_odd(self, index: int, cells: list[str]) -> Row:
        outcome = RowOutcome(row_number=index + 1)
        values: dict[str, str] = {}
        extra: dict[str, str] = {}
        width = len(cells)
        for col, name in self.mapping.items():
            values[name] = cells[col] if col < width else ""
            if self.formula_blanks and (index, col) in self.formula_blanks:
                message = _("The cell holds a formula without a computed value; open the file in Excel and save it.")
                if name in self.required:
                    outcome.reject(name, message)
                else:
                    outcome.warn(name, message)
        for col, name in self.extra_names.items():
            if col < width and cells[col]:
                extra[name] = cells[col][:500]
        if width > len(self.headers) and any(cells[len(self.headers) :]):
            outcome.warn("", _("The row has values beyond the last header column; they were kept as other data."))
            for col in range(len(self.headers), len(cells)):
                if cells[col]:
                    extra[f"column {col + 1}"] = cells[col][:500]
        return Row(index=index, values=values, extra=extra, outcome=outcome)

    def clean_person(self, row: Row) -> dict[str, Any] | None:
        """Normalised person fields, or None with the reasons recorded on the row."""
        v = row.values
        out = row.outcome
        data = PersonInput(
            name=normalize.clean_name(v.get("name", "")),
            document_type="resident_id",
            document_number=v.get("document_number", ""),
            place=self.target,
            phone=v.get("phone", ""),
            address=(v.get("address") or "").strip(),
        )
        try:
            data.document_type = normalize.parse_document_type(v.get("document_type", ""))
        except ValidationError as exc:
            out.reject("document_type", exc.messages[0])
        for fieldname, parser in self.extra_parsers().items():
            raw = v.get(fieldname, "")
            try:
                setattr(data, fieldname, parser(raw))
            except ValidationError as exc:
                out.reject(fieldname, exc.messages[0])
        if v.get("tags"):
            data.tags = normalize.split_tags(v["tags"])
        try:
            cleaned = clean_person_input(data)
        except ValidationError as exc:
            for fieldname, messages in exc.message_dict.items():
                for message in messages:
                    out.reject(fieldname, message)
            return None
        if out.rejected:
            return None
        return cleaned

    def extra_parsers(self) -> dict[str, Callable[[str], Any]]:
        return {}

    def check_duplicate(self, row: Row, cleaned: dict[str, Any]) -> bool:
        key = hash((cleaned["document_type"], cleaned["document_number"]))
        earlier = self.seen.get(key)
        if earlier is not None and earlier != row.outcome.row_number:
            _reject_duplicate(row, earlier)
            return False
        self.seen[key] = row.outcome.row_number
        return True

    def remember(self, index: int, cells: list[str]) -> None:
        """On resume, re-learn the documents of rows committed before the checkpoint."""
        row = self.parse(index, cells)
        if row.outcome.rejected:
            return
        cleaned = self.clean_person(row)
        if cleaned is not None:
            self.seen.setdefault(hash((cleaned["document_type"], cleaned["document_number"])), index + 1)

    # --- places ------------------------------------------------------------------

    def _lookup(self, under: Place, type_: str, name: str) -> Place | Unresolved:
        """The place of that type and name below `under`, or why it cannot be used."""
        key = (under.path, type_, name)
        if key in self.place_cache:
            return self.place_cache[key]
        result: Place | Unresolved
        if (under.type == type_ and under.name == name) or any(
            p.type == type_ and p.name == name for p in self._ancestors(under)
        ):
            result = under
        else:
            found = self._places_named(under, type_, name)
            if len(found) == 1:
                result = found[0]
            elif len(found) > 1:
                result = Unresolved(
                    "ambiguous",
                    _("%(name)s names more than one place here; give the community and grid too.") % {"name": name},
                )
            else:
                elsewhere = Place.objects.filter(type=type_, name=name).values_list("path", flat=True).first()
                if elsewhere is not None and not path_in_jurisdiction(self.actor, elsewhere):
                    result = Unresolved("jurisdiction", _("%(name)s is outside your jurisdiction.") % {"name": name})
                elif elsewhere is not None:
                    result = Unresolved(
                        "target", _("%(name)s is outside the place this file is imported into.") % {"name": name}
                    )
                else:
                    result = Unresolved(
                        "missing",
                        _("No %(type)s named %(name)s was found.") % {"type": PlaceType(type_).label, "name": name},
                    )
        self.place_cache[key] = result
        return result

    def _places_named(self, under: Place, type_: str, name: str) -> list[Place]:
        """The first two places (by path) of that type and name below `under`."""
        if type_ not in INDEXED_TYPES or not under.path.startswith(self.target.path):
            return list(Place.objects.filter(path__startswith=under.path, type=type_, name=name).order_by("path")[:2])
        if self.place_index is None:
            # Communities and grids of the target, read once: a file names a few hundred of them over and over.
            self.place_index = defaultdict(list)
            for place in Place.objects.filter(path__startswith=self.target.path, type__in=INDEXED_TYPES).order_by(
                "path"
            ):
                self.place_index[(place.type, place.name)].append(place)
        return [p for p in self.place_index.get((type_, name), ()) if p.path.startswith(under.path)][:2]

    def _ancestors(self, place: Place) -> list[Place]:
        cached = self.ancestor_cache.get(place.path)
        if cached is None:
            step = Place.steplen
            paths = [place.path[:end] for end in range(step, len(place.path), step)]
            self.ancestor_cache[place.path] = cached = list(Place.objects.filter(path__in=paths))
        return cached

    def route(self, row: Row) -> tuple[Place | Unresolved, bool]:
        """(the place the row belongs to or why none, whether the row named any place)."""
        place = self.target
        named = False
        for fieldname, type_ in self.route_levels:
            name = _place_name(row.values.get(fieldname, ""))
            if not name:
                continue
            named = True
            found = self._lookup(place, type_, name)
            if isinstance(found, Unresolved):
                return found, named
            place = found
        return place, named

    @abstractmethod
    def process(self, rows: list[Row]) -> None: ...

    def _existing(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Person]:
        found: dict[tuple[str, str], Person] = {}
        merged: list[Person] = []
        for person in Person.objects.filter(_by_document(keys)):
            found[(person.document_type, person.document_number)] = person
            if person.merged_into_id:
                merged.append(person)
        if merged:
            survivors = Person.objects.in_bulk([p.merged_into_id for p in merged])
            for person in merged:
                survivor = survivors.get(person.merged_into_id)
                if survivor is not None:
                    found[(person.document_type, person.document_number)] = survivor
        return found

    def _fill_blanks(self, person: Person, cleaned: dict[str, Any], row: Row) -> bool:
        changed = False
        for fieldname in PERSON_FILL_FIELDS:
            new = cleaned.get(fieldname)
            old = getattr(person, fieldname)
            if new in (None, ""):
                continue
            if old in (None, ""):
                setattr(person, fieldname, new)
                changed = True
            elif old != new and fieldname == "phone":
                row.outcome.warn("phone", _("The phone differs from the one on record; the recorded phone was kept."))
        return changed


# Rows name the same few communities and grids over and over.
_place_name = functools.lru_cache(maxsize=4096)(normalize.clean_name)


def _reject_duplicate(row: Row, earlier_row: int) -> None:
    row.outcome.reject(
        "document_number",
        _("The same person is already in row %(row)d of this file; this row was not imported.") % {"row": earlier_row},
    )


def _by_document(keys: set[tuple[str, str]]) -> Q:
    """Persons with any of these (type, number) keys, one IN list per type so the unique index is used."""
    numbers: dict[str, set[str]] = defaultdict(set)
    for document_type, number in keys:
        numbers[document_type].add(number)
    condition = Q(pk__in=[])
    for document_type, group in numbers.items():
        condition |= Q(document_type=document_type, document_number__any_of=group)
    return condition


class PopulationHandler(KindHandler):
    route_levels = POPULATION_ROUTE_LEVELS

    def extra_parsers(self) -> dict[str, Callable[[str], Any]]:
        parsers: dict[str, Callable[[str], Any]] = {
            "sex": normalize.parse_sex,
            "birth_date": lambda raw: normalize.parse_date(raw, when=When.PAST),
            "resident_type": normalize.parse_resident_type,
            "registered_residence": lambda raw: (raw or "").strip(),
        }
        return {k: p for k, p in parsers.items() if k in self.job.mapping.values()}

    def prepare(self, row: Row) -> Row:
        if not row.outcome.rejected:
            row.prepared = self.clean_person(row)
        return row

    def _household(self, parent: Place, room: str) -> Place | str:
        if parent.type == PlaceType.HOUSEHOLD and parent.name == room:
            return parent
        if parent.type not in HOUSEHOLD_PARENTS:
            return _("A room number needs a grid, compound or building to sit in.")
        key = (parent.path, PlaceType.HOUSEHOLD, room)
        cached = self.place_cache.get(key)
        if isinstance(cached, Place):
            return cached
        try:
            validate_clean_text(room)
        except ValidationError as exc:
            return exc.messages[0]
        if len(room) > 100:
            return _("At most %(n)d characters.") % {"n": 100}
        place = Place.objects.filter(
            path__startswith=parent.path, depth=parent.depth + 1, type=PlaceType.HOUSEHOLD, name=room
        ).first()
        if place is None:
            place = create_place(actor=self.actor, parent=parent, type=PlaceType.HOUSEHOLD, name=room)
        self.place_cache[key] = place
        return place

    def process(self, rows: list[Row]) -> None:
        ready: list[tuple[Row, dict[str, Any], Place, bool]] = []
        for row in rows:
            if row.outcome.rejected:
                continue
            cleaned = self.prepared(row)
            if cleaned is None:
                continue
            place, named = self.route(row)
            if isinstance(place, Unresolved):
                row.outcome.reject("community", place.message)
                continue
            room = normalize.clean_name(row.values.get("room", ""))
            if room:
                household = self._household(place, room)
                if isinstance(household, str):
                    row.outcome.reject("room", household)
                    continue
                place, named = household, True
            if not self.check_duplicate(row, cleaned):
                continue
            ready.append((row, cleaned, place, named))

        existing = self._existing({(c["document_type"], c["document_number"]) for _r, c, _p, _n in ready})
        deltas = Deltas()
        new: list[tuple[Person, list[str]]] = []
        changed: dict[int, Person] = {}
        tag_links: list[tuple[Person, list[str]]] = []
        for row, cleaned, place, named in ready:
            tags = cleaned.pop("tags")
            person = existing.get((cleaned["document_type"], cleaned["document_number"]))
            if person is None:
                cleaned["place"] = place
                person = Person(**cleaned, place_path=place.path, extra=row.extra)
                new.append((person, tags))
                existing[(person.document_type, person.document_number)] = person
                deltas.add(place.path, person.resident_type, +1)
                continue
            if not path_in_jurisdiction(self.actor, person.place_path):
                row.outcome.warn("", duplicate_elsewhere_message())
                continue
            dirty = self._fill_blanks(person, cleaned, row)
            for key, value in row.extra.items():
                if key not in person.extra:
                    person.extra = {**person.extra, key: value}
                    dirty = True
            resident_type = cleaned["resident_type"]
            explicit_type = bool(row.values.get("resident_type"))
            moved = named and place.pk != person.place_id
            if moved or (explicit_type and resident_type != person.resident_type):
                deltas.add(person.place_path, person.resident_type, -1)
                if moved:
                    person.place = place
                    person.place_path = place.path
                if explicit_type:
                    person.resident_type = resident_type
                deltas.add(person.place_path, person.resident_type, +1)
                dirty = True
            if tags:
                tag_links.append((person, tags))
            if dirty and person.pk is not None:
                person.version += 1
                changed[person.pk] = person
        if new:
            Person.objects.bulk_create([p for p, _t in new])
            tag_links.extend((p, t) for p, t in new if t)
        if changed:
            now = timezone.now()
            for person in changed.values():
                person.updated_at = now
            Person.objects.bulk_update(
                list(changed.values()),
                ["phone", "address", "registered_residence", "birth_date", "sex", "extra", "place", "place_path",
                 "resident_type", "version", "updated_at"],
            )  # fmt: skip
        if tag_links:
            _link_tags(tag_links)
        deltas.apply()


def _link_tags(links: list[tuple[Person, list[str]]]) -> None:
    names = {name for _p, tags in links for name in tags}
    Tag.objects.bulk_create([Tag(name=n) for n in names], ignore_conflicts=True)
    ids = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    through = Person.tags.through
    through.objects.bulk_create(
        [through(person_id=p.pk, tag_id=ids[n]) for p, tags in links for n in dict.fromkeys(tags)],
        ignore_conflicts=True,
    )


class PushListHandler(KindHandler):
    # Earlier rows of the same file are found in the push list's own entries, not kept in memory:
    # a million-row list stays small, and a resumed job need not re-read what it committed.
    remembers_rows = False

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._push_list: PushList | None = None
        self.route_cache: dict[tuple[str, str], tuple[Place | Unresolved, bool]] = {}
        self._address_index: AddressIndex | None = None
        self._categories: CategoryChoices | bool | None = False  # False: not looked up yet
        self.today = dt.date.today()

    def push_list(self) -> PushList:
        if self._push_list is None:
            try:
                issued_on = normalize.parse_date(str(self.job.options.get("issued_on") or ""))
            except ValidationError:
                issued_on = None
            self._push_list, _created = PushList.objects.get_or_create(
                job=self.job,
                defaults={
                    "issuer": str(self.job.options.get("issuer") or "")[:100],
                    "issued_on": issued_on,
                    "scope_path": self.job.scope_path,
                },
            )
        return self._push_list

    def reset(self) -> None:
        super().reset()
        self._push_list = None
        self.route_cache.clear()

    # --- the per-row path ---------------------------------------------------------
    # A push list is mostly well-formed rows: 18-character IDs, 11-digit phones, ISO or
    # 2020/1/5 dates, text without stray characters. Those are recognised by cheap string
    # tests that accept only what the full validators would accept unchanged; anything
    # else (full-width digits, 15-digit IDs, +86 phones, Excel serials, errors) goes
    # through the full validators, which give the normalised value or the reasons.

    def _person(self, row: Row) -> Cleaned | None:
        """(name, document type, number, sex, birth date, phone, address), or None with the reasons recorded."""
        v = row.values
        name = v.get("name", "")
        number = v.get("document_number", "")
        phone = v.get("phone", "")
        address = v.get("address", "")
        if (
            not v.get("document_type")
            and _plain_text(name, NAME_MAX)
            and (not address or _plain_text(address, ADDRESS_MAX))
            and (not phone or _plain_mobile(phone))
        ):
            facts = _plain_resident_id(number, self.today)
            if facts is not None:
                return (name, RESIDENT_ID, number, facts[1], facts[0], phone, address)
        cleaned = self.clean_person(row)
        if cleaned is None:
            return None
        return (
            cleaned["name"], cleaned["document_type"], cleaned["document_number"], cleaned["sex"],
            cleaned["birth_date"], cleaned["phone"], cleaned["address"],
        )  # fmt: skip

    def prepare(self, row: Row) -> Row:
        if row.outcome.status != RowStatus.REJECTED:
            row.prepared = (self._person(row), self._arrived_on(row))
        return row

    def _arrived_on(self, row: Row) -> dt.date | None:
        raw = row.values.get("arrived_on", "")
        if not raw:
            return None
        date = _plain_date(raw)
        if date is not None and normalize.EARLIEST_DATE <= date <= self.today:
            return date
        try:
            return normalize.parse_date(raw, when=When.PAST)
        except ValidationError as exc:
            row.outcome.reject("arrived_on", exc.messages[0])
            return None

    def _routed(self, row: Row) -> tuple[Place | Unresolved, bool]:
        """route(), remembered per (community, grid) text: rows name the same few places over and over."""
        key = (row.values.get("community", ""), row.values.get("grid", ""))
        found = self.route_cache.get(key)
        if found is None:
            self.route_cache[key] = found = self.route(row)
        return found

    def _located(self, rows: list[Row]) -> list[tuple[Row, Place | Unresolved, bool, Match | None]]:
        """The chunk's usable rows with the place their community/grid columns name and where their address leads.

        The address is matched (one batch per chunk) inside the named place, else inside the import's place.
        """
        located: list[tuple[Row, Place | Unresolved, bool]] = []
        for row in rows:
            if row.outcome.status == RowStatus.REJECTED:
                continue
            person, _arrived = self.prepared(row)
            if person is None or row.outcome.status == RowStatus.REJECTED:
                continue
            place, named = self._routed(row)
            located.append((row, place, named))
        wanted = [(at, item) for at, item in enumerate(located) if self.prepared(item[0])[0][6]]
        matches: dict[int, Match] = {}
        if wanted:
            index = self.address_index()
            target = self.target
            found = index.route_many(
                [self.prepared(row)[0][6] for _at, (row, _p, _n) in wanted],
                unders=[
                    p if isinstance(p, Place) and p.pk != index.district.pk else (None if target.depth == 1 else target)
                    for _at, (_row, p, _n) in wanted
                ],
            )
            matches = {at: m for (at, _item), m in zip(wanted, found, strict=True)}
        return [(row, place, named, matches.get(at)) for at, (row, place, named) in enumerate(located)]

    def categories(self) -> CategoryChoices | None:
        if self._categories is False:
            self._categories = push_categories(self.target)
        return self._categories  # type: ignore[return-value]

    def _row_category(self, row: Row) -> str | None:
        """The code the row's category column names ("" when blank); None, with the row rejected, when unknown."""
        raw = row.values.get("category", "")
        if not raw:
            return ""
        choices = self.categories()
        if choices is None:
            return ""
        code = choices.resolve(raw)
        if code is None:
            row.outcome.reject(
                "category",
                _("“%(value)s” is not a category of the protocol; use one of: %(names)s.")
                % {"value": raw[:40], "names": choices.names},
            )
        return code

    def address_index(self) -> AddressIndex:
        if self._address_index is None:
            district = (
                self.target if self.target.depth == 1 else Place.objects.get(path=self.target.path[: Place.steplen])
            )
            self._address_index = index_for(district)
        return self._address_index

    def process(self, rows: list[Row]) -> None:
        # (row, person, place, arrived on, kept outside the district)
        ready: list[tuple[Row, Cleaned, Place, dt.date | None, bool]] = []
        row_categories: dict[int, str] = {}  # row number → category code its column named
        in_chunk: dict[tuple[str, str], int] = {}
        self.today = dt.date.today()
        target = self.target
        for row, place, named, by_address in self._located(rows):
            outcome = row.outcome
            person, arrived_on = self.prepared(row)
            outside = False
            if by_address is not None and by_address.outside and not named:
                # Pushed persons who live outside the district are kept for follow-up, not dropped.
                outcome.warn("address", _("The address lies outside this district; kept at the import place."))
                outside = True
            elif by_address is not None and by_address.place_id is not None and isinstance(place, Place):
                place = Place(id=by_address.place_id, path=by_address.path, type=by_address.type)
            if isinstance(place, Unresolved):
                if place.code != "missing":
                    outcome.reject("community", place.message)
                    continue
                # Pushed persons who live outside the district are kept for follow-up, not dropped.
                outcome.warn(
                    "community",
                    _("%(reason)s Not in this district; kept at the import place.") % {"reason": place.message},
                )
                place = target
                outside = True
            key = (person[1], person[2])
            earlier_row = in_chunk.get(key)
            if earlier_row is not None:
                _reject_duplicate(row, earlier_row)
                continue
            category = self._row_category(row)
            if category is None:
                continue
            if category:
                row_categories[outcome.row_number] = category
            in_chunk[key] = outcome.row_number
            ready.append((row, person, place, arrived_on, outside))
        if not ready:
            return

        # Matching works on plain rows, not model instances: a push list is mostly read, rarely written.
        existing = self._existing_rows(set(in_chunk))
        push_list = self.push_list()
        earlier = _earlier_entries(push_list.pk, [m[M_ID] for m in existing.values()])
        if earlier:
            kept = []
            for item in ready:
                match = existing.get((item[1][1], item[1][2]))
                if match is not None and match[M_ID] in earlier:
                    _reject_duplicate(item[0], earlier[match[M_ID]])
                else:
                    kept.append(item)
            ready = kept
        deltas = Deltas()
        now = timezone.now()
        new_rows: list[tuple[Any, ...]] = []
        new_at: list[int] = []  # positions in `ready` of the rows that create a person
        person_ids: list[int | None] = []
        filled: dict[int, list[Any]] = {}
        actor = self.actor
        floating = ResidentType.FLOATING
        for at, (row, person, place, _arrived, _outside) in enumerate(ready):
            name, document_type, number, sex, birth_date, phone, address = person
            key = (document_type, number)
            match = existing.get(key)
            if match is None:
                # The import place is only a fallback, so the person stays "floating" until a worker places them.
                new_rows.append(
                    (name, document_type, number, sex, birth_date, phone, place.pk, place.path, address, "",
                     floating, {}, 1, now, now)
                )  # fmt: skip
                new_at.append(at)
                person_ids.append(None)  # the id comes with the insert below
                deltas.add(place.path, floating, +1)
                continue
            person_ids.append(match[M_ID])
            if path_in_jurisdiction(actor, match[M_PATH]):
                self._fill_blanks_of(match, person, row, filled)
        ids = insert_rows(Person, NEW_PERSON_COLUMNS, new_rows, returning_ids=True)
        for at, pk in zip(new_at, ids, strict=True):
            person_ids[at] = pk
        if filled:
            self._save_fills(list(filled.values()), now)
        push_list_id = push_list.pk
        clean_name = normalize.clean_name
        insert_rows(
            PushListEntry,
            ("push_list_id", "row_number", "person_id", "place_path", "came_from", "arrived_on", "extra",
             "outside_district", "category"),
            [
                (push_list_id, row.outcome.row_number, person_ids[at], place.path,
                 came if _plain_text(came := row.values.get("came_from", ""), 200) else clean_name(came)[:200],
                 arrived, row.extra, outside, row_categories.get(row.outcome.row_number, ""))
                for at, (row, _person, place, arrived, outside) in enumerate(ready)
            ],
        )  # fmt: skip
        deltas.apply()

    def _existing_rows(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], list[Any]]:
        """Matched persons as [id, place path, version, *FILL_FIELDS]; merged records resolve to the survivor."""
        fields = ("id", "place_path", "version", *FILL_FIELDS, "document_type", "document_number", "merged_into_id")
        found: dict[tuple[str, str], list[Any]] = {}
        merged: dict[tuple[str, str], int] = {}
        for values in _persons_by_document(keys, fields):
            key = (values[-3], values[-2])
            if values[-1]:
                merged[key] = values[-1]
            else:
                found[key] = list(values[:-3])
        if merged:
            survivors = {
                v[M_ID]: v for v in Person.objects.filter(pk__in=set(merged.values())).values_list(*fields[:-3])
            }
            for key, survivor_id in merged.items():
                if survivor_id in survivors:
                    found[key] = list(survivors[survivor_id])
        return found

    def _fill_blanks_of(self, match: list[Any], person: Cleaned, row: Row, filled: dict[int, list[Any]]) -> None:
        """Fill the matched person's blank phone, address, birth date and sex from the row; warn on another phone."""
        for at, new in ((M_PHONE, person[5]), (M_ADDRESS, person[6]), (M_BIRTH, person[4]), (M_SEX, person[3])):
            if new is None or new == "":
                continue
            old = match[at]
            if old is None or old == "":
                match[at] = new
                filled[match[M_ID]] = match
            elif at == M_PHONE and old != new:
                row.outcome.warn("phone", _("The phone differs from the one on record; the recorded phone was kept."))

    def _save_fills(self, matches: list[list[Any]], now: dt.datetime) -> None:
        columns = (*FILL_FIELDS, "version", "updated_at")
        update_rows(
            Person,
            columns,
            [(m[M_ID], *m[M_PHONE : M_SEX + 1], m[M_VERSION] + 1, now) for m in matches],
        )


def _persons_by_document(keys: set[tuple[str, str]], fields: tuple[str, ...]) -> Iterable[tuple[Any, ...]]:
    """values_list(*fields) of the persons holding any of these (type, number) keys."""
    if connection.vendor != "postgresql":
        return Person.objects.filter(_by_document(keys)).values_list(*fields)
    # The numbers go as one string split on the server: psycopg dumps a 10,000-item list one item at a time.
    # Normalised numbers are letters and digits only, so a comma never occurs in one.
    numbers: dict[str, list[str]] = defaultdict(list)
    for document_type, number in keys:
        numbers[document_type].append(number)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in fields)
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for document_type, group in numbers.items():
            cursor.execute(
                f"SELECT {columns} FROM {quote(Person._meta.db_table)} "  # noqa: S608 - field names only
                "WHERE document_type = %s AND document_number = ANY(string_to_array(%s, ','))",
                [document_type, ",".join(group)],
            )
            rows.extend(cursor.fetchall())
    return rows


def _earlier_entries(push_list_id: int, person_ids: list[int]) -> dict[int, int]:
    """person id → row number of this push list's entries for these persons."""
    if connection.vendor != "postgresql":
        return dict(
            PushListEntry.objects.filter(push_list_id=push_list_id, person_id__any_of=person_ids).values_list(
                "person_id", "row_number"
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT person_id, row_number FROM {connection.ops.quote_name(PushListEntry._meta.db_table)} "  # noqa: S608
            "WHERE push_list_id = %s AND person_id = ANY(string_to_array(%s, ',')::bigint[])",
            [push_list_id, ",".join(map(str, person_ids))],
        )
        return dict(cursor.fetchall())


# A person as the push list's per-row path carries it, and a matched person's fields by position.
Cleaned = tuple[str, str, str, str, "dt.date | None", str, str]
M_ID, M_PATH, M_VERSION, M_PHONE, M_ADDRESS, M_BIRTH, M_SEX = range(7)
RESIDENT_ID = DocumentType.RESIDENT_ID.value
NAME_MAX = MAX_LENGTHS["name"]
ADDRESS_MAX = MAX_LENGTHS["address"]
_MOBILE_SECOND = frozenset("3456789")


def _plain_text(value: str, limit: int) -> bool:
    """Text that clean_name and the person validators leave as it is: printable (no control characters,
    no space but U+0020), already NFKC, no doubled, leading or trailing spaces, no replacement character,
    within `limit`."""
    return (
        0 < len(value) <= limit
        and value.isprintable()
        and "  " not in value
        and value[0] != " "
        and value[-1] != " "
        and "\ufffd" not in value
        and unicodedata.is_normalized("NFKC", value)
    )


def _plain_mobile(value: str) -> bool:
    """An 11-digit mainland mobile number as parse_phone returns it."""
    return len(value) == 11 and value.isascii() and value.isdigit() and value[0] == "1" and value[1] in _MOBILE_SECOND


def _plain_resident_id(number: str, today: dt.date) -> tuple[dt.date, str] | None:
    """(birth date, sex) of an 18-character ID that parse_resident_id accepts unchanged; None for any other."""
    if not (len(number) == 18 and number.isascii() and number[:17].isdigit()):
        return None
    last = number[17]
    if not (last.isdigit() or last == "X") or number[:2] not in PROVINCE_CODES:
        return None
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    if birth < EARLIEST_BIRTH or birth > today or id_check_char(number[:17]) != last:
        return None
    return birth, ("M" if int(number[16]) % 2 else "F")


def _plain_date(value: str) -> dt.date | None:
    """2020-01-05 (a date cell as the readers write it) or 2020/1/5; None for any other form."""
    try:
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            return dt.date.fromisoformat(value)
        parts = value.split("/")
        if len(parts) == 3 and len(parts[0]) == 4 and value.isascii():
            year, month, day = parts
            if year.isdigit() and month.isdigit() and day.isdigit() and len(month) <= 2 and len(day) <= 2:
                return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return None


FILL_FIELDS = ("phone", "address", "birth_date", "sex")
NEW_PERSON_COLUMNS = (
    "name", "document_type", "document_number", "sex", "birth_date", "phone", "place_id", "place_path", "address",
    "registered_residence", "resident_type", "extra", "version", "created_at", "updated_at",
)  # fmt: skip


@dataclass(frozen=True)
class KindSpec:
    name: str
    label: Promise | str
    fields: list[FieldSpec]
    handler: type[KindHandler]

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]


KINDS: dict[str, KindSpec] = {
    "population": KindSpec("population", gettext_lazy("Population roster"), POPULATION_FIELDS, PopulationHandler),
    "pushlist": KindSpec("pushlist", gettext_lazy("Big-data push list"), PUSHLIST_FIELDS, PushListHandler),
}
