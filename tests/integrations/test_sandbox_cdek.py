"""The fake CDEK through Django's test client: its API, its journeys, its pushes and buttons."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django.utils.translation import override

from integrations.cdek.client import parse_status_webhook
from integrations.sandbox import cdek
from integrations.sandbox.models import SandboxCdekOrder, SandboxCdekStatus, SandboxCdekWebhook
from integrations.sandbox.tasks import cdek_advance_task
from integrations.sandbox.views.cdek import CLIENT_ID, CLIENT_SECRET

from .conftest import SITE, sample

pytestmark = pytest.mark.usefixtures("sandbox")

API = "/sandbox/cdek/v2"
WEBHOOK = f"{SITE}/webhooks/cdek/"
START = "2026-08-01 12:00:00+00:00"

PICKUP_JOURNEY = [
    "ACCEPTED",
    "CREATED",
    "RECEIVED_AT_SHIPMENT_WAREHOUSE",
    "READY_TO_SHIP_AT_SENDING_OFFICE",
    "TAKEN_BY_TRANSPORTER_FROM_SENDER_CITY",
    "SENT_TO_RECIPIENT_CITY",
    "ACCEPTED_AT_RECIPIENT_CITY_WAREHOUSE",
    "ACCEPTED_AT_PICK_UP_POINT",
    "DELIVERED",
]


@pytest.fixture(autouse=True)
def _pace(settings):
    settings.SANDBOX_CDEK_STEP_SECONDS = 30


@pytest.fixture
def token(client):
    response = client.post(
        f"{API}/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )
    assert response.status_code == 200
    return response.json()["access_token"]


@pytest.fixture
def api(client, token):
    """Call the API as the client does: JSON with a Bearer token."""

    def send(method: str, path: str, body=None, **params):
        return client.generic(
            method,
            f"{API}{path}",
            data=json.dumps(body) if body is not None else b"",
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
            QUERY_STRING="&".join(f"{k}={v}" for k, v in params.items()),
        )

    return send


def _payload(**changes):
    return {**sample("cdek_order_create_request.json"), **changes}


def _create(api, **changes) -> str:
    response = api("POST", "/orders", _payload(**changes))
    assert response.status_code == 202, response.content
    return response.json()["entity"]["uuid"]


def _walk(*, steps: int, start=START, seconds=30):
    """Run the beat tick `steps` times, `seconds` apart, from VALIDATION_SECONDS after start."""
    with time_machine.travel(start, tick=False) as traveller:
        traveller.shift(timedelta(seconds=cdek.VALIDATION_SECONDS))
        for _ in range(steps):
            cdek.tick()
            traveller.shift(timedelta(seconds=seconds))


def test_the_token_needs_the_configured_credentials(client):
    response = client.post(
        f"{API}/oauth/token",
        {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "x"},
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_the_token_is_taken_from_the_query_string_too(client):
    response = client.post(
        f"{API}/oauth/token?grant_type=client_credentials"
        f"&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}"
    )

    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3599


def test_the_api_refuses_a_missing_or_expired_token(client, token):
    assert client.get(f"{API}/webhooks").status_code == 401
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        response = client.get(f"{API}/webhooks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["requests"][0]["state"] == "INVALID"


def test_create_answers_202_accepted_like_the_recorded_response(api):
    with time_machine.travel(START, tick=False):
        response = api("POST", "/orders", _payload())

    body = response.json()
    recorded = sample("cdek_order_create_response.json")
    assert response.status_code == 202
    assert body.keys() == recorded.keys()
    assert body["requests"][0]["state"] == "ACCEPTED"
    assert body["requests"][0]["date_time"] == "2026-08-01T12:00:00+0000"
    assert SandboxCdekOrder.objects.get().uuid == body["entity"]["uuid"]


def test_the_door_sample_is_accepted_too(api):
    response = api("POST", "/orders", sample("cdek_order_create_request_door.json"))

    assert response.status_code == 202
    assert SandboxCdekOrder.objects.get().kind == SandboxCdekOrder.Kind.DOOR


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tariff_code": None}, "tariff_code"),
        ({"recipient": {"phones": [{"number": "+70000000001"}]}}, "recipient.name"),
        ({"recipient": {"name": "Иван"}}, "recipient.phones"),
        ({"packages": []}, "packages"),
        ({"delivery_point": None}, "delivery_point"),
        ({"number": None}, "number"),
    ],
)
def test_create_refuses_a_payload_without_a_required_field(api, change, field):
    payload = {k: v for k, v in _payload(**change).items() if v is not None}

    response = api("POST", "/orders", payload)

    error = response.json()["requests"][0]["errors"][0]
    assert response.status_code == 400
    assert error["code"] == "v2_field_is_empty"
    assert error["message"] == f"Field is empty: {field}"
    assert not SandboxCdekOrder.objects.exists()


def test_an_item_without_a_cost_is_refused(api):
    payload = _payload()
    del payload["packages"][0]["items"][0]["cost"]

    response = api("POST", "/orders", payload)

    assert response.status_code == 400
    assert "items[0].cost" in response.json()["requests"][0]["errors"][0]["message"]


def test_an_order_becomes_successful_with_a_number_a_few_seconds_later(api):
    with time_machine.travel(START, tick=False) as traveller:
        uuid = _create(api)
        before = api("GET", f"/orders/{uuid}").json()
        traveller.shift(timedelta(seconds=cdek.VALIDATION_SECONDS))
        after = api("GET", f"/orders/{uuid}").json()

    assert before["requests"][0]["state"] == "ACCEPTED"
    assert "cdek_number" not in before["entity"]
    assert [s["code"] for s in before["entity"]["statuses"]] == ["ACCEPTED"]
    assert after["requests"][0]["state"] == "SUCCESSFUL"
    assert after["entity"]["cdek_number"].isdigit()
    # Newest first, as CDEK's recorded answer.
    assert [s["code"] for s in after["entity"]["statuses"]] == ["CREATED", "ACCEPTED"]
    assert after["entity"]["statuses"][0]["date_time"] == "2026-08-01T12:00:03+0000"
    assert after["entity"]["delivery_point"] == "NSK23"


def test_reading_a_validated_order_writes_nothing_and_the_tick_writes_the_same(api):
    with time_machine.travel(START, tick=False) as traveller:
        uuid = _create(api)
        traveller.shift(timedelta(seconds=5))
        read = api("GET", f"/orders/{uuid}").json()
        assert SandboxCdekOrder.objects.get().request_state == "ACCEPTED"
        cdek.tick()
        written = api("GET", f"/orders/{uuid}").json()

    assert SandboxCdekOrder.objects.get().request_state == "SUCCESSFUL"
    assert written == read


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"delivery_point": "NSK99"}, "v2_entity_not_found"),
        ({"comment": "INVALID please"}, "v2_bad_request"),
        ({"tariff_code": 137}, "v2_bad_request"),  # door tariff, no address
        ({"tariff_code": 999}, "v2_tariff_not_found"),
    ],
)
def test_a_bad_order_becomes_invalid_with_errors(api, change, code, http):
    SandboxCdekWebhook.objects.create(uuid="hook-1", url=WEBHOOK)
    http.post(WEBHOOK)
    with time_machine.travel(START, tick=False):
        uuid = _create(api, **change)
    _walk(steps=3)

    body = api("GET", f"/orders/{uuid}").json()
    assert body["requests"][0]["state"] == "INVALID"
    assert body["requests"][0]["errors"][0]["code"] == code
    assert body["entity"]["statuses"][0]["code"] == "INVALID"
    assert "cdek_number" not in body["entity"]
    assert SandboxCdekOrder.objects.get().next_step_at is None


def test_a_pickup_point_order_travels_to_delivered_pushing_every_status(api, http):
    SandboxCdekWebhook.objects.create(uuid="hook-1", url=WEBHOOK)
    push = http.post(WEBHOOK)
    with time_machine.travel(START, tick=False):
        uuid = _create(api)

    _walk(steps=12)

    body = api("GET", f"/orders/{uuid}").json()
    codes = [s["code"] for s in reversed(body["entity"]["statuses"])]
    assert codes == PICKUP_JOURNEY
    assert body["entity"]["statuses"][0]["city"] == "Новосибирск"
    events = [parse_status_webhook(call.request.body) for call in push.calls]
    assert [e.code for e in events] == PICKUP_JOURNEY[1:]
    assert {e.uuid for e in events} == {uuid}
    assert events[-1].cdek_number == body["entity"]["cdek_number"]
    assert events[0].city == "Москва"
    assert SandboxCdekOrder.objects.get().next_step_at is None


def test_steps_follow_the_configured_pace(api, settings):
    settings.SANDBOX_CDEK_STEP_SECONDS = 60
    with time_machine.travel(START, tick=False) as traveller:
        _create(api)
        traveller.shift(timedelta(seconds=cdek.VALIDATION_SECONDS))
        cdek.tick()  # CREATED
        traveller.shift(timedelta(seconds=59))
        cdek.tick()
        assert SandboxCdekOrder.objects.get().status_code == "CREATED"
        traveller.shift(timedelta(seconds=1))
        cdek.tick()
    assert SandboxCdekOrder.objects.get().status_code == "RECEIVED_AT_SHIPMENT_WAREHOUSE"


def test_a_recipient_who_will_not_collect_ends_not_delivered(api):
    with time_machine.travel(START, tick=False):
        uuid = _create(api, recipient={"name": "Пётр НЕ ЗАБЕРЁТ", "phones": [{"number": "+7999"}]})
    _walk(steps=12)

    statuses = api("GET", f"/orders/{uuid}").json()["entity"]["statuses"]
    assert [s["code"] for s in statuses[:2]] == ["NOT_DELIVERED", "ACCEPTED_AT_PICK_UP_POINT"]
    assert statuses[0]["reason_code"] == "23"


def test_a_door_order_goes_by_courier(api):
    with time_machine.travel(START, tick=False):
        response = api("POST", "/orders", sample("cdek_order_create_request_door.json"))
        uuid = response.json()["entity"]["uuid"]
    _walk(steps=12)

    statuses = api("GET", f"/orders/{uuid}").json()["entity"]["statuses"]
    assert [s["code"] for s in statuses[:3]] == [
        "DELIVERED",
        "TAKEN_BY_COURIER",
        "ACCEPTED_AT_RECIPIENT_CITY_WAREHOUSE",
    ]
    assert statuses[0]["city"] == "Novosibirsk"


def test_a_tick_run_twice_moves_an_order_once(api):
    with time_machine.travel(START, tick=False) as traveller:
        _create(api)
        traveller.shift(timedelta(seconds=cdek.VALIDATION_SECONDS))
        stale = SandboxCdekOrder.objects.get()
        assert cdek.advance(stale) is not None
        assert cdek.advance(stale) is None  # a second worker with the same read
    assert SandboxCdekStatus.objects.filter(code="CREATED").count() == 1


def test_the_beat_task_does_nothing_with_the_sandbox_off(api, settings):
    with time_machine.travel(START, tick=False):
        _create(api)
    settings.SANDBOX_ENABLED = False
    with time_machine.travel("2026-08-01 13:00Z", tick=False):
        assert cdek_advance_task() == "sandbox off"
        settings.SANDBOX_ENABLED = True
        assert cdek_advance_task() == "advanced 1, pushed 1"


def test_a_failed_push_is_not_repeated_by_the_tick(api, http):
    SandboxCdekWebhook.objects.create(uuid="hook-1", url=WEBHOOK)
    push = http.post(WEBHOOK, status=500)
    with time_machine.travel(START, tick=False):
        _create(api)
    _walk(steps=2, seconds=1)  # CREATED, then nothing due yet

    assert push.call_count == 1


def test_find_by_im_number_returns_the_latest(api):
    with time_machine.travel(START, tick=False) as traveller:
        _create(api)
        traveller.shift(timedelta(minutes=1))
        latest = _create(api)

    response = api("GET", "/orders", im_number="fixture-order-1")

    assert response.json()["entity"]["uuid"] == latest


def test_unknown_orders_are_not_found_in_cdeks_envelope(api):
    by_number = api("GET", "/orders", im_number="nope")
    by_uuid = api("GET", "/orders/00000000-0000-4000-8000-000000000000")
    malformed = api("GET", "/orders/x")

    assert by_number.status_code == 404
    assert by_number.json()["requests"][0]["errors"][0]["code"] == "v2_entity_not_found_im_number"
    assert by_uuid.status_code == 404
    assert by_uuid.json().keys() == sample("cdek_error_entity_not_found.json").keys()
    assert by_uuid.json()["requests"][0]["errors"][0]["code"] == "v2_entity_not_found"
    assert malformed.status_code == 400
    assert malformed.json()["requests"][0]["errors"][0]["code"] == "v2_invalid_format"


def test_webhooks_subscribe_list_delete_and_allow_two(api):
    first = api("POST", "/webhooks", {"url": WEBHOOK, "type": "ORDER_STATUS"}).json()
    again = api("POST", "/webhooks", {"url": WEBHOOK, "type": "ORDER_STATUS"}).json()
    api("POST", "/webhooks", {"url": f"{SITE}/other/", "type": "ORDER_STATUS"})
    third = api("POST", "/webhooks", {"url": f"{SITE}/third/", "type": "ORDER_STATUS"})

    assert again["entity"]["uuid"] == first["entity"]["uuid"]
    assert third.status_code == 400
    assert third.json() == {
        **third.json(),
        "requests": [
            {
                **third.json()["requests"][0],
                "errors": sample("cdek_error_too_many_webhooks.json")["requests"][0]["errors"],
            }
        ],
    }
    listed = api("GET", "/webhooks").json()
    assert [h["url"] for h in listed] == [WEBHOOK, f"{SITE}/other/"]
    assert api("DELETE", f"/webhooks/{first['entity']['uuid']}").status_code == 200
    assert api("GET", f"/webhooks/{first['entity']['uuid']}").status_code == 404
    assert SandboxCdekWebhook.objects.count() == 1


def test_the_outbox_lists_cdek_orders_with_their_buttons(api, client):
    with time_machine.travel(START, tick=False):
        _create(api, recipient={"name": "Анна Смирнова", "phones": [{"number": "+7999"}]})
    order = SandboxCdekOrder.objects.get()

    with override("en"):
        page = client.get("/sandbox/").content.decode()

    assert "Заказы СДЭК" in page
    assert "Анна Смирнова" in page
    assert f"/sandbox/cdek/advance/{order.pk}/" in page


def test_next_status_now_advances_and_pushes(api, client, http):
    SandboxCdekWebhook.objects.create(uuid="hook-1", url=WEBHOOK)
    push = http.post(WEBHOOK)
    _create(api)
    order = SandboxCdekOrder.objects.get()

    client.post(f"/sandbox/cdek/advance/{order.pk}/")  # validated now: CREATED
    response = client.post(f"/sandbox/cdek/advance/{order.pk}/", follow=True)

    order.refresh_from_db()
    assert order.status_code == "RECEIVED_AT_SHIPMENT_WAREHOUSE"
    assert [json.loads(c.request.body)["attributes"]["code"] for c in push.calls] == [
        "CREATED",
        "RECEIVED_AT_SHIPMENT_WAREHOUSE",
    ]
    assert cdek.push_pending() == 0  # the tick will not push them again
    assert response.status_code == 200


def test_push_again_repeats_the_latest_status_and_reports_failure(api, client, http):
    SandboxCdekWebhook.objects.create(uuid="hook-1", url=WEBHOOK)
    push = http.post(WEBHOOK, status=502)
    _create(api)
    order = SandboxCdekOrder.objects.get()
    cdek.advance(order)

    with override("en"):
        response = client.post(f"/sandbox/cdek/repush/{order.pk}/", follow=True)

    assert push.call_count == 1
    assert json.loads(push.calls[0].request.body)["attributes"]["code"] == "CREATED"
    assert "отправка не удалась" in response.content.decode()


def test_the_outbox_buttons_need_post(client):
    assert client.get("/sandbox/cdek/advance/1/").status_code == 405


def test_the_beat_entry_names_the_registered_task():
    # settings.py adds the entry only with SANDBOX_ENABLED; the name must stay in step.
    from orders_office.celery import app

    app.loader.import_default_modules()
    assert "integrations.sandbox.tasks.cdek_advance_task" in app.tasks


def test_the_demo_step_subscribes_our_webhook_once(settings):
    from integrations.sandbox.demo import seed_cdek_sandbox

    lines = []
    seed_cdek_sandbox(lines.append)
    seed_cdek_sandbox(lines.append)

    hook = SandboxCdekWebhook.objects.get()
    assert (hook.url, hook.type) == (WEBHOOK, "ORDER_STATUS")
    assert len(lines) == 2
