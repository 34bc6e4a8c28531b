"""Which risk area a stay lay in: one rule, as a Python predicate and as the SQL the push list runs.

A stay at a place (free text such as 北京市朝阳区) during [first, last] lay in an area when one name
is a prefix of the other and the area's span overlaps the stay; of the areas it lay in, the riskiest
counts, the earliest entered on a tie. `covers` and `best_area` are the Python form
(`protocols.selectors.match_risk_area` reads the candidates); `risk_level_sql` is the same rule as a
scalar subquery over `protocols_riskarea`, for set-based writes (`screening.pushlists`).
Prefixes are compared with substr, not LIKE: an area named with % or _ is no pattern, and LIKE
ignores ASCII case on SQLite. `tests/test_risk.py` holds the two forms to the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable

from fangkong.protocols.models import RISK_RANK, RiskArea, RiskLevel


def covers(text: str, name: str) -> bool:
    """A stay at `text` lay in the area `name` (an empty text lies nowhere)."""
    return bool(text) and (text.startswith(name) or name.startswith(text))


def best_area(text: str, candidates: Iterable[RiskArea]) -> RiskArea | None:
    """The riskiest of `candidates` (areas whose span overlaps the stay) covering `text`; the lowest id on a tie."""
    best: RiskArea | None = None
    for area in candidates:
        if not covers(text, area.name):
            continue
        rank = RISK_RANK[area.level]  # type: ignore[index]
        if best is None or (rank, -area.pk) > (RISK_RANK[best.level], -best.pk):  # type: ignore[index]
            best = area
    return best


RISK_ORDER_SQL = (
    f"CASE a.level WHEN '{RiskLevel.HIGH}' THEN 3 WHEN '{RiskLevel.MEDIUM}' THEN 2 "
    f"WHEN '{RiskLevel.LOW}' THEN 1 ELSE 0 END"
)


def risk_level_sql(place: str, first: str, last: str) -> str:
    """SQL for the level of best_area for the text `place` over the stay [`first`, `last`] (NULL when none).

    The arguments are SQL expressions (columns or placeholders) spliced in as they are.
    """
    return f"""(
        SELECT a.level FROM protocols_riskarea a
        WHERE {place} <> '' AND a.starts_on <= {last} AND (a.ends_on IS NULL OR a.ends_on >= {first})
          AND (substr({place}, 1, length(a.name)) = a.name OR substr(a.name, 1, length({place})) = {place})
        ORDER BY {RISK_ORDER_SQL} DESC, a.id LIMIT 1
    )"""  # noqa: S608 - expressions of the caller's query only
