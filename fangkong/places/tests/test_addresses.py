"""Routing a typed address to the place tree: normalising, the region prefix, fuzzy names, the cache."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangkong.places.addresses import chinese_number, index_for, normalise
from fangkong.places.models import Place, PlaceType


def _add(parent: Place, type_: str, name: str, **extra: Any) -> Place:
    return Place.objects.add_child(parent, instance=Place(type=type_, name=name, **extra))


@pytest.fixture
def estates(world: Any) -> dict[str, Place]:
    """畅园家属院 in grid A, 东方小区 in grid B (东方 is also a county-level city), and two 幸福小区."""
    changyuan = _add(world.A.grid, PlaceType.COMPOUND, "畅园家属院", aliases="原棉纺厂家属院")
    building = _add(changyuan, PlaceType.BUILDING, "1号楼")
    flat = _add(building, PlaceType.HOUSEHOLD, "1单元501")
    dongfang = _add(world.B.grid, PlaceType.COMPOUND, "东方小区")
    dongfang2 = _add(dongfang, PlaceType.BUILDING, "2号楼")
    happy_a = _add(world.A.grid, PlaceType.COMPOUND, "幸福小区")
    happy_b = _add(world.B.grid, PlaceType.COMPOUND, "幸福小区")
    return {"flat": flat, "building": building, "changyuan": changyuan, "dongfang2": dongfang2,
            "happy_a": happy_a, "happy_b": happy_b}  # fmt: skip


def test_normalise_writes_buildings_units_and_numbers_one_way() -> None:
    assert normalise("畅园家属院 一栋 1单元 501室") == "畅园家属院1号楼1单元501"
    assert normalise("畅园家属院１号楼１单元５０１") == "畅园家属院1号楼1单元501"
    assert normalise("畅园家属院1-1-501") == "畅园家属院1号楼1单元501"
    assert normalise("畅园家属院十二幢三单元") == "畅园家属院12号楼3单元"
    assert normalise("畅园家属院3#楼") == "畅园家属院3号楼"


@given(st.integers(min_value=1, max_value=9999))
def test_chinese_numbers_read_as_their_value(n: int) -> None:
    digits = "零一二三四五六七八九"
    units = [(1000, "千"), (100, "百"), (10, "十")]
    text, rest, zero = "", n, False
    for value, unit in units:
        q, rest = divmod(rest, value)
        if q:
            text += ("零" if zero and text else "") + digits[q] + unit
            zero = False
        elif text:
            zero = True
    if rest:
        text += ("零" if zero and text else "") + digits[rest]
    assert chinese_number(text) == n


def test_an_exact_address_reaches_the_household(world: Any, estates: dict[str, Place]) -> None:
    index = index_for(world.district)
    match = index.route("河南省平顶山市测试区街道A社区A畅园家属院1号楼1单元501")
    assert (match.place_id, match.outside) == (estates["flat"].pk, False)


@pytest.mark.parametrize(
    "address",
    [
        "平顶山测试区畅园家属院一栋1单元501室",  # 省 and levels dropped, Chinese numeral, 栋, 室
        "畅园家属院１号楼１单元５０１",  # full-width digits, nothing above the compound
        "河南平顶山新华区社区A畅园家属院1-1-501",  # the district by its division name, dashes
        "测试区畅圆家属院1号楼1单元501",  # a typo in the compound's name
        "原棉纺厂家属院1幢1单元501",  # the compound's other name
    ],
)
def test_variants_of_the_address_reach_the_same_household(world: Any, estates: dict[str, Place], address: str) -> None:
    assert index_for(world.district).route(address).place_id == estates["flat"].pk


def test_an_address_elsewhere_in_china_is_outside(world: Any, estates: dict[str, Place]) -> None:
    index = index_for(world.district)
    assert index.route("北京市朝阳区建国路88号畅园家属院1号楼").outside
    assert index.route("湖北武汉江岸区幸福小区").outside
    assert index.route("河南省郑州市金水区花园路").outside


def test_an_estate_named_like_a_city_is_not_taken_for_that_city(world: Any, estates: dict[str, Place]) -> None:
    match = index_for(world.district).route("东方小区2号楼")  # cpca alone reads 海南省东方市
    assert (match.place_id, match.outside) == (estates["dongfang2"].pk, False)


def test_a_name_two_estates_share_needs_the_community(world: Any, estates: dict[str, Place]) -> None:
    index = index_for(world.district)
    assert index.route("幸福小区").place_id is None  # two 幸福小区, in different streets
    assert index.route("社区B幸福小区").place_id == estates["happy_b"].pk


def test_an_unknown_address_inside_the_district_matches_nothing(world: Any, estates: dict[str, Place]) -> None:
    match = index_for(world.district).route("河南省平顶山市测试区某某路")
    assert match.place_id is None
    assert not match.outside


def test_the_index_is_rebuilt_when_a_place_is_added(world: Any, estates: dict[str, Place]) -> None:
    first = index_for(world.district)
    assert index_for(world.district) is first
    new = _add(world.B.grid, PlaceType.COMPOUND, "新建花园")
    second = index_for(world.district)
    assert second is not first
    assert second.route("新建花园").place_id == new.pk


def test_candidates_rank_the_likely_estates_first(world: Any, estates: dict[str, Place]) -> None:
    index = index_for(world.district)
    found = [pk for pk, _score in index.candidates("畅园小区3号楼", limit=3)]
    assert found[0] == estates["changyuan"].pk
    assert len(found) <= 3


def test_a_house_number_alone_names_no_place(world: Any, estates: dict[str, Place]) -> None:
    """ "40号" matched "开源路140号院" and routed a row to a stranger's estate (bench: 3.9% routed wrong)."""
    road = _add(world.B.grid, PlaceType.COMPOUND, "开源路140号院")
    index = index_for(world.district)
    assert index.route("测试区40号").place_id is None
    assert index.route("1号").place_id is None
    named = index.route("街道A社区A40号")
    assert named.place_id is not None
    assert not named.path.startswith(road.path)
    assert named.path.startswith(world.A.community.path)


def test_a_name_inside_the_townships_name_is_not_a_village(world: Any) -> None:
    """高皇 in 东高皇乡 is no address of 高皇村: the row stays with the township."""
    township = _add(world.district, PlaceType.STREET, "东高皇乡")
    _add(township, PlaceType.COMMUNITY, "高皇村")
    _add(township, PlaceType.COMMUNITY, "王营村")
    match = index_for(world.district).route("测试区东高皇乡1号")
    assert match.place_id == township.pk
