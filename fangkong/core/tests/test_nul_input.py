"""A NUL character anywhere in a request's path, query string or JSON body gets a clear refusal, never a 500.

PostgreSQL refuses NUL in every text parameter; the API fuzzer's dictionary found `?category=a%00b` on the
key-person list answering 500 there (SQLite accepts it, so the same request must be refused on both).
"""

from __future__ import annotations

import json

import pytest

from fangkong.api.testing import bearer_client

pytestmark = pytest.mark.django_db


def test_a_nul_in_an_api_filter_is_a_422_in_the_api_error_shape(world):
    client = bearer_client(world.hq)
    response = client.get("/api/v1/key-persons/?category=a%00b", headers={"accept-language": "en"})
    assert response.status_code == 422
    body = response.json()
    assert "NUL" in body["message"]
    assert list(body["errors"]) == ["category"]


def test_a_nul_in_one_item_of_a_gate_batch_rejects_that_item_only_on_every_engine(world):
    """Bodies are not refused whole: one bad item of a gate's batch must not cost the other passages."""
    import uuid

    from django.utils import timezone

    from fangkong.checkpoints.models import Registration
    from fangkong.checkpoints.tests.factories import make_checkpoint

    gate = make_checkpoint(world.hq, world.A.community, name="A东门")

    def item(**values):
        base = {
            "client_id": str(uuid.uuid4()),
            "checkpoint_id": gate.pk,
            "direction": "in",
            "temperature": 36.5,
            "health_code": "green",
            "occurred_at": timezone.now().isoformat(),
            "phone": world.A.person.phone,
        }
        return base | values

    client = bearer_client(world.hq)
    batch = {"items": [item(), item(name="张\u0000三")]}
    response = client.post("/api/v1/registrations/batch", json.dumps(batch), content_type="application/json")
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["created", "rejected"]
    assert Registration.objects.count() == 1


def test_a_nul_in_a_page_path_or_query_is_a_400_with_a_message(client, world):
    client.force_login(world.hq)
    for url in ("/quarantine/verify/JC%00X/", "/people/?q=x&place=%00"):
        response = client.get(url, headers={"accept-language": "en"})
        assert response.status_code == 400, url
        assert "NUL character" in response.content.decode()
    assert client.get("/people/?q=x").status_code == 200
