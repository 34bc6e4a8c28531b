import datetime as dt

from fangkong.core.testing.idnumbers import make_resident_id
from fangkong.people.services import PersonInput, create_person, merge_persons, update_person
from fangkong.places.counts import rebuild_counts
from fangkong.places.models import PlaceCount, PlaceType
from fangkong.places.services import create_place, move_place, update_place


def snapshot():
    return sorted(PlaceCount.objects.filter(n__gt=0).values_list("place__path", "key", "n"))


def register(world, place, seq, **extra):
    number = make_resident_id("410402", dt.date(1970, 1, 1) + dt.timedelta(days=seq), seq, male=seq % 2 == 0)
    return create_person(
        actor=world.hq,
        data=PersonInput(name=f"人{seq}", document_type="resident_id", document_number=number, place=place, **extra),
    )


def test_counts_kept_by_services_equal_a_full_rebuild(world):
    grid2 = create_place(actor=world.hq, parent=world.A.community, type=PlaceType.GRID, name="网格A2")
    court = create_place(
        actor=world.hq, parent=grid2, type=PlaceType.COMPOUND, name="老院", is_ownerless=True, cadre_name="王"
    )
    homes = [create_place(actor=world.hq, parent=court, type=PlaceType.HOUSEHOLD, name=f"户{i}") for i in range(3)]
    people = [register(world, homes[i % 3], i, resident_type="floating" if i % 2 else "permanent") for i in range(7)]
    move_place(actor=world.hq, place=court, new_parent=world.B.grid)
    update_person(
        actor=world.hq,
        person=people[0],
        data=PersonInput(
            name=people[0].name,
            document_type="resident_id",
            document_number=people[0].document_number,
            place=world.A.household,
            resident_type="floating",
        ),
    )
    merge_persons(actor=world.hq, survivor=people[1], duplicate=people[2])
    spare = create_place(actor=world.hq, parent=world.A.grid, type=PlaceType.COMPOUND, name="空院")
    update_place(actor=world.hq, place=spare, type=PlaceType.HOUSEHOLD)

    incremental = snapshot()
    rebuild_counts()
    assert incremental == snapshot()


def test_district_counts_follow_a_moved_compound(world):
    before_a = dict(PlaceCount.objects.filter(place=world.A.street).values_list("key", "n"))
    move_place(actor=world.hq, place=world.A.compound, new_parent=world.B.grid)
    after_a = dict(PlaceCount.objects.filter(place=world.A.street).values_list("key", "n"))
    after_b = dict(PlaceCount.objects.filter(place=world.B.street).values_list("key", "n"))
    assert before_a[PlaceCount.PERSONS] == 1
    assert after_a[PlaceCount.PERSONS] == 0
    assert after_a[PlaceType.HOUSEHOLD] == 0
    assert after_b[PlaceCount.PERSONS] == 2
    assert after_b[PlaceType.COMPOUND] == 2
