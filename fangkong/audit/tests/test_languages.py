"""An audit row reads in its reader's language: summaries written with `say` are stored in every UI
language, and the codes in `changes` (states, categories) are shown as their labels."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.test import Client

from fangkong.audit.models import AuditEvent
from fangkong.core.tests.test_visible_codes import visible_text
from fangkong.screening.services import add_key_person, set_category, transition

pytestmark = pytest.mark.django_db


def _page(world: Any, language: str, url: str = "/audit/") -> Any:
    client = Client(headers={"Accept-Language": language})
    client.force_login(world.hq)
    return client.get(url)


@pytest.fixture
def worked(world: Any) -> Any:
    from fangkong.screening.services import SourceInput

    kp, _created = add_key_person(
        actor=world.hq, person=world.A.person, category="returnee_medium_risk", source=SourceInput(kind="tip_off")
    )
    kp = set_category(actor=world.hq, key_person=kp, category="returnee_high_risk")
    return transition(actor=world.hq, key_person=kp, to="identified")


def test_a_summary_is_stored_in_every_language(world: Any, worked: Any) -> None:
    event = AuditEvent.objects.filter(object_type="screening.keyperson", changes__has_key="clear_state").get()
    assert event.summary_i18n is not None
    assert set(event.summary_i18n) == {"zh-hans", "en"}
    assert event.summary == f"Key person {event.object_id}: Not yet identified → Identified"
    assert event.summary_i18n["zh-hans"] == f"重点人员 {event.object_id}：未找到 → 人员清"


def test_the_audit_log_shows_labels_in_chinese(world: Any, worked: Any) -> None:
    text = "\n".join(visible_text(_page(world, "zh-hans").content.decode()))
    assert f"重点人员 {worked.pk}：未找到 → 人员清" in text  # the summary
    assert "状态: 未找到 → 人员清" in text  # the changes, from the codes stored
    assert "中风险区来返人员 → 高风险区来返人员" in text
    for code in ("returnee_medium_risk", "returnee_high_risk", "identified", "tip_off", "screening.keyperson"):
        assert code not in text


def test_the_audit_log_shows_labels_in_english(world: Any, worked: Any) -> None:
    body = _page(world, "en").content.decode()
    assert f"Key person {worked.pk}: Not yet identified → Identified" in body
    assert "returnee_medium_risk" not in body


def test_the_audit_export_shows_labels_in_the_readers_language(world: Any, worked: Any) -> None:
    response = _page(world, "zh-hans", "/audit/export/")
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    cells = [str(c) for row in openpyxl.load_workbook(io.BytesIO(raw)).active.iter_rows(values_only=True) for c in row]
    assert f"重点人员 {worked.pk}：未找到 → 人员清" in cells
    assert not [c for c in cells if "returnee_" in c or "tip_off" in c]
