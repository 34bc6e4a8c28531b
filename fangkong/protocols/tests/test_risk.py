"""Risk-area matching in Python (match_risk_area) and in the push list's SQL give the same level for any stay."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fangkong.protocols.models import RiskArea, RiskLevel
from fangkong.protocols.risk import covers, risk_level_sql
from fangkong.protocols.selectors import match_risk_area

pytestmark = pytest.mark.django_db

DAY0 = dt.date(2022, 4, 1)
# Few letters, so prefixes happen often; % and _ would be patterns to LIKE, a/A differ only in case.
NAME = st.text(alphabet=st.sampled_from("北京朝阳%_aA"), min_size=1, max_size=4)
DAY = st.integers(0, 6).map(lambda n: DAY0 + dt.timedelta(days=n))
AREA = st.tuples(NAME, st.sampled_from(list(RiskLevel.values)), DAY, st.one_of(st.none(), st.integers(0, 3)))


class _Rollback(Exception):
    pass


def _sql_level(text: str, first: dt.date, last: dt.date) -> str | None:
    with connection.cursor() as cursor:
        level = risk_level_sql("s.t", "s.f", "s.l")
        cursor.execute(f"SELECT {level} FROM (SELECT %s AS t, %s AS f, %s AS l) s", [text, first, last])  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(areas=st.lists(AREA, max_size=5), text=st.one_of(st.just(""), NAME), first=DAY, days=st.integers(0, 3))
@example(areas=[("北京%", "high", DAY0, None)], text="北京朝阳", first=DAY0, days=0)
@example(areas=[("a", "high", DAY0, None)], text="A", first=DAY0, days=0)
def test_python_and_sql_find_the_same_risk(
    areas: list[tuple[str, str, dt.date, int | None]], text: str, first: dt.date, days: int
) -> None:
    last = first + dt.timedelta(days=days)
    try:
        with transaction.atomic():
            seen: set[tuple[str, str, dt.date]] = set()
            for name, level, starts_on, length in areas:
                if (name, level, starts_on) in seen:
                    continue
                seen.add((name, level, starts_on))
                ends_on = None if length is None else starts_on + dt.timedelta(days=length)
                RiskArea.objects.create(
                    name=name, level=level, granularity="county", starts_on=starts_on, ends_on=ends_on
                )
            area = match_risk_area(text, first, last)
            assert _sql_level(text, first, last) == (area.level if area else None)
            raise _Rollback
    except _Rollback:
        pass


def test_prefixes_either_way_and_nothing_for_an_empty_text() -> None:
    assert covers("北京市朝阳区", "北京市")
    assert covers("北京市", "北京市朝阳区")
    assert not covers("北京市", "天津市")
    assert not covers("", "北京市")
    assert not covers("北京市", "北京%")


def test_the_riskiest_area_wins(db: Any) -> None:
    RiskArea.objects.create(name="北京市", level=RiskLevel.LOW, granularity="city", starts_on=DAY0)
    RiskArea.objects.create(name="北京市朝阳区", level=RiskLevel.HIGH, granularity="county", starts_on=DAY0)
    area = match_risk_area("北京市朝阳区望京", DAY0, DAY0)
    assert area is not None
    assert area.level == RiskLevel.HIGH
    assert _sql_level("北京市朝阳区望京", DAY0, DAY0) == RiskLevel.HIGH
