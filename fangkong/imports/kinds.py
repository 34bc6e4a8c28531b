"""What each kind of file imports into: its fields, their header synonyms, and how a chunk of rows is written.

A handler turns a chunk of rows into outcomes and writes the accepted ones in
bulk; the caller (services.run_import) owns the chunk's transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from fangkong.core.bulk import insert_rows, update_rows
from fangkong.core.scoping import path_in_jurisdiction
from fangkong.core.validators import validate_clean_text
from fangkong.imports import normalize
from fangkong.imports.models import ImportJob, PushList, PushListEntry, RowStatus
from fangkong.people.models import Person, ResidentType, Tag
from fangkong.people.services import PersonInput, clean_person_input
from fangkong.places.counts import adjust_counts, person_deltas
from fangkong.places.models import Place, PlaceType
from fangkong.places.services import create_place


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: Promise | str
    synonyms: tuple[str, ...] = ()
    required: bool = False


@dataclass
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


@dataclass
class Row:
    index: int  # 0-based sheet row
    values: dict[str, str]
    extra: dict[str, str]
    outcome: RowOutcome


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
]

ROUTE_LEVELS = (("community", PlaceType.COMMUNITY), ("grid", PlaceType.GRID))
POPULATION_ROUTE_LEVELS = (*ROUTE_LEVELS, ("compound", PlaceType.COMPOUND), ("building", PlaceType.BUILDING))
HOUSEHOLD_PARENTS = (PlaceType.GRID, PlaceType.COMPOUND, PlaceType.BUILDING)
PERSON_FILL_FIELDS = ("phone", "address", "registered_residence", "birth_date", "sex")


class Deltas:
    """Person count changes of one chunk, applied in one adjust_counts call."""

    def __init__(self) -> None:
        self.by_path: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, path: str, resident_type: str, sign: int) -> None:
        for p, changes in person_deltas(path, resident_type, sign).items():
            for key, n in changes.items():
                self.by_path[p][key] += n

    def apply(self) -> None:
        adjust_counts({p: dict(c) for p, c in self.by_path.items()})


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
        self.required = frozenset(KINDS[job.kind].required)
        self.place_cache: dict[tuple[str, str, str], Place | Unresolved] = {}
        self.ancestor_cache: dict[str, list[Place]] = {}
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

    # --- rows --------------------------------------------------------------------

    def parse(self, index: int, cells: list[str]) -> Row:
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
            found = list(Place.objects.filter(path__startswith=under.path, type=type_, name=name).order_by("path")[:2])
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
            "birth_date": normalize.parse_date,
            "resident_type": normalize.parse_resident_type,
            "registered_residence": lambda raw: (raw or "").strip(),
        }
        return {k: p for k, p in parsers.items() if k in self.job.mapping.values()}

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
            cleaned = self.clean_person(row)
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
                row.outcome.warn(
                    "", _("This person is registered in another jurisdiction; the record was not changed.")
                )
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

    def process(self, rows: list[Row]) -> None:
        ready: list[tuple[Row, dict[str, Any], Place, dt.date | None]] = []
        outside: set[int] = set()  # row numbers kept at the import place because the district lacks their place
        in_chunk: dict[tuple[str, str], int] = {}
        today = dt.date.today()
        for row in rows:
            if row.outcome.rejected:
                continue
            cleaned = self.clean_person(row)
            arrived_on = None
            try:
                arrived_on = normalize.parse_date(row.values.get("arrived_on", ""), latest=today)
            except ValidationError as exc:
                row.outcome.reject("arrived_on", exc.messages[0])
            if cleaned is None or row.outcome.rejected:
                continue
            place, _named = self.route(row)
            if isinstance(place, Unresolved):
                if place.code != "missing":
                    row.outcome.reject("community", place.message)
                    continue
                # Pushed persons who live outside the district are kept for follow-up, not dropped.
                row.outcome.warn(
                    "community",
                    _("%(reason)s Not in this district; kept at the import place.") % {"reason": place.message},
                )
                place = self.target
                outside.add(row.outcome.row_number)
            key = (cleaned["document_type"], cleaned["document_number"])
            if key in in_chunk:
                _reject_duplicate(row, in_chunk[key])
                continue
            in_chunk[key] = row.outcome.row_number
            ready.append((row, cleaned, place, arrived_on))
        if not ready:
            return

        # Matching works on plain rows, not model instances: a push list is mostly read, rarely written.
        existing = self._existing_rows(set(in_chunk))
        push_list = self.push_list()
        earlier = dict(
            PushListEntry.objects.filter(
                push_list=push_list, person_id__any_of=[m["id"] for m in existing.values()]
            ).values_list("person_id", "row_number")
        )
        if earlier:
            kept = []
            for item in ready:
                match = existing.get((item[1]["document_type"], item[1]["document_number"]))
                if match is not None and match["id"] in earlier:
                    _reject_duplicate(item[0], earlier[match["id"]])
                else:
                    kept.append(item)
            ready = kept
        deltas = Deltas()
        now = timezone.now()
        new_rows: list[tuple[Any, ...]] = []
        new_keys: list[tuple[str, str]] = []
        filled: dict[int, dict[str, Any]] = {}
        for row, cleaned, place, _arrived in ready:
            key = (cleaned["document_type"], cleaned["document_number"])
            match = existing.get(key)
            if match is None:
                # The import place is only a fallback, so the person stays "floating" until a worker places them.
                new_rows.append(
                    (cleaned["name"], key[0], key[1], cleaned["sex"], cleaned["birth_date"], cleaned["phone"],
                     place.pk, place.path, cleaned["address"], cleaned.get("registered_residence", ""),
                     ResidentType.FLOATING, {}, 1, now, now)
                )  # fmt: skip
                new_keys.append(key)
                existing[key] = {"id": None, "place_path": place.path}  # the id comes with the insert below
                deltas.add(place.path, ResidentType.FLOATING, +1)
            elif path_in_jurisdiction(self.actor, match["place_path"]):
                changes = self._blank_fills(match, cleaned, row)
                if changes:
                    match.update(changes)
                    filled[match["id"]] = match
        ids = insert_rows(Person, NEW_PERSON_COLUMNS, new_rows, returning_ids=True)
        for key, pk in zip(new_keys, ids, strict=True):
            existing[key]["id"] = pk
        if filled:
            self._save_fills(list(filled.values()), now)
        insert_rows(
            PushListEntry,
            ("push_list_id", "row_number", "person_id", "place_path", "came_from", "arrived_on", "extra",
             "outside_district"),
            [
                (push_list.pk, row.outcome.row_number,
                 existing[(cleaned["document_type"], cleaned["document_number"])]["id"], place.path,
                 normalize.clean_name(row.values.get("came_from", ""))[:200], arrived, row.extra,
                 row.outcome.row_number in outside)
                for row, cleaned, place, arrived in ready
            ],
        )  # fmt: skip
        deltas.apply()

    def _existing_rows(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """Matched persons as dicts of the fields a push list may fill; merged records resolve to the survivor."""
        fields = ("id", "document_type", "document_number", "merged_into_id", "place_path", "version", *FILL_FIELDS)
        found: dict[tuple[str, str], dict[str, Any]] = {}
        merged: dict[tuple[str, str], int] = {}
        for values in Person.objects.filter(_by_document(keys)).values(*fields):
            key = (values["document_type"], values["document_number"])
            if values["merged_into_id"]:
                merged[key] = values["merged_into_id"]
            else:
                found[key] = values
        if merged:
            survivors = {v["id"]: v for v in Person.objects.filter(pk__in=set(merged.values())).values(*fields)}
            for key, survivor_id in merged.items():
                if survivor_id in survivors:
                    found[key] = survivors[survivor_id]
        return found

    def _blank_fills(self, match: dict[str, Any], cleaned: dict[str, Any], row: Row) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for fieldname in FILL_FIELDS:
            new = cleaned.get(fieldname)
            old = match[fieldname]
            if new in (None, ""):
                continue
            if old in (None, ""):
                changes[fieldname] = new
            elif old != new and fieldname == "phone":
                row.outcome.warn("phone", _("The phone differs from the one on record; the recorded phone was kept."))
        return changes

    def _save_fills(self, matches: list[dict[str, Any]], now: dt.datetime) -> None:
        columns = (*FILL_FIELDS, "version", "updated_at")
        update_rows(
            Person,
            columns,
            [(m["id"], *(m[f] for f in FILL_FIELDS), m["version"] + 1, now) for m in matches],
        )


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
