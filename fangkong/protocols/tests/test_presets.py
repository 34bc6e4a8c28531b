from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from fangkong.protocols.models import Category, Phase, Protocol
from fangkong.protocols.presets import check_protocol_data, read_preset
from fangkong.protocols.selectors import active_protocol, build_schedule, category_of

pytestmark = pytest.mark.django_db


def _phases(protocol_code: str, category: str) -> list[tuple[str, int, list[int]]]:
    cat = Category.objects.get(protocol__code=protocol_code, code=category)
    return [(p.kind, p.days, p.test_days) for p in cat.phases.all()]


def test_ninth_edition_close_contacts_get_seven_central_plus_three_home_monitoring() -> None:
    assert _phases("covid19-9th-edition", "close_contact") == [
        ("central_quarantine", 7, [1, 2, 3, 5, 7]),
        ("home_monitoring", 3, [3]),
    ]


def test_ninth_edition_secondary_contacts_get_seven_days_home_quarantine_tested_on_days_1_4_7() -> None:
    assert _phases("covid19-9th-edition", "secondary_contact") == [("home_quarantine", 7, [1, 4, 7])]


def test_ninth_edition_inbound_travellers_get_seven_plus_three() -> None:
    assert _phases("covid19-9th-edition", "inbound") == [
        ("central_quarantine", 7, [1, 2, 3, 5, 7]),
        ("home_monitoring", 3, [3]),
    ]


def test_seeds_preset_is_fourteen_plus_seven_plus_seven_with_tests_on_central_days_1_4_7_14() -> None:
    phases = _phases("covid19-2020-provincial", "inbound")
    assert [(kind, days) for kind, days, _t in phases] == [
        ("central_quarantine", 14),
        ("home_quarantine", 7),
        ("home_monitoring", 7),
    ]
    assert phases[0][2] == [1, 4, 7, 14]


def test_a_district_without_a_choice_works_by_the_ninth_edition(world: Any) -> None:
    active = active_protocol(world.district)
    assert active.protocol.code == "covid19-9th-edition"
    assert active.activation is None


def test_schedule_dates_each_phase_and_its_test_days() -> None:
    protocol = Protocol.objects.prefetch_related("categories__phases").get(code="covid19-9th-edition")
    category = category_of(protocol, "close_contact")
    assert category is not None
    schedule = build_schedule(category, dt.date(2022, 7, 1))
    assert schedule[0]["starts_on"] == "2022-07-01"
    assert schedule[0]["ends_on"] == "2022-07-07"
    assert schedule[0]["test_dates"] == ["2022-07-01", "2022-07-02", "2022-07-03", "2022-07-05", "2022-07-07"]
    assert schedule[1]["starts_on"] == "2022-07-08"
    assert schedule[1]["test_dates"] == ["2022-07-10"]


def test_another_disease_is_added_from_a_json_file(tmp_path: Path) -> None:
    data = {
        "code": "mpox-2026",
        "disease": "猴痘",
        "name": "猴痘防控方案",
        "categories": [
            {
                "code": "close_contact",
                "name": "密切接触者",
                "push_default": True,
                "phases": [{"kind": "home_monitoring", "days": 21, "test_days": []}],
            }
        ],
    }
    path = tmp_path / "mpox.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command("load_protocol", str(path))
    assert Phase.objects.get(category__protocol__code="mpox-2026").days == 21


def test_a_protocol_file_with_test_days_outside_the_phase_is_refused(tmp_path: Path) -> None:
    data = read_preset("covid19-9th-edition.json")
    data["code"] = "broken"
    data["categories"][0]["phases"][0]["test_days"] = [9]
    with pytest.raises(ValidationError, match="between 1 and 7"):
        check_protocol_data(data)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("load_protocol", str(path))
    assert not Protocol.objects.filter(code="broken").exists()


def test_hq_makes_a_new_version_edits_it_and_presets_stay_read_only(world: Any) -> None:
    from django.test import Client

    preset = Protocol.objects.get(code="covid19-9th-edition")
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(world.hq)
    assert client.get(f"/protocols/{preset.pk}/edit/").status_code == 403
    response = client.post(f"/protocols/{preset.pk}/copy/")
    copy = Protocol.objects.get(code="covid19-9th-edition-v2")
    assert response.status_code == 302
    data = read_preset("covid19-9th-edition.json")
    data["code"] = copy.code
    data["categories"][0]["phases"][0]["days"] = 5
    data["categories"][0]["phases"][0]["test_days"] = [1, 5]
    response = client.post(f"/protocols/{copy.pk}/edit/", {"data": json.dumps(data, ensure_ascii=False)})
    assert response.status_code == 302
    assert _phases(copy.code, "returnee_high_risk") == [("central_quarantine", 5, [1, 5])]
    assert _phases("covid19-9th-edition", "returnee_high_risk") == [("central_quarantine", 7, [1, 2, 3, 5, 7])]
    data["categories"][0]["phases"][0]["test_days"] = [6]
    body = client.post(f"/protocols/{copy.pk}/edit/", {"data": json.dumps(data)}).content.decode()
    assert "between 1 and 5" in body
    assert client.post(f"/protocols/{copy.pk}/edit/", {"data": "not json"}).status_code == 200
    street = Client()
    street.force_login(world.user("street_admin", "A"))
    assert street.post(f"/protocols/{copy.pk}/edit/", {"data": json.dumps(data)}).status_code == 403
