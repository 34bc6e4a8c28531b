"""The published surface: OpenAPI document, docs page, and the error shape."""

import re

import pytest

from fangkong.accounts.models import Role
from fangkong.api.testing import api_client, bearer_client

pytestmark = pytest.mark.django_db

CONTRACT = {
    "/api/v1/auth/token": {"post"},
    "/api/v1/me": {"get"},
    "/api/v1/persons/": {"get", "post"},
    "/api/v1/persons/{person_id}": {"get", "patch"},
    "/api/v1/places/": {"get"},
    "/api/v1/places/{place_id}": {"get"},
    "/api/v1/places/{place_id}/children": {"get"},
    "/api/v1/places/{place_id}/summary": {"get"},
}


@pytest.fixture
def schema():
    response = api_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_openapi_lists_every_contract_path_and_method(schema):
    assert schema["info"]["title"] == "Fangkong API"
    for path, methods in CONTRACT.items():
        assert methods <= set(schema["paths"][path]), path


def test_openapi_declares_the_statuses_the_person_endpoints_answer_with(schema):
    create = schema["paths"]["/api/v1/persons/"]["post"]["responses"]
    update = schema["paths"]["/api/v1/persons/{person_id}"]["patch"]["responses"]

    assert {"201", "400", "401", "403", "404", "409", "422"} <= set(create)
    assert {"200", "409", "422"} <= set(update)


def test_openapi_documents_bearer_and_session_auth_and_leaves_token_endpoint_open(schema):
    schemes = schema["components"]["securitySchemes"]

    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    assert "security" not in schema["paths"]["/api/v1/auth/token"]["post"]
    assert schema["paths"]["/api/v1/persons/"]["get"]["security"]


def test_openapi_enumerates_document_types(schema):
    person_in = schema["components"]["schemas"]["PersonIn"]["properties"]["document_type"]

    assert set(person_in["enum"]) == {"resident_id", "passport", "hk_macau_pass", "other"}


def test_docs_page_loads_its_assets_locally_without_a_cdn(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        asset_response = client.get(asset)
        assert asset_response.status_code == 200, asset
        asset_response.close()


def test_unknown_object_is_404_in_json(world):
    response = bearer_client(world.hq).get("/api/v1/persons/123456789")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"message": "Not found"}


def test_id_zero_is_422_with_the_parameter_named(world):
    response = bearer_client(world.hq).get("/api/v1/places/0")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["place_id"]


def test_validation_messages_follow_the_requested_language(world):
    client = bearer_client(world.user(Role.GRID_WORKER, "A"))

    english = client.post("/api/v1/persons/", data={}, content_type="application/json")
    chinese = client.post(
        "/api/v1/persons/", data={}, content_type="application/json", headers={"Accept-Language": "zh-hans"}
    )

    assert english.json()["errors"]["name"] == ["This field is required."]
    assert chinese.json()["errors"]["name"] != english.json()["errors"]["name"]


def test_the_api_root_is_an_index_with_links_to_the_docs(client):
    """/api/v1/ used to answer 404 (issue 16 B17); it lists the operations and links the docs."""
    response = client.get("/api/v1/")

    assert response.status_code == 200
    body = response.json()
    assert body["docs"].endswith("/api/v1/docs")
    assert body["openapi"].endswith("/api/v1/openapi.json")
    assert body["token"].endswith("/api/v1/auth/token")
    listed = {(op["method"], op["path"]) for ops in body["sections"].values() for op in ops}
    assert ("GET", "/api/v1/persons/") in listed
    assert all(op["docs"].startswith("/api/v1/docs#/") for ops in body["sections"].values() for op in ops)
    assert client.get(body["docs"].removeprefix("http://testserver")).status_code == 200
    assert client.post("/api/v1/").status_code == 405
