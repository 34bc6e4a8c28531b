from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.utils import timezone

from fangkong.imports.models import JobStatus
from fangkong.imports.tests.files import PUSHLIST_HEADERS, media_in_tmp, pushlist_rows, resident_id, write_xlsx
from fangkong.imports.tests.test_pipeline import run
from fangkong.people.models import Person
from fangkong.protocols.models import RiskArea
from fangkong.screening.models import KeyPerson, KeyPersonSource, PushBatch
from fangkong.screening.selectors import key_persons_for

__all__ = ["media_in_tmp"]


def _push(world: Any, tmp_path: Path, rows: list[list[Any]], name: str = "p.xlsx", **options: Any) -> Any:
    path = write_xlsx(tmp_path / name, [PUSHLIST_HEADERS, *rows])
    job = run(world.hq, path, "pushlist", world.district, **options)
    assert job.status == JobStatus.DONE, job.error
    return job


def test_a_push_list_becomes_key_persons_routed_to_the_named_community(world: Any, tmp_path: Path) -> None:
    job = _push(world, tmp_path, pushlist_rows(3))
    kps = KeyPerson.objects.filter(sources__push_list__job=job)
    assert kps.count() == 3
    for kp in kps:
        assert kp.place == world.A.community
        assert kp.clear_state == "new"
        assert kp.category == "returnee_medium_risk"  # the 9th edition's push-list default
        assert not kp.is_unplaced
    # Community A's worker sees them, community B's does not.
    assert key_persons_for(world.user("community_worker", "A")).count() == 3
    assert key_persons_for(world.user("community_worker", "B")).count() == 0


def test_push_list_deadline_defaults_to_24_hours_and_can_be_set_per_list(world: Any, tmp_path: Path) -> None:
    job = _push(world, tmp_path, pushlist_rows(1))
    batch = PushBatch.objects.get(push_list__job=job)
    assert abs((batch.deadline_at - job.finished_at).total_seconds() - 24 * 3600) < 1
    job2 = _push(world, tmp_path, pushlist_rows(1, start=10), name="q.xlsx", deadline_hours=6)
    kp = KeyPerson.objects.get(sources__push_list__job=job2)
    assert abs((kp.due_at - job2.finished_at).total_seconds() - 6 * 3600) < 1


def test_a_person_pushed_twice_is_one_key_person_with_two_sources(world: Any, tmp_path: Path) -> None:
    _push(world, tmp_path, pushlist_rows(2))
    _push(world, tmp_path, [*pushlist_rows(1), *pushlist_rows(1, start=7)], name="again.xlsx", issuer="省大数据局")
    person = Person.objects.get(document_number=resident_id(5001))
    kp = KeyPerson.objects.get(person=person)
    assert kp.sources.count() == 2
    assert KeyPerson.objects.count() == 3
    assert PushBatch.objects.order_by("pk").last().merged == 1  # type: ignore[union-attr]


def test_an_existing_resident_is_routed_to_the_grid_of_their_household(world: Any, tmp_path: Path) -> None:
    resident = world.A.person
    _push(world, tmp_path, [[resident.name, resident.document_number, "", "某市", dt.date(2022, 3, 1), ""]])
    kp = KeyPerson.objects.get(person=resident)
    assert kp.place == world.A.grid
    assert kp.worker == world.user("grid_worker", "A")


def test_rows_that_name_no_community_are_unplaced_and_queued_for_hq(world: Any, tmp_path: Path) -> None:
    _push(world, tmp_path, pushlist_rows(2, community=""))
    kps = KeyPerson.objects.all()
    assert [kp.is_unplaced for kp in kps] == [True, True]
    assert {kp.place for kp in kps} == {world.district}
    assert key_persons_for(world.hq, unplaced=True).count() == 2
    assert key_persons_for(world.user("street_admin", "A"), unplaced=True).count() == 0


def test_rows_of_persons_outside_the_district_are_kept_and_flagged_to_hand_over(world: Any, tmp_path: Path) -> None:
    job = _push(world, tmp_path, [*pushlist_rows(1), *pushlist_rows(1, start=2, community="外区某社区")])
    assert job.warnings == 1
    outside = KeyPerson.objects.get(outside_district=True)
    assert outside.person.document_number == resident_id(5002)
    assert not outside.is_unplaced
    assert outside.place == world.district
    assert PushBatch.objects.get(push_list__job=job).outside == 1


def test_travel_is_matched_against_the_risk_areas_active_at_the_time(world: Any, tmp_path: Path) -> None:
    RiskArea.objects.create(
        name="某市某区",
        level="high",
        granularity="county",
        starts_on=dt.date(2022, 2, 20),
        ends_on=dt.date(2022, 3, 10),
    )
    RiskArea.objects.create(name="某市", level="low", granularity="city", starts_on=dt.date(2022, 1, 1))
    RiskArea.objects.create(name="某市某区", level="medium", granularity="county", starts_on=dt.date(2022, 5, 1))
    _push(world, tmp_path, pushlist_rows(1))
    assert KeyPerson.objects.get().risk_level == "high"


def test_an_area_not_at_risk_on_the_arrival_date_does_not_count(world: Any, tmp_path: Path) -> None:
    RiskArea.objects.create(name="某市某区", level="high", granularity="county", starts_on=dt.date(2022, 3, 5))
    _push(world, tmp_path, pushlist_rows(1))
    assert KeyPerson.objects.get().risk_level == ""


def test_a_known_key_person_pushed_from_a_riskier_area_rises_in_risk(world: Any, tmp_path: Path) -> None:
    _push(world, tmp_path, pushlist_rows(1))
    assert KeyPerson.objects.get().risk_level == ""
    RiskArea.objects.create(name="某市", level="medium", granularity="city", starts_on=dt.date(2022, 1, 1))
    _push(world, tmp_path, [*pushlist_rows(1), *pushlist_rows(1, start=4)], name="second.xlsx")
    first = KeyPerson.objects.get(person__document_number=resident_id(5001))
    assert first.risk_level == "medium"
    assert first.sources.count() == 2


def test_known_key_persons_rise_to_a_riskier_origin_and_never_drop(world: Any, tmp_path: Path) -> None:
    RiskArea.objects.create(name="某市", level="low", granularity="city", starts_on=dt.date(2022, 1, 1))
    RiskArea.objects.create(name="某县", level="high", granularity="county", starts_on=dt.date(2022, 1, 1))
    _push(world, tmp_path, pushlist_rows(2))
    assert set(KeyPerson.objects.values_list("risk_level", flat=True)) == {"low"}
    # The second list has person 1 from a high-risk area and person 2 from nowhere at risk.
    first, second = pushlist_rows(2)
    riskier = [*first[:3], "某县某镇", *first[4:]]
    quiet = [*second[:3], "境外某地", *second[4:]]
    _push(world, tmp_path, [riskier, quiet, *pushlist_rows(1, start=3)], name="second.xlsx")
    levels = dict(KeyPerson.objects.values_list("person__document_number", "risk_level"))
    assert levels == {resident_id(5001): "high", resident_id(5002): "low", resident_id(5003): "low"}


def test_a_finished_job_signalled_twice_adds_nothing(world: Any, tmp_path: Path) -> None:
    from fangkong.screening.pushlists import key_persons_from_push_list

    job = _push(world, tmp_path, pushlist_rows(2))
    key_persons_from_push_list(job=job)
    assert KeyPerson.objects.count() == 2
    assert KeyPersonSource.objects.count() == 2


def test_a_list_run_again_after_its_batch_was_removed_adds_no_second_source(world: Any, tmp_path: Path) -> None:
    from fangkong.screening.pushlists import key_persons_from_push_list

    job = _push(world, tmp_path, pushlist_rows(2))
    PushBatch.objects.filter(push_list__job=job).delete()
    batch = key_persons_from_push_list(job=job)
    assert batch is not None
    assert (batch.created, batch.merged) == (0, 2)
    assert KeyPersonSource.objects.count() == 2


def test_a_released_key_person_pushed_again_becomes_a_new_key_person(world: Any, tmp_path: Path) -> None:
    _push(world, tmp_path, pushlist_rows(1))
    KeyPerson.objects.update(clear_state="released", released_at=timezone.now())
    _push(world, tmp_path, [*pushlist_rows(1), *pushlist_rows(1, start=3)], name="later.xlsx")
    first = Person.objects.get(document_number=resident_id(5001))
    assert KeyPerson.objects.filter(person=first, clear_state="new").count() == 1
    assert KeyPerson.objects.filter(person=first).count() == 2


def test_the_detail_page_shows_the_pushed_origin_with_its_risk_area(world: Any, tmp_path: Path) -> None:
    from django.test import Client

    RiskArea.objects.create(name="某市某区", level="high", granularity="county", starts_on=dt.date(2022, 2, 20))
    _push(world, tmp_path, pushlist_rows(1))
    kp = KeyPerson.objects.get()
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(world.user("community_worker", "A"))
    body = client.get(f"/screening/{kp.pk}/").content.decode()
    assert "某市某区 (High risk)" in body


def test_hq_moves_a_push_list_deadline_and_its_unidentified_persons_follow(world: Any, tmp_path: Path) -> None:
    from django.test import Client

    job = _push(world, tmp_path, pushlist_rows(2))
    batch = PushBatch.objects.get(push_list__job=job)
    identified = KeyPerson.objects.order_by("pk").first()
    assert identified is not None
    KeyPerson.objects.filter(pk=identified.pk).update(clear_state="identified")
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(world.hq)
    earlier = timezone.localtime(job.finished_at + dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    response = client.post(
        "/screening/push-lists/", {"batch": batch.pk, "deadline_at": earlier.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 302
    still_new = KeyPerson.objects.get(clear_state="new")
    assert still_new.due_at == earlier
    assert KeyPerson.objects.get(pk=identified.pk).due_at == batch.deadline_at
    page = client.get("/screening/push-lists/").content.decode()
    assert "Push lists" in page
    street = Client()
    street.force_login(world.user("street_admin", "A"))
    assert (
        street.post("/screening/push-lists/", {"batch": batch.pk, "deadline_at": "2030-01-01T00:00"}).status_code == 403
    )


def test_a_person_named_twice_in_one_list_is_one_key_person_with_the_first_rows_origin(
    world: Any, tmp_path: Path
) -> None:
    first, again = pushlist_rows(1), pushlist_rows(1)
    again[0][3] = "另一市"
    job = _push(world, tmp_path, [*first, *pushlist_rows(1, start=2), *again])
    kp = KeyPerson.objects.get(person__document_number=resident_id(5001))
    assert [s.came_from for s in kp.sources.all()] == ["某市某区"]
    assert KeyPerson.objects.count() == 2
    assert KeyPersonSource.objects.count() == 2
    batch = PushBatch.objects.get(push_list__job=job)
    assert (batch.created, batch.merged) == (2, 0)


def test_an_open_key_person_pushed_again_keeps_the_earlier_deadline(world: Any, tmp_path: Path) -> None:
    _push(world, tmp_path, pushlist_rows(2), deadline_hours=48)
    kp1, kp2 = KeyPerson.objects.order_by("pk")
    KeyPerson.objects.filter(pk=kp2.pk).update(clear_state="identified")
    _push(world, tmp_path, pushlist_rows(2), name="sooner.xlsx", deadline_hours=6)
    sooner = PushBatch.objects.order_by("pk").last()
    assert sooner is not None
    assert KeyPerson.objects.get(pk=kp1.pk).due_at == sooner.deadline_at
    # Only a person still to identify is hurried; one already identified keeps their record as it was.
    assert KeyPerson.objects.get(pk=kp2.pk).due_at == kp2.due_at
    _push(world, tmp_path, pushlist_rows(1), name="later.xlsx", deadline_hours=72)
    assert KeyPerson.objects.get(pk=kp1.pk).due_at == sooner.deadline_at


def test_a_mixed_list_adds_sources_to_known_key_persons_and_counts_each_kind(world: Any, tmp_path: Path) -> None:
    _push(world, tmp_path, pushlist_rows(2))
    resident = world.A.person
    job = _push(
        world,
        tmp_path,
        [
            *pushlist_rows(2),  # both known
            *pushlist_rows(1, start=3),  # new, community A
            *pushlist_rows(1, start=4, community=""),  # new, unplaced
            [resident.name, resident.document_number, "", "某市", dt.date(2022, 3, 1), ""],  # new, their grid
        ],
        name="mixed.xlsx",
    )
    batch = PushBatch.objects.get(push_list__job=job)
    assert (batch.created, batch.merged, batch.unplaced, batch.outside) == (3, 2, 1, 0)
    assert KeyPersonSource.objects.filter(push_list__job=job).count() == 5
    assert KeyPerson.objects.count() == 5
    for kp in KeyPerson.objects.filter(person__document_number__in=[resident_id(5001), resident_id(5002)]):
        assert kp.sources.count() == 2
    assert KeyPerson.objects.get(person=resident).place == world.A.grid
    assert KeyPerson.objects.get(person__document_number=resident_id(5003)).place == world.A.community
    unplaced = KeyPerson.objects.get(person__document_number=resident_id(5004))
    assert unplaced.is_unplaced
    assert unplaced.place == world.district
    assert unplaced.place_path == world.district.path


ADDRESS_HEADERS = ["姓名", "证件号码", "联系电话", "现住址", "途经地", "抵达日期"]


def test_rows_naming_no_community_are_routed_by_their_address(world: Any, tmp_path: Path) -> None:
    from fangkong.imports.tests.files import phone
    from fangkong.places.models import Place, PlaceType

    compound = Place.objects.add_child(world.A.grid, instance=Place(type=PlaceType.COMPOUND, name="畅园家属院"))
    building = Place.objects.add_child(compound, instance=Place(type=PlaceType.BUILDING, name="1号楼"))
    flat = Place.objects.add_child(building, instance=Place(type=PlaceType.HOUSEHOLD, name="1单元501"))
    arrived = dt.date(2022, 3, 1)
    rows = [
        ["甲", resident_id(6001), phone(601), "河南省平顶山市测试区街道A社区A畅园家属院1号楼1单元501", "某市", arrived],
        ["乙", resident_id(6002), phone(602), "平顶山测试区畅园家属院一栋1单元501室", "某市", arrived],
        ["丙", resident_id(6003), phone(603), "北京市朝阳区建国路88号", "某市", arrived],
        ["丁", resident_id(6004), phone(604), "测试区小区B", "某市", arrived],
    ]
    path = write_xlsx(tmp_path / "addresses.xlsx", [ADDRESS_HEADERS, *rows])
    job = run(world.hq, path, "pushlist", world.district)
    assert job.status == JobStatus.DONE, job.error
    by_name = {kp.person.name: kp for kp in KeyPerson.objects.select_related("person")}
    for name in ("甲", "乙"):
        assert by_name[name].place == world.A.grid
        assert not by_name[name].is_unplaced
        assert by_name[name].person.place == flat  # a new person is registered at the household the address names
    assert by_name["丙"].outside_district
    assert not by_name["丙"].is_unplaced
    assert by_name["丁"].place == world.B.grid
    assert PushBatch.objects.get(push_list__job=job).unplaced == 0
