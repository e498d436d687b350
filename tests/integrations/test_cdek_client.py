"""The CDEK client against CDEK's documented wire format (samples from external-apis.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import requests
import time_machine
from responses import matchers

from integrations.cdek.client import (
    TARIFF_DOOR,
    TARIFF_PICKUP_POINT,
    CdekAuthError,
    CdekError,
    CdekItem,
    CdekNotFound,
    CdekPackage,
    build_order_payload,
    create_order,
    delete_webhook,
    ensure_webhook,
    find_order_by_number,
    get_order,
    parse_status_webhook,
    subscribe_webhook,
    tariff_for,
)
from integrations.errors import DeliveryUnknown, PermanentError, TransientError

from .conftest import CDEK, sample

UUID = "11111111-1111-4111-8111-111111111111"
TOKEN_URL = f"{CDEK}/oauth/token"


def _token(http, token="fixture.jwt.token", expires_in=3599):
    return http.post(
        TOKEN_URL,
        json={**sample("cdek_oauth_token.json"), "access_token": token, "expires_in": expires_in},
    )


def _bearer(token="fixture.jwt.token"):
    return matchers.header_matcher({"Authorization": f"Bearer {token}"})


def test_it_gets_a_token_with_client_credentials_and_sends_it(http):
    token = _token(http)
    http.get(f"{CDEK}/orders/{UUID}", json=sample("cdek_order_info.json"), match=[_bearer()])

    get_order(UUID)

    form = parse_qs(token.calls[0].request.body)
    assert form == {
        "grant_type": ["client_credentials"],
        "client_id": ["cdek-test-id"],
        "client_secret": ["cdek-test-secret"],
    }


def test_the_token_is_reused_until_shortly_before_it_expires(http):
    token = _token(http, expires_in=3599)
    order = http.get(f"{CDEK}/orders/{UUID}", json=sample("cdek_order_info.json"))
    with time_machine.travel("2026-08-01 12:00Z", tick=False) as traveller:
        get_order(UUID)
        traveller.shift(timedelta(minutes=50))
        get_order(UUID)
        assert token.call_count == 1
        traveller.shift(timedelta(minutes=9, seconds=30))  # within the last minute
        get_order(UUID)
    assert token.call_count == 2
    assert order.call_count == 3


def test_a_refused_token_is_dropped_and_the_call_made_once_more(http):
    http.post(TOKEN_URL, json={"access_token": "old", "expires_in": 3599})
    http.post(TOKEN_URL, json={"access_token": "new", "expires_in": 3599})
    http.get(f"{CDEK}/orders/{UUID}", status=401, match=[_bearer("old")])
    http.get(f"{CDEK}/orders/{UUID}", json=sample("cdek_order_info.json"), match=[_bearer("new")])

    assert get_order(UUID).uuid == UUID


def test_a_second_401_is_an_auth_error(http):
    _token(http)
    http.get(f"{CDEK}/orders/{UUID}", status=401)

    with pytest.raises(CdekAuthError):
        get_order(UUID)
    assert len([c for c in http.calls if c.request.url == TOKEN_URL]) == 2


def test_bad_credentials_are_a_permanent_auth_error(http):
    http.post(TOKEN_URL, status=401, json={"error": "invalid_client"})

    with pytest.raises(CdekAuthError, match="invalid_client"):
        get_order(UUID)


def test_an_order_reads_with_statuses_newest_first_without_deleted_ones(http):
    _token(http)
    http.get(f"{CDEK}/orders/{UUID}", json=sample("cdek_order_info.json"))

    order = get_order(UUID)

    assert order.uuid == UUID
    assert order.number == "fixture-order-1"
    assert order.cdek_number == "1106207236"
    assert order.tariff_code == 136
    assert order.delivery_point == "NSK23"
    assert [s.code for s in order.statuses] == [
        "RECEIVED_AT_SHIPMENT_WAREHOUSE",
        "CREATED",
        "ACCEPTED",
    ]
    assert order.status.code == "RECEIVED_AT_SHIPMENT_WAREHOUSE"
    assert order.status.date_time == datetime(2026, 8, 2, 9, 12, 40, tzinfo=UTC)
    assert order.status.city == "Москва"
    assert order.create_request.state == "SUCCESSFUL"
    assert order.is_registered
    assert not order.is_invalid


def test_an_order_cdek_refused_after_accepting_shows_its_errors(http):
    body = {
        "entity": {"uuid": UUID, "number": "A-1", "tariff_code": 136, "statuses": []},
        "requests": [
            {
                "type": "CREATE",
                "state": "INVALID",
                "date_time": "2026-08-01T14:34:20+0000",
                "errors": [{"code": "v2_pvz_not_found", "message": "Office NSK99 not found"}],
            }
        ],
    }
    _token(http)
    http.get(f"{CDEK}/orders/{UUID}", json=body)

    order = get_order(UUID)

    assert order.is_invalid
    assert not order.is_registered
    assert order.create_request.errors == [
        {"code": "v2_pvz_not_found", "message": "Office NSK99 not found"}
    ]
    assert order.status is None


def test_an_unknown_uuid_is_not_found_with_cdeks_message(http):
    _token(http)
    http.get(f"{CDEK}/orders/{UUID}", status=404, json=sample("cdek_error_entity_not_found.json"))

    with pytest.raises(CdekNotFound, match="v2_entity_not_found: Entity is not found") as info:
        get_order(UUID)
    assert info.value.codes == ["v2_entity_not_found"]
    assert info.value.status_code == 404


def test_a_uuid_cannot_add_a_path_segment(http):
    _token(http)
    http.get(f"{CDEK}/orders/..%2Fwebhooks", json=sample("cdek_order_info.json"))

    get_order("../webhooks")


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_429_and_5xx_are_transient_with_retry_after(http, status):
    _token(http)
    http.get(f"{CDEK}/orders/{UUID}", status=status, headers={"Retry-After": "7"}, body="busy")

    with pytest.raises(TransientError) as info:
        get_order(UUID)
    assert info.value.retry_after == 7


def test_a_timeout_reading_is_transient(http):
    _token(http)
    http.get(f"{CDEK}/orders/{UUID}", body=requests.ConnectTimeout())

    with pytest.raises(TransientError):
        get_order(UUID)


def test_a_timeout_on_create_is_delivery_unknown_since_cdek_does_not_deduplicate(http):
    _token(http)
    http.post(f"{CDEK}/orders", body=requests.ReadTimeout())

    with pytest.raises(DeliveryUnknown):
        create_order(sample("cdek_order_create_request.json"))


def test_create_sends_the_payload_and_returns_the_accepted_order(http):
    payload = sample("cdek_order_create_request.json")
    _token(http)
    http.post(
        f"{CDEK}/orders",
        status=202,
        json=sample("cdek_order_create_response.json"),
        match=[matchers.json_params_matcher(payload), _bearer()],
    )

    order = create_order(payload)

    assert order.uuid == UUID
    assert order.create_request.state == "ACCEPTED"
    assert order.cdek_number is None
    assert order.statuses == []


def test_a_refused_create_is_a_cdek_error_with_its_codes(http):
    _token(http)
    body = {
        "requests": [
            {
                "type": "CREATE",
                "state": "INVALID",
                "date_time": "2026-08-01T14:34:18+0000",
                "errors": [
                    {"code": "v2_field_is_empty", "message": "Field is empty: recipient.name"}
                ],
            }
        ]
    }
    http.post(f"{CDEK}/orders", status=400, json=body)

    with pytest.raises(CdekError, match=r"recipient\.name") as info:
        create_order({"number": "A-1"})
    assert not isinstance(info.value, CdekNotFound)
    assert isinstance(info.value, PermanentError)


def test_find_by_number_asks_by_im_number(http):
    _token(http)
    http.get(
        f"{CDEK}/orders",
        json=sample("cdek_order_info.json"),
        match=[matchers.query_param_matcher({"im_number": "fixture-order-1"})],
    )

    assert find_order_by_number("fixture-order-1").uuid == UUID


def test_find_by_number_is_none_when_cdek_has_no_such_order(http):
    _token(http)
    body = {
        "requests": [
            {
                "type": "GET",
                "state": "INVALID",
                "errors": [{"code": "v2_entity_not_found_im_number", "message": "Not found"}],
            }
        ]
    }
    http.get(f"{CDEK}/orders", status=400, json=body)

    assert find_order_by_number("A-404") is None


def test_subscribe_webhook_posts_order_status(http):
    _token(http)
    http.post(
        f"{CDEK}/webhooks",
        json={
            "entity": {"uuid": "hook-1"},
            "requests": [{"type": "CREATE", "state": "SUCCESSFUL"}],
        },
        match=[
            matchers.json_params_matcher(
                {"url": "https://office.test/webhooks/cdek/", "type": "ORDER_STATUS"}
            )
        ],
    )

    assert subscribe_webhook("https://office.test/webhooks/cdek/") == "hook-1"


def test_too_many_webhooks_is_a_permanent_error(http):
    _token(http)
    http.post(f"{CDEK}/webhooks", status=400, json=sample("cdek_error_too_many_webhooks.json"))

    with pytest.raises(CdekError, match="Maximum allowed is 2") as info:
        subscribe_webhook("https://office.test/webhooks/cdek/")
    assert info.value.codes == ["v2_too_many_webhooks"]


def test_ensure_webhook_subscribes_only_once(http):
    url = "https://office.test/webhooks/cdek/"
    _token(http)
    http.get(f"{CDEK}/webhooks", json=[{"uuid": "hook-1", "url": url, "type": "ORDER_STATUS"}])

    assert ensure_webhook(url) == "hook-1"
    assert not [c for c in http.calls if c.request.method == "POST" and "webhooks" in c.request.url]


def test_delete_webhook(http):
    _token(http)
    http.delete(f"{CDEK}/webhooks/hook-1", json={"entity": {"uuid": "hook-1"}})

    delete_webhook("hook-1")


def test_a_status_webhook_reads_in_cdeks_shape():
    body = json.dumps(sample("cdek_webhook_order_status.json")).encode()

    event = parse_status_webhook(body)

    assert event.uuid == UUID
    assert event.code == "ACCEPTED_AT_PICK_UP_POINT"
    assert event.cdek_number == "1106207236"
    assert event.number == "fixture-order-1"
    assert event.city == "Новосибирск"
    assert event.date_time == datetime(2026, 8, 3, 11, 20, tzinfo=timezone(timedelta(hours=7)))


def test_a_status_webhook_with_city_instead_of_city_name_reads_too():
    data = sample("cdek_webhook_order_status.json")
    del data["attributes"]["city_name"]
    data["attributes"]["city"] = "Новосибирск"

    assert parse_status_webhook(json.dumps(data).encode()).city == "Новосибирск"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        json.dumps({"type": "PRINT_FORM", "uuid": UUID, "attributes": {}}).encode(),
        json.dumps({"type": "ORDER_STATUS", "attributes": {"code": "CREATED"}}).encode(),
        json.dumps({"type": "ORDER_STATUS", "uuid": UUID, "attributes": {}}).encode(),
        json.dumps(
            {
                "type": "ORDER_STATUS",
                "uuid": UUID,
                "attributes": {"code": "CREATED", "status_date_time": "yesterday"},
            }
        ).encode(),
    ],
)
def test_a_malformed_status_webhook_is_refused(body):
    with pytest.raises(PermanentError):
        parse_status_webhook(body)


def test_the_payload_for_a_pickup_point_matches_the_documented_request():
    payload = build_order_payload(
        number="fixture-order-1",
        tariff_code=TARIFF_PICKUP_POINT,
        shipment_point="MSK65",
        delivery_point="NSK23",
        recipient_name="Тестовый получатель",
        recipient_phone="+70000000001",
        packages=[
            CdekPackage(
                number="1",
                weight=100,
                comment="приложена опись",
                items=[
                    CdekItem(
                        name="Тестовый товар",
                        ware_key="fixture-item",
                        cost=Decimal("100"),
                        weight=100,
                        amount=1,
                    )
                ],
            )
        ],
    )

    assert payload == sample("cdek_order_create_request.json")


def test_the_payload_for_the_door_carries_the_address_and_cash_on_delivery():
    payload = build_order_payload(
        number="A-37",
        tariff_code=TARIFF_DOOR,
        shipment_point="MSK65",
        to_location={"city": "Novosibirsk", "address": "st. Bluchera, 32"},
        recipient_name="Ivaniv Ivan",
        recipient_phone="+79134637228",
        recipient_email="ivan@example.com",
        delivery_recipient_cost=Decimal("50"),
        packages=[
            CdekPackage(
                number="bar-001",
                weight=1400,
                items=[
                    CdekItem("Product", "00055", Decimal("300"), 700, 2, payment=Decimal("1500.50"))
                ],
            )
        ],
    )

    assert payload["to_location"] == {"city": "Novosibirsk", "address": "st. Bluchera, 32"}
    assert "delivery_point" not in payload
    assert payload["recipient"]["email"] == "ivan@example.com"
    assert payload["delivery_recipient_cost"] == {"value": 50}
    assert payload["packages"][0]["items"][0]["payment"] == {"value": 1500.5}


@pytest.mark.parametrize(
    "changes",
    [
        {"delivery_point": ""},  # pickup-point tariff without a point
        {"tariff_code": TARIFF_DOOR},  # door tariff without an address
        {"number": "Заказ-1"},  # not ASCII
        {"number": "x" * 41},
        {"packages": []},
        {"shipment_point": ""},
    ],
)
def test_a_payload_cdek_would_refuse_is_a_value_error(changes):
    arguments = {
        "number": "A-1",
        "tariff_code": TARIFF_PICKUP_POINT,
        "shipment_point": "MSK65",
        "delivery_point": "NSK23",
        "recipient_name": "Иван",
        "recipient_phone": "+79990000000",
        "packages": [CdekPackage("1", 100, [CdekItem("Чайник", "SKU1", Decimal(1), 100, 1)])],
    }
    with pytest.raises(ValueError, match=r"number|package|tariff|shipment_point"):
        build_order_payload(**{**arguments, **changes})


def test_tariffs_come_from_settings(settings):
    settings.CDEK_TARIFF_PICKUP_POINT = 234
    settings.CDEK_TARIFF_DOOR = 233

    assert tariff_for(to_pickup_point=True) == 234
    assert tariff_for(to_pickup_point=False) == 233
