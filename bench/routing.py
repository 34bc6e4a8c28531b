"""How well push-list addresses are routed: `.venv/bin/python -m bench.routing [--size small] [--rows 2000]`.

Builds the demo district in a throwaway SQLite database, then generates a held-out list with its own
seed: addresses of real demo households written as people write them (province/city prefixes dropped or
abbreviated, missing street or community, 栋/幢/#, full-width digits, Chinese numerals, dashes, one
character of the estate's name mistyped), plus addresses elsewhere in China. Prints the share routed to
the right household, to the right grid (what a key person needs), routed wrong, and left unplaced, the
share of outside addresses flagged, and the time per 1,000 rows.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path


def _setup(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


OUTSIDE = [
    "北京市朝阳区建国路88号院3号楼2单元401", "湖北省武汉市江岸区解放大道1001号", "上海市浦东新区世纪大道100号",
    "河南省郑州市金水区花园路12号", "广东深圳南山区科技园", "河南省洛阳市涧西区幸福小区2号楼", "四川成都武侯区人民南路",
    "陕西省西安市雁塔区小寨东路", "河南平顶山新华区建设路22号", "山东省济南市历下区泉城路",
]  # fmt: skip
TO_CN = "零一二三四五六七八九"


def _cn(n: int) -> str:
    if n < 10:
        return TO_CN[n]
    if n < 20:
        return "十" + (TO_CN[n % 10] if n % 10 else "")
    if n < 100:
        return TO_CN[n // 10] + "十" + (TO_CN[n % 10] if n % 10 else "")
    return str(n)


def _typo(rng: random.Random, name: str) -> str:
    swaps = {"园": "圆", "苑": "院", "华": "化", "福": "富", "景": "井", "城": "成", "庄": "桩", "湖": "胡"}
    spots = [i for i, ch in enumerate(name) if ch in swaps]
    if not spots:
        return name
    i = rng.choice(spots)
    return name[:i] + swaps[name[i]] + name[i + 1 :]


def variant(rng: random.Random, street: str, community: str, compound: str, building: str, room: str) -> str:
    """One way a person might write the address of that household."""
    prefix = rng.choice(["河南省平顶山市示范区", "平顶山市示范区", "河南平顶山示范区", "示范区", "平顶山示范区", ""])
    levels = rng.choice([(street, community), (community,), (street,), ()])
    if compound and rng.random() < 0.15:
        compound = _typo(rng, compound)
    tail = room
    if building:
        n = int(building.removesuffix("号楼"))
        unit, _sep, flat = room.partition("单元")
        style = rng.choice(["号楼", "栋", "幢", "#", "cn", "dash"])
        if style == "dash" and flat:
            tail = f"{n}-{unit}-{flat}"
        elif style == "cn":
            tail = f"{_cn(n)}号楼{room}"
        else:
            tail = f"{n}{style}{room}"
        if rng.random() < 0.3:
            tail += "室"
    text = prefix + "".join(levels) + compound + tail
    if rng.random() < 0.2:  # typed on a phone in full-width
        text = text.translate({ord(d): ord(d) - ord("0") + 0xFF10 for d in "0123456789"})
    return text


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="small", choices=["tiny", "small"])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)  # not the demo's seed: the list is held out
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _setup(Path(tmp) / "routing.sqlite3")
        from fangkong.demo.generator import load
        from fangkong.places.addresses import index_for
        from fangkong.places.models import Place, PlaceType

        load(size=args.size, seed=2020)
        district = Place.objects.get(depth=1)
        places = {p.pk: p for p in Place.objects.filter(path__startswith=district.path)}
        by_path = {p.path: p for p in places.values()}
        households = [p for p in places.values() if p.type == PlaceType.HOUSEHOLD]
        rng = random.Random(args.seed)
        sample = rng.sample(households, min(args.rows, len(households)))
        rows: list[tuple[str, Place | None]] = []
        step = Place.steplen
        for house in sample:
            chain = {
                by_path[house.path[:end]].type: by_path[house.path[:end]] for end in range(step, len(house.path), step)
            }
            compound = chain.get(PlaceType.COMPOUND)
            building = chain.get(PlaceType.BUILDING)
            street, community = chain[PlaceType.STREET].name, chain[PlaceType.COMMUNITY].name
            rows.append(
                (variant(rng, street, community, compound.name if compound else "", building.name if building else "",
                         house.name), house)
            )  # fmt: skip
        outside_rows = [(rng.choice(OUTSIDE), None) for _ in range(max(1, len(rows) // 10))]
        everything = rows + outside_rows
        rng.shuffle(everything)
        started = time.perf_counter()
        index = index_for(district)
        matches = index.route_many([a for a, _h in everything])
        elapsed = time.perf_counter() - started
        household = grid_ok = community_ok = wrong = unplaced = flagged = false_outside = 0
        misses: list[str] = []
        wrongs: list[str] = []
        for (address, house), match in zip(everything, matches, strict=True):
            if house is None:
                flagged += match.outside
                continue
            if match.outside:
                false_outside += 1
            elif match.place_id is None or len(match.path) < 3 * step:
                unplaced += 1
                misses.append(address)
            elif len(match.path) == 3 * step:
                # A village's houses are numbered per grid: 姚孟村11号 names the village, not the grid.
                community_ok += house.path.startswith(match.path)
                if not house.path.startswith(match.path):
                    wrong += 1
                    wrongs.append(f"{address} -> {match.path}")
            elif match.place_id == house.pk:
                household += 1
                grid_ok += 1
            elif house.path.startswith(match.path) or match.path[: 4 * step] == house.path[: 4 * step]:
                grid_ok += 1
            else:
                wrong += 1
                wrongs.append(f"{address} -> {match.path}")
        n, m = len(rows), len(outside_rows)
        print(f"held-out list: {n} addresses of demo households ({args.size} district), {m} outside addresses")
        print(f"  routed to the right household: {household / n:.1%}")
        print(f"  routed to the right grid (household, building, estate or grid): {grid_ok / n:.1%}")
        print(f"  routed to the right community only (the address names no grid's house): {community_ok / n:.1%}")
        print(f"  routed to a wrong place: {wrong / n:.1%}   left unplaced: {unplaced / n:.1%}   "
              f"wrongly flagged outside: {false_outside / n:.1%}")  # fmt: skip
        print(f"  outside addresses flagged: {flagged / m:.1%}")
        if os.environ.get("SHOW_MISSES"):
            print("unplaced:", *misses[:30], sep="\n  ")
            print("wrong:", *wrongs[:30], sep="\n  ")
        print(f"  time: {elapsed / len(everything) * 1000 * 1000:.0f} ms per 1,000 rows (index build included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
