"""Routing a free-text address to the deepest place of a district's tree it names with confidence.

A pushed address comes as people type it: "河南省平顶山市示范区建设路街道建设社区幸福小区1号楼1单元501",
or "平顶山示范区幸福小区一栋1单元501室", or "北京市朝阳区…". Three steps:

1. Normalise: NFKC (full-width digits and letters), no spaces or punctuation, Chinese numerals before a
   building/unit/room marker become digits, 栋/幢/座/# become 号楼, "1-1-501" becomes 1号楼1单元501.
2. Province, city and district: `cpca` reads them from the start of the address. One that differs from
   the district's own (from its division code, or its name) marks the address outside the district; a
   prefix naming the district itself is dropped. cpca also finds district names inside text (东方小区 reads
   as 海南省东方市), so only a prefix counts, and a county-level name only when written in full.
3. The place tree: every street, community and compound name (and alias, and a street's or community's
   name without its 街道/社区/村 suffix) is looked for in the rest at once (Aho-Corasick). The compound
   (else community, else street) whose own and ancestors' names match the most text wins; one the address
   contradicts (it names another community) loses. When no compound is named exactly, the best fuzzy one
   (rapidfuzz) under what was found is taken if it is clearly better than the next. Inside a compound the
   building and the household are matched on their normalised names.

`index_for(district)` keeps one index per district in memory, rebuilt when the district's places change
(one aggregate query tells), so a 10,000-row list matches in well under a second per thousand rows.
Households are read per building (or compound) when an address reaches it, not all at once.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max

from fangkong.places.models import Place, PlaceType, split_aliases

# --- normalising -------------------------------------------------------------------------

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_MARKERS = "号楼|号院|栋|幢|座|单元|号|楼|室|层|户"
_CN_NUMBER = re.compile(rf"([零〇一二两三四五六七八九十百千]+)(?=({_MARKERS}))")
_DROP = re.compile(r"[\s,，、。.;；:：()（）\[\]【】<>《》\"'“”‘’_/\\]+")
_BUILDING = re.compile(r"(\d+)(?:号楼|#楼|#|栋|幢|座|号?楼(?=\d|$))")
_TRIPLE = re.compile(r"(\d+)[-—–](\d+)[-—–](\d+)")
_UNIT_ROOM = re.compile(r"(号楼)(\d+)[-—–](\d+)")
_ROOM_SUFFIX = re.compile(r"(\d+)(?:室|户)")
_BUILDING_SPEC = re.compile(r"\d+(?:号楼|单元)")
# What is left of a fuzzy query once numbers and their markers are gone: a name needs two characters of it
# ("40号" or "1号" names no place, however well it matches "开源路140号院").
_NOT_NAME = re.compile(rf"\d+|{_MARKERS}|#")


def chinese_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105; also digit by digit (五零一 → 501)."""
    if not any(ch in _CN_UNITS for ch in text):
        digits = [_CN_DIGITS.get(ch) for ch in text]
        if any(d is None for d in digits):
            return None
        return int("".join(str(d) for d in digits))
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
        else:
            return None
    return total + current


def normalise(text: str) -> str:
    """The address (or a place name) in the one spelling the matcher compares."""
    s = unicodedata.normalize("NFKC", text or "")
    s = _DROP.sub("", s)
    s = _CN_NUMBER.sub(
        lambda m: str(chinese_number(m.group(1)) if chinese_number(m.group(1)) is not None else m.group(1)), s
    )
    s = _TRIPLE.sub(r"\1号楼\2单元\3", s)
    s = _BUILDING.sub(r"\1号楼", s)
    s = _UNIT_ROOM.sub(r"\1\2单元\3", s)
    s = _ROOM_SUFFIX.sub(r"\1", s)
    return s.replace("-", "")


# Generic suffixes a street or community is often written without (建设路街道 → 建设路, 李庄村 → 李庄).
_SHORT_SUFFIXES: dict[str, tuple[str, ...]] = {
    PlaceType.STREET: ("街道办事处", "街道办", "街道", "办事处", "乡", "镇"),
    PlaceType.COMMUNITY: ("社区居委会", "社区居民委员会", "居委会", "社区", "村委会", "村民委员会", "村"),
}
# Generic ends of an estate's name: a fuzzy match on them alone (小区 in 畅园小区 and 幸福小区) means nothing.
_COMPOUND_SUFFIXES = (
    "家属院",
    "家属区",
    "小区",
    "花园",
    "家园",
    "公寓",
    "新村",
    "佳苑",
    "号院",
    "苑",
    "院",
    "城",
    "府",
)


def _stem(place_type: str, key: str) -> str:
    suffixes = _COMPOUND_SUFFIXES if place_type == PlaceType.COMPOUND else _SHORT_SUFFIXES.get(place_type, ())
    for suffix in suffixes:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


# Longer spellings of the same suffix an address may use (建设社区居委会 for 建设社区).
_LONG_FORMS = {"街道": ("街道办事处", "街道办"), "社区": ("社区居委会",), "村": ("村委会",)}


def _keys(place_type: str, name: str, aliases: Iterable[str]) -> list[tuple[str, float]]:
    """(normalised key, weight) a place is found by: its name and aliases in full, and shorter forms."""
    keys: dict[str, float] = {}
    for raw in (name, *aliases):
        full = normalise(raw)
        if not full:
            continue
        keys[full] = 1.0
        for suffix in _SHORT_SUFFIXES.get(place_type, ()):
            if full.endswith(suffix):
                stem = full[: -len(suffix)]
                if len(stem) >= 2:
                    keys.setdefault(stem, 0.8)
                for long_suffix in _LONG_FORMS.get(suffix, ()):
                    keys.setdefault(stem + long_suffix, 1.0)
                break
    return list(keys.items())


# --- province, city, district ------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    province: str = ""  # 2-digit division code prefixes found at the start of the address
    city: str = ""
    county: str = ""
    end: int = 0  # where the administrative prefix ends in the normalised address


def _cpca() -> Any:
    import cpca

    return cpca


def regions(addresses: list[str]) -> list[Region]:
    """The province/city/county prefix of each normalised address, by cpca, one batch at a time."""
    if not addresses:
        return []
    cpca = _cpca()
    frame = cpca.transform(addresses, pos_sensitive=True)
    out: list[Region] = []
    for text, record in zip(addresses, frame.to_dict("records"), strict=True):
        out.append(_region(text, record, cpca))
    return out


def _region(text: str, record: dict[str, Any], cpca: Any) -> Region:
    adcode = record.get("adcode")
    if not isinstance(adcode, str) or not adcode:
        return Region()
    positions = [(record.get(f"{k}_pos"), k) for k in ("省", "市", "区")]
    found = [(int(pos), k) for pos, k in positions if isinstance(pos, int | float) and pos >= 0]
    if not found or min(p for p, _k in found) != 0:
        return Region()  # a name in the middle of the text is a street or an estate, not the region
    end = 0
    levels: dict[str, str] = {}
    for pos, key in sorted(found):
        name = str(record.get(key) or "")
        if pos != end:
            break  # the levels of a prefix follow one another
        if key == "区":
            # A county-level name counts only written in full (东方市, not 东方 in 东方小区).
            if not text.startswith(name, pos):
                break
            end = pos + len(name)
        else:
            short = re.sub(r"([省市]|特别行政区|自治区)$", "", name)
            end = pos + (len(name) if text.startswith(name, pos) else len(short))
        levels[key] = name
    if not levels:
        return Region()
    return Region(
        province=adcode[:2],
        city=adcode[:4] if ("市" in levels or "区" in levels) and adcode[2:4] != "00" else "",
        county=adcode[:6] if "区" in levels else "",
        end=end,
    )


# --- the index ---------------------------------------------------------------------------

INDEXED = (PlaceType.STREET, PlaceType.COMMUNITY, PlaceType.GRID, PlaceType.COMPOUND, PlaceType.BUILDING)
NAMED = (PlaceType.STREET, PlaceType.COMMUNITY, PlaceType.COMPOUND)
DEPTH_RANK: dict[str, int] = {t.value: n for n, t in enumerate(PlaceType)}
FUZZY_MIN = 70.0  # rapidfuzz partial_ratio a fuzzy compound or community name must reach
FUZZY_MARGIN = 8.0  # …and by how much it must beat the next one


@dataclass(slots=True)
class Node:
    id: int
    path: str
    type: str
    name: str
    parent: int | None
    children: dict[str, int] = field(default_factory=dict)  # normalised name → id (buildings, households)


@dataclass(frozen=True)
class Match:
    """Where an address leads: the deepest place found with confidence, or none; and whether it is outside."""

    place_id: int | None = None
    path: str = ""
    type: str = ""
    score: float = 0.0
    outside: bool = False


class AddressIndex:
    """The place tree of one district, as the matcher reads it."""

    def __init__(self, district: Place, stamp: tuple[Any, ...]) -> None:
        import ahocorasick
        from rapidfuzz import fuzz, process

        self._fuzz, self._process = fuzz, process
        self.district = district
        self.stamp = stamp
        self.nodes: dict[int, Node] = {}
        self.by_path: dict[str, int] = {}
        self.compounds_under: dict[int, list[int]] = defaultdict(list)  # street/community id → compound ids
        # type → [(full key, its stem, id)] for fuzzy matching
        self.fuzzy_keys: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
        self._households: dict[int, dict[str, int]] = {}
        self._lock = threading.Lock()
        self.automaton = ahocorasick.Automaton()
        keyed: dict[str, list[tuple[int, float]]] = defaultdict(list)
        rows = (
            Place.objects.filter(path__startswith=district.path, depth__gt=district.depth, type__in=INDEXED)
            .order_by("path")
            .values_list("id", "path", "type", "name", "aliases")
        )
        step = Place.steplen
        for pk, path, type_, name, aliases in rows:
            parent = self.by_path.get(path[:-step])
            node = Node(pk, path, type_, name, parent)
            self.nodes[pk] = node
            self.by_path[path] = pk
            if type_ == PlaceType.BUILDING and parent is not None:
                self.nodes[parent].children[normalise(name)] = pk
            if type_ in NAMED:
                for key, weight in _keys(type_, name, split_aliases(aliases)):
                    keyed[key].append((pk, weight))
                    if weight == 1.0:
                        self.fuzzy_keys[type_].append((key, _stem(type_, key), pk))
            if type_ == PlaceType.COMPOUND:
                for ancestor in self.ancestors(pk):
                    self.compounds_under[ancestor].append(pk)
        self.district_keys = [normalise(district.name), *(normalise(a) for a in district.alias_list)]
        for key, targets in keyed.items():
            self.automaton.add_word(key, (key, targets))
        if keyed:
            self.automaton.make_automaton()
        self.has_keys = bool(keyed)
        code = district.code or ""
        self.province = code[:2] if len(code) >= 6 else ""
        self.city = code[:4] if len(code) >= 6 and code[2:4] != "00" else ""
        self.county = code[:6] if len(code) >= 6 else ""

    # --- tree helpers --------------------------------------------------------------------

    def ancestors(self, pk: int) -> list[int]:
        """The node's ancestors below the district, nearest first."""
        out = []
        parent = self.nodes[pk].parent
        while parent is not None:
            out.append(parent)
            parent = self.nodes[parent].parent
        return out

    def label(self, pk: int, *, start: str = PlaceType.COMMUNITY) -> str:
        """The place's path from the community (or `start`) down, as a worker reads it."""
        chain = [pk, *self.ancestors(pk)]
        names = [self.nodes[n].name for n in reversed(chain) if DEPTH_RANK[self.nodes[n].type] >= DEPTH_RANK[start]]
        return " › ".join(names)

    def households(self, parent: int) -> dict[str, int]:
        """Normalised name → id of the households right under a compound, building or grid (read once)."""
        found = self._households.get(parent)
        if found is None:
            node = self.nodes[parent]
            rows = Place.objects.filter(
                depth=len(node.path) // Place.steplen + 1, path__startswith=node.path, type=PlaceType.HOUSEHOLD
            ).values_list("id", "path", "name")
            found = {}
            with self._lock:
                for pk, path, name in rows:
                    found[normalise(name)] = pk
                    self.nodes[pk] = Node(pk, path, PlaceType.HOUSEHOLD, name, parent)
                self._households[parent] = found
        return found

    # --- matching ------------------------------------------------------------------------

    def route_many(self, addresses: list[str], *, unders: list[Place | None] | None = None) -> list[Match]:
        """Match each address; an `unders` item keeps that row's result inside the place (its named community)."""
        texts = [normalise(a) for a in addresses]
        it = iter(regions([t for t in texts if t]))
        limits = unders or [None] * len(texts)
        return [
            self._route(text, next(it), under) if text else Match() for text, under in zip(texts, limits, strict=True)
        ]

    def route(self, address: str, *, under: Place | None = None) -> Match:
        return self.route_many([address], unders=[under])[0]

    def _outside(self, region: Region) -> bool:
        if region.county and self.county and region.county != self.county:
            return True
        if region.city and self.city and region.city != self.city:
            return True
        return bool(region.province and self.province and region.province != self.province)

    def _strip_district(self, text: str, region: Region) -> str:
        rest = text[region.end :]
        for key in self.district_keys:
            if key and rest.startswith(key):
                return rest[len(key) :]
        return rest

    def _route(self, text: str, region: Region, under: Place | None) -> Match:
        if self._outside(region):
            return Match(outside=True)
        rest = self._strip_district(text, region)
        scored = self.scored(rest, under=under)
        if not scored:
            return Match()
        best, score, end = scored[0]
        if len(scored) > 1 and scored[1][1] >= score - 1e-6 and scored[1][0] != best:
            common = self._common(best, scored[1][0])
            if common is None:
                return Match()
            best = common
        deepest = self._descend(best, rest[end:] if end else rest)
        node = self.nodes[deepest]
        return Match(node.id, node.path, node.type, score)

    def _common(self, a: int, b: int) -> int | None:
        seen = {a, *self.ancestors(a)}
        for n in (b, *self.ancestors(b)):
            if n in seen and self.nodes[n].type != PlaceType.STREET:
                return n
        return None

    def _hits(self, text: str) -> dict[int, tuple[float, int]]:
        """Node id → (matched length × weight, end of the match) for every name found in the text."""
        hits: dict[int, tuple[float, int]] = {}
        if not self.has_keys:
            return hits
        starts: dict[int, int] = {}
        for end, (key, targets) in self.automaton.iter(text):
            for pk, weight in targets:
                value = len(key) * weight
                if value > hits.get(pk, (0.0, 0))[0]:
                    hits[pk] = (value, end + 1)
                    starts[pk] = end + 1 - len(key)
        # A name found only inside an ancestor's name (高皇 in 东高皇乡) is not named by the address.
        inside = {
            pk
            for pk, (_value, end) in hits.items()
            for other in self.ancestors(pk)
            if other in hits and starts[other] <= starts[pk] and end <= hits[other][1]
        }
        return {pk: hit for pk, hit in hits.items() if pk not in inside}

    def scored(self, text: str, *, under: Place | None = None, fuzzy: bool = True) -> list[tuple[int, float, int]]:
        """(node id, score, end of its match) of the candidate places, best first."""
        hits = self._hits(text)
        # A name inside a longer name found at the same place (建设 in 建设路街道) is not a name of its own.
        candidates: dict[int, tuple[float, int]] = {}
        named_levels: dict[str, set[int]] = defaultdict(set)
        for pk, (value, _end) in hits.items():
            if value >= 2:
                named_levels[self.nodes[pk].type].add(pk)
        for pk, (value, end) in hits.items():
            chain = self.ancestors(pk)
            total = value
            for ancestor in chain:
                if ancestor in hits:
                    total += hits[ancestor][0]
                elif named_levels.get(self.nodes[ancestor].type):
                    total -= 2  # the address names another place at that level
            candidates[pk] = (total, end)
        if fuzzy:
            self._fuzzy(text, hits, candidates)
        if under is not None:
            candidates = {
                pk: v for pk, v in candidates.items() if self.nodes[pk].path.startswith(under.path)
            } or self._under(under)
        ordered = sorted(
            candidates.items(), key=lambda kv: (-kv[1][0], -DEPTH_RANK[self.nodes[kv[0]].type], self.nodes[kv[0]].path)
        )
        return [(pk, score, end) for pk, (score, end) in ordered]

    def _under(self, place: Place) -> dict[int, tuple[float, int]]:
        pk = self.by_path.get(place.path)
        return {pk: (0.0, 0)} if pk is not None else {}

    def fuzzy_scores(self, query: str, choices: list[tuple[str, str, int]]) -> list[tuple[int, float]]:
        """(id, 0-100) of the choices by how well their name is found in the query, best first, one per place.

        partial_ratio of the full name, but a name whose distinctive stem is not found either scores no
        more than that stem's own score plus 30: 畅园小区 is not 幸福小区 for sharing 小区.
        """
        if not choices or not query:
            return []
        scorer = self._fuzz.partial_ratio
        full = self._process.cdist([query], [c[0] for c in choices], scorer=scorer)[0]
        stem = self._process.cdist([query], [c[1] for c in choices], scorer=scorer)[0]
        best: dict[int, float] = {}
        for (_key, _stem_key, pk), f, st in zip(choices, full, stem, strict=True):
            value = max(float(f), 0.9 * float(st)) if st >= 40 else min(float(f), float(st) + 30)
            if value > best.get(pk, -1.0):
                best[pk] = value
        return sorted(best.items(), key=lambda kv: -kv[1])

    def _fuzzy(self, text: str, hits: dict[int, tuple[float, int]], candidates: dict[int, tuple[float, int]]) -> None:
        """Add the best fuzzy compound (or community) when the address names none exactly."""
        if any(self.nodes[pk].type == PlaceType.COMPOUND for pk in hits):
            return
        above = [pk for pk in hits if self.nodes[pk].type in (PlaceType.COMMUNITY, PlaceType.STREET)]
        start = max((hits[pk][1] for pk in above), default=0)
        rest = text[start:]
        spec = _BUILDING_SPEC.search(rest)
        query = rest[: spec.start()] if spec else rest
        if len(_NOT_NAME.sub("", query)) < 2:
            return
        if above:
            # Under the deepest level the address names: 白庙村's compounds, not the whole township's.
            communities = [pk for pk in above if self.nodes[pk].type == PlaceType.COMMUNITY]
            scope = {c for pk in (communities or above) for c in self.compounds_under.get(pk, ())}
            choices = [c for c in self.fuzzy_keys[PlaceType.COMPOUND] if c[2] in scope]
        else:
            choices = self.fuzzy_keys[PlaceType.COMPOUND] + self.fuzzy_keys[PlaceType.COMMUNITY]
        ranked = self.fuzzy_scores(query, choices)
        if not ranked or ranked[0][1] < FUZZY_MIN:
            return
        if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < FUZZY_MARGIN:
            return
        pk, value = ranked[0]
        key = next(c[0] for c in choices if c[2] == pk)
        total = len(key) * value / 100 + sum(hits[a][0] for a in self.ancestors(pk) if a in hits)
        aligned = self._fuzz.partial_ratio_alignment(key, query)
        end = start + (aligned.dest_end if aligned is not None and aligned.dest_end else len(query))
        candidates[pk] = (total, end)

    def _descend(self, pk: int, rest: str) -> int:
        """From a compound (or grid or community), the building and household the rest of the address names."""
        node = self.nodes[pk]
        if node.type == PlaceType.COMMUNITY:
            # Village houses sit under the community's grids: a number found under exactly one grid.
            grids = [n for n in self.nodes.values() if n.parent == pk and n.type == PlaceType.GRID]
            room = rest.strip()
            hits = [h for g in grids if (h := self.households(g.id).get(room)) is not None] if room else []
            return hits[0] if len(hits) == 1 else pk
        if node.type != PlaceType.COMPOUND:
            return pk
        building = _BUILDING.search(rest) or re.search(r"(\d+)号楼", rest)
        if building is not None:
            found = node.children.get(f"{building.group(1)}号楼")
            if found is None:
                return pk
            room = rest[building.end() :]
            household = self.households(found).get(room) if room else None
            return household or found
        room = rest.strip()
        household = self.households(pk).get(room) if room else None
        return household or pk

    def candidates(self, address: str, *, limit: int = 5) -> list[tuple[int, float]]:
        """The best `limit` places an unplaced address may belong to (communities and below), best first."""
        text = normalise(address)
        if not text:
            return []
        region = regions([text])[0]
        rest = self._strip_district(text, region)
        out: dict[int, float] = {}
        for pk, score, _end in self.scored(rest):
            if self.nodes[pk].type != PlaceType.STREET:
                out.setdefault(pk, score)
        spec = _BUILDING_SPEC.search(rest)
        query = rest[: spec.start()] if spec else rest
        choices = self.fuzzy_keys[PlaceType.COMPOUND] + self.fuzzy_keys[PlaceType.COMMUNITY]
        for pk, value in self.fuzzy_scores(query, choices)[: limit * 2]:
            if value >= 40:
                out.setdefault(pk, value / 25)
        ranked = sorted(out.items(), key=lambda kv: -kv[1])
        return ranked[:limit]


_CACHE: dict[int, AddressIndex] = {}
_CACHE_LOCK = threading.Lock()


def _stamp(district: Place) -> tuple[Any, ...]:
    # Every type, households too: the index keeps the households it has read.
    agg = Place.objects.filter(path__startswith=district.path).aggregate(n=Count("id"), changed=Max("updated_at"))
    return (agg["n"], agg["changed"], district.name, district.code, district.aliases)


def index_for(district: Place) -> AddressIndex:
    """The district's address index, built again only when its places changed since it was built."""
    stamp = _stamp(district)
    cached = _CACHE.get(district.pk)
    if cached is not None and cached.stamp == stamp:
        return cached
    index = AddressIndex(district, stamp)
    with _CACHE_LOCK:
        _CACHE[district.pk] = index
    return index
