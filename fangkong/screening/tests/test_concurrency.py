"""The public self-report page under a burst of the same submission (issue 16 A3): one report, no 500.

Thirty phones posting the same new ID number at once used to race to create the same Person and all
but one failed on its unique index with a server error. A self-report is now a report row, unique per
document, community and day: the first submission stands and every other one is told, in words, that
the report was already received.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from fangkong.checkpoints.models import Registration
from fangkong.checkpoints.tests.factories import make_checkpoint
from fangkong.checkpoints.views import check_in_token
from fangkong.core.testing.idnumbers import make_resident_id
from fangkong.people.models import Person
from fangkong.screening import services
from fangkong.screening.models import KeyPerson, SelfReport
from fangkong.screening.selectors import self_report_token
from fangkong.screening.services import AlreadyReported, SelfReportInput, submit_self_report

ALREADY = "already received a report for this document today"


def race(*actions: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = action()
        except Exception as exc:  # each racer's outcome is what the test inspects
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return results


def _body(number: str, seq: int) -> dict[str, str]:
    return {
        "reporter": "resident", "name": "新来者", "document_type": "resident_id", "document_number": number,
        "phone": f"1376666{seq:04d}", "came_from": "上海市", "arrived_on": timezone.localdate().isoformat(),
    }  # fmt: skip


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions of a real server")
def test_thirty_parallel_self_reports_of_one_new_id_store_one_report_and_answer_every_one(
    world: Any, settings: Any
) -> None:
    cache.clear()
    settings.SELF_REPORT_PER_IP_PER_HOUR = 1000
    number = make_resident_id("110105", dt.date(1991, 2, 3), 7, male=True)
    url = f"/screening/report/{self_report_token(world.A.community)}/"
    persons = Person.objects.count()

    def post(seq: int) -> Any:
        response = Client(headers={"Accept-Language": "en"}).post(url, _body(number, seq))
        return response.status_code, response.content.decode()

    results = race(*(lambda seq=seq: post(seq) for seq in range(30)))

    errors = [r for r in results if not isinstance(r, tuple)]
    assert not errors
    assert sorted(status for status, _text in results) == [200] * 30
    assert sum(ALREADY in text for _status, text in results) == 29
    assert SelfReport.objects.filter(document_number=number).count() == 1
    assert Person.objects.count() == persons


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions of a real server")
def test_parallel_self_reports_of_a_local_resident_make_one_key_person(world: Any, settings: Any) -> None:
    cache.clear()
    resident = world.A.person
    url = f"/screening/report/{self_report_token(world.A.community)}/"

    def post(seq: int) -> int:
        body = {**_body(resident.document_number, seq), "name": resident.name}
        return Client().post(url, body).status_code

    results = race(*(lambda seq=seq: post(seq) for seq in range(10)))

    assert results == [200] * 10
    assert KeyPerson.objects.filter(person=resident).count() == 1
    assert SelfReport.objects.get().key_person == KeyPerson.objects.get(person=resident)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions of a real server")
def test_parallel_check_ins_with_a_fever_and_the_same_client_id_register_once(world: Any, settings: Any) -> None:
    cache.clear()
    settings.SELF_REPORT_PER_IP_PER_HOUR = 1000
    settings.SELF_REPORT_PER_PHONE_PER_DAY = 1000
    gate = make_checkpoint(world.hq, world.A.community)
    url = f"/checkpoints/check-in/{check_in_token(gate)}/"
    number = make_resident_id("110105", dt.date(1991, 2, 3), 9, male=True)
    body = {"client_id": str(uuid.uuid4()), "name": "新来者", "lookup": number, "temperature": "38.2"}
    persons = Person.objects.count()

    results = race(*(lambda: Client().post(url, body).status_code for _ in range(20)))

    assert results == [200] * 20
    assert Registration.objects.filter(client_id=body["client_id"]).count() == 1
    assert Person.objects.count() == persons


def _input(number: str) -> SelfReportInput:
    return SelfReportInput(
        name="新来者",
        document_type="resident_id",
        document_number=number,
        phone="13766660001",
        reporter="resident",
        organisation="",
        came_from="上海市",
        arrived_on=timezone.localdate(),
        symptoms=[],
    )


@pytest.mark.django_db
def test_a_report_losing_the_race_at_the_unique_index_is_already_reported(world: Any, monkeypatch: Any) -> None:
    """Deterministic: the cheap look-up misses (as it does for every racer at once), the insert decides."""
    cache.clear()
    number = make_resident_id("110105", dt.date(1991, 2, 3), 8, male=True)
    submit_self_report(community=world.A.community, data=_input(number))
    monkeypatch.setattr(services, "_reported_today", lambda **kwargs: False)

    with pytest.raises(AlreadyReported):
        submit_self_report(community=world.A.community, data=_input(number))

    assert SelfReport.objects.filter(document_number=number).count() == 1


@pytest.mark.django_db
def test_the_page_answers_a_lost_race_with_words_not_a_server_error(world: Any, monkeypatch: Any) -> None:
    cache.clear()
    number = make_resident_id("110105", dt.date(1991, 2, 3), 8, male=True)
    url = f"/screening/report/{self_report_token(world.A.community)}/"
    client = Client(headers={"Accept-Language": "en"})
    assert client.post(url, _body(number, 1)).status_code == 200
    monkeypatch.setattr(services, "_reported_today", lambda **kwargs: False)

    response = client.post(url, _body(number, 2))

    assert response.status_code == 200
    assert ALREADY in response.content.decode()
    assert SelfReport.objects.filter(document_number=number).count() == 1
