"""The real CDEK client against the fake one: both speak the same wire format, and the
sandbox's journeys, refusals and pushes read the way the shipments code expects."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import responses
import time_machine

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
    list_webhooks,
    parse_status_webhook,
    poll_limiter,
)
from integrations.sandbox import cdek as sandbox_cdek
from integrations.sandbox.views.cdek import CLIENT_ID, CLIENT_SECRET

from .conftest import SITE

pytestmark = pytest.mark.usefixtures("sandbox")

HOST = "http://sandbox.test"
WEBHOOK = f"{SITE}/webhooks/cdek/"
START = "2026-08-01 12:00:00+00:00"


@pytest.fixture(autouse=True)
def _through_the_sandbox(settings, client, http):
    settings.CDEK_API_URL = f"{HOST}/sandbox/cdek/v2"
    settings.CDEK_CLIENT_ID = CLIENT_ID
    settings.CDEK_CLIENT_SECRET = CLIENT_SECRET
    settings.SANDBOX_CDEK_STEP_SECONDS = 30

    def forward(request):
        url = urlsplit(request.url)
        body = request.body or b""
        response = client.generic(
            request.method,
            url.path,
            data=body.encode() if isinstance(body, str) else body,
            content_type=request.headers.get("Content-Type", ""),
            headers={"Authorization": request.headers.get("Authorization", "")},
            QUERY_STRING=url.query,
        )
        return response.status_code, {}, response.content

    pattern = re.compile(rf"{re.escape(HOST)}/.*")
    for method in (responses.GET, responses.POST, responses.DELETE):
        http.add_callback(method, pattern, callback=forward)
    http.assert_all_requests_are_fired = False


@pytest.fixture
def pushes(http):
    """ORDER_STATUS pushes the sandbox sent to our webhook, as the client reads them."""
    received = []

    def accept(request):
        received.append(parse_status_webhook(request.body))
        return 200, {}, b""

    http.add_callback(responses.POST, WEBHOOK, callback=accept)
    return received


def _payload(number="A-37", name="Анна Смирнова", **changes):
    arguments = {
        "number": number,
        "tariff_code": TARIFF_PICKUP_POINT,
        "shipment_point": "MSK65",
        "delivery_point": "NSK23",
        "recipient_name": name,
        "recipient_phone": "+79991234567",
        "packages": [
            CdekPackage(
                number="1",
                weight=1200,
                items=[CdekItem("Чайник электрический", "KETTLE-1", Decimal("1500"), 1200, 1)],
            )
        ],
    }
    return build_order_payload(**{**arguments, **changes})


def _ticks(count: int, traveller) -> None:
    for _ in range(count):
        traveller.shift(timedelta(seconds=30))
        sandbox_cdek.tick()


def test_an_order_is_accepted_registered_and_delivered_with_pushes(pushes):
    assert ensure_webhook(WEBHOOK) == ensure_webhook(WEBHOOK)
    with time_machine.travel(START, tick=False) as traveller:
        accepted = create_order(_payload())
        assert accepted.create_request.state == "ACCEPTED"
        assert get_order(accepted.uuid).is_registered is False

        traveller.shift(timedelta(seconds=sandbox_cdek.VALIDATION_SECONDS))
        registered = get_order(accepted.uuid)
        assert registered.is_registered
        assert registered.status.code == "CREATED"

        _ticks(10, traveller)
        delivered = get_order(accepted.uuid)

    assert delivered.status.code == "DELIVERED"
    assert delivered.status.city == "Новосибирск"
    assert delivered.cdek_number == registered.cdek_number
    assert [s.code for s in delivered.statuses][-2:] == ["CREATED", "ACCEPTED"]
    assert [p.code for p in pushes] == [s.code for s in reversed(delivered.statuses)][1:]
    assert all(p.uuid == accepted.uuid and p.number == "A-37" for p in pushes)
    assert find_order_by_number("A-37") == delivered


def test_an_unknown_pickup_point_is_invalid_after_acceptance():
    with time_machine.travel(START, tick=False) as traveller:
        accepted = create_order(_payload(delivery_point="NSK99"))
        traveller.shift(timedelta(seconds=5))
        order = get_order(accepted.uuid)

    assert order.is_invalid
    assert order.create_request.errors[0]["code"] == "v2_entity_not_found"
    assert "NSK99" in order.create_request.errors[0]["message"]


def test_a_door_order_and_a_recipient_who_refuses(pushes):
    ensure_webhook(WEBHOOK)
    payload = _payload(
        tariff_code=TARIFF_DOOR,
        delivery_point="",
        to_location={"city": "Казань", "address": "ул. Баумана, 1"},
        name="Пётр НЕ ЗАБЕРЁТ",
    )
    with time_machine.travel(START, tick=False) as traveller:
        accepted = create_order(payload)
        _ticks(12, traveller)
        order = get_order(accepted.uuid)

    assert order.status.code == "NOT_DELIVERED"
    assert order.status.reason_code == "11"
    assert pushes[-1].code == "NOT_DELIVERED"
    assert pushes[-1].reason_code == "11"


def test_refusals_read_as_cdek_errors():
    with pytest.raises(CdekError, match=r"recipient\.phones") as caught:
        create_order({**_payload(), "recipient": {"name": "Анна"}})
    assert caught.value.codes == ["v2_field_is_empty"]
    with pytest.raises(CdekNotFound):
        get_order("00000000-0000-4000-8000-000000000000")
    assert find_order_by_number("NO-SUCH") is None


def test_wrong_credentials_are_an_auth_error(settings):
    settings.CDEK_CLIENT_SECRET = "wrong"

    with pytest.raises(CdekAuthError, match="invalid_client"):
        get_order("00000000-0000-4000-8000-000000000000")


def test_webhooks_list_and_delete():
    uuid = ensure_webhook(WEBHOOK)

    assert [h["url"] for h in list_webhooks()] == [WEBHOOK]
    delete_webhook(uuid)
    assert list_webhooks() == []


def test_polling_through_the_limiter():
    numbers = [f"P-{i}" for i in range(5)]
    uuids = [create_order(_payload(number=n)).uuid for n in numbers]
    limiter = poll_limiter(rate=1000)

    polled = []
    for uuid in uuids:
        limiter.acquire()
        polled.append(get_order(uuid).number)

    assert polled == numbers
