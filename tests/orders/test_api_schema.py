"""The store API keeps to its OpenAPI document, and no generated input makes it answer 5xx."""

from __future__ import annotations

import json
from decimal import Decimal

import jsonschema
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.core.transport import Response

from integrations.storesite.signing import sign

from ..factories import ProductFactory, StoreFactory
from .api_client import signed_post, site_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def openapi(client) -> dict:
    response = client.get("/api/schema/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    return (
        json.loads(response.content)
        if response.content.lstrip().startswith(b"{")
        else _yaml(response.content)
    )


def _yaml(content: bytes) -> dict:
    import yaml

    return yaml.safe_load(content)


def _component(openapi: dict, name: str) -> dict:
    schema = {"$ref": f"#/components/schemas/{name}", "components": openapi["components"]}
    return schema


def test_schema_documents_both_operations_with_their_signature(openapi):
    assert openapi["openapi"].startswith("3.")
    assert set(openapi["paths"]) == {"/api/v1/orders/", "/api/v1/orders/{external_id}/"}
    schemes = openapi["components"]["securitySchemes"]
    assert {schemes["storeCode"]["name"], schemes["signature"]["name"]} == {
        "X-Store-Code",
        "X-Signature",
    }
    post = openapi["paths"]["/api/v1/orders/"]["post"]
    assert {"200", "201", "400", "401", "413"} <= set(post["responses"])


def test_answers_validate_against_the_schema(client, store_a, openapi):
    ProductFactory(sku="KETTLE-01")
    ProductFactory(sku="MUG-02")
    created = signed_post(client, store_a, site_order())
    state = client.get(
        "/api/v1/orders/A-1001/",
        headers={"X-Store-Code": store_a.code, "X-Signature": sign(b"", store_a.api_secret)},
    )

    jsonschema.validate(created.json(), _component(openapi, "OrderReceipt"))
    jsonschema.validate(state.json(), _component(openapi, "OrderState"))
    request_schema = _component(openapi, "OrderIntakeRequest")
    jsonschema.validate(site_order(), request_schema)


def test_the_swagger_ui_is_served_from_our_own_static_files(client):
    page = client.get("/api/docs/").content.decode()

    assert "swagger-ui" in page
    assert "cdn" not in page.lower()
    assert "unpkg" not in page.lower()
    assert "/static/drf_spectacular_sidecar/" in page


# --- property-based: schemathesis over the documented operations --------------------------


@pytest.fixture
def signed_store(db):
    store = StoreFactory(code="fuzz", api_secret="fuzz-secret")
    ProductFactory(sku="KETTLE-01", price=Decimal("100.00"))
    return store


@pytest.mark.parametrize("operation_id", ["orders_create", "orders_retrieve"])
def test_no_generated_request_makes_the_api_fail(client, signed_store, openapi, operation_id):
    operation = schemathesis.openapi.from_dict(openapi).find_operation_by_id(operation_id)

    @given(case=operation.as_strategy())
    @settings(
        max_examples=50,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def call(case):
        body = b"" if case.method == "GET" else json.dumps(case.body).encode()
        headers = {"X-Store-Code": signed_store.code, "X-Signature": sign(body, "fuzz-secret")}
        path = case.formatted_path
        if case.method == "GET":
            response = client.get(path, headers=headers)
        else:
            response = client.post(
                path, data=body, content_type="application/json", headers=headers
            )

        assert response.status_code < 500, response.content
        # Schema-valid input may still be refused by rules a schema cannot say (a valid phone,
        # a known pickup point), so a 400 is no failure; the answer must still match the schema.
        case.validate_response(
            _as_response(case.method, path, body, headers, response),
            checks=[
                checks.not_a_server_error,
                checks.status_code_conformance,
                checks.content_type_conformance,
                checks.response_schema_conformance,
            ],
        )

    call()


def _as_response(method, path, body, headers, response) -> Response:
    """The Django test client's answer in the form schemathesis checks."""
    return Response(
        status_code=response.status_code,
        headers={name.lower(): [value] for name, value in response.headers.items()},
        content=response.content,
        request=requests.Request(
            method, f"http://testserver{path}", headers=headers, data=body or None
        ).prepare(),
        elapsed=0.0,
        message=response.reason_phrase,
        encoding="utf-8",
        http_version="1.1",
        verify=False,
    )
