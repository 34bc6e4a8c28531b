"""The default worker in Python and in the push list's SQL choose the same person, whatever the postings."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.accounts.models import Membership, Role, User
from fangkong.screening.workers import DEFAULT_WORKERS_SQL, default_worker

pytestmark = pytest.mark.django_db

ROLES = [Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.VIEWER]
# (which of two places, role, backup?) for each posting, in the order they are made.
POSTINGS = st.lists(st.tuples(st.integers(0, 1), st.sampled_from(ROLES), st.booleans()), max_size=6)


class _Rollback(Exception):
    pass


def _sql_choice() -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(DEFAULT_WORKERS_SQL)
        return dict(cursor.fetchall())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(postings=POSTINGS, reverse_users=st.booleans())
def test_python_and_sql_choose_the_same_default_worker(world: Any, postings: list[Any], reverse_users: bool) -> None:
    places = [world.A.grid, world.B.grid]
    try:
        with transaction.atomic():
            Membership.objects.filter(place__in=places).delete()
            # User ids that run against the posting order, so a rule by user id would differ from one by posting.
            users = [User.objects.create(username=f"w{n}") for n in range(len(postings))]
            if reverse_users:
                users.reverse()
            for user, (at, role, backup) in zip(users, postings, strict=True):
                Membership.objects.create(user=user, place=places[at], role=role, is_backup=backup)
            by_sql = _sql_choice()
            for place in places:
                chosen = default_worker(place)
                assert by_sql.get(place.pk) == (chosen.pk if chosen else None)
            raise _Rollback
    except _Rollback:
        pass


def test_a_backup_answers_only_when_the_place_has_no_primary_worker(world: Any) -> None:
    grid = world.A.grid
    Membership.objects.filter(place=grid).delete()
    backup = User.objects.create(username="backup")
    Membership.objects.create(user=backup, place=grid, role=Role.GRID_WORKER, is_backup=True)
    assert default_worker(grid) == backup
    assert _sql_choice()[grid.pk] == backup.pk
    primary = User.objects.create(username="primary")
    Membership.objects.create(user=primary, place=grid, role=Role.GRID_WORKER)
    assert default_worker(grid) == primary
    assert _sql_choice()[grid.pk] == primary.pk
