"""The demo's fake store website: it accepts only events signed with the store's secret, keeps
what it received, marks repeats, and can play «down» to show the retries."""

from __future__ import annotations

import json

import pytest

from integrations.sandbox import storesite
from integrations.storesite.signing import sign

pytestmark = pytest.mark.usefixtures("sandbox")

URL = "/sandbox/storesite/events/"
SECRETS = {"dom": "s3cret"}
EVENT_ID = "0b6f6a55-1f7e-4b8e-9d0c-0c5d3f1e2a11"


@pytest.fixture(autouse=True)
def _store_secrets(monkeypatch):
    monkeypatch.setattr(storesite, "_secret_lookup", SECRETS.get)


def _event(**fields) -> bytes:
    event = {
        "event_id": EVENT_ID,
        "type": "order.status_changed",
        "sequence": 1,
        "number": "A-1001",
        "status": "paid",
        "status_label": "Оплачен",
        **fields,
    }
    return json.dumps(event, ensure_ascii=False).encode()


def _post(client, body: bytes, *, code="dom", secret="s3cret", event_id=EVENT_ID):
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        headers={"X-Store-Code": code, "X-Signature": sign(body, secret), "X-Event-Id": event_id},
    )


def test_a_signed_event_is_accepted_and_listed(client):
    response = _post(client, _event())

    assert response.status_code == 200
    assert response.json() == {"ok": True, "duplicate": False}
    page = client.get("/sandbox/storesite/").content.decode()
    assert "A-1001" in page
    assert EVENT_ID in page
    assert "Оплачен" in page


@pytest.mark.parametrize(
    ("code", "secret"), [("dom", "wrong"), ("unknown", "s3cret"), ("", "s3cret")]
)
def test_a_request_not_signed_with_the_stores_secret_is_refused(client, code, secret):
    response = _post(client, _event(), code=code, secret=secret)

    assert response.status_code == 401
    assert storesite.received_events() == []


def test_a_repeated_event_is_answered_200_and_marked(client):
    _post(client, _event())

    response = _post(client, _event())

    assert response.status_code == 200
    assert response.json()["duplicate"] is True
    assert [entry["duplicate"] for entry in storesite.received_events()] == [True, False]
    assert "повтор, пропущено" in client.get("/sandbox/storesite/").content.decode()


def test_an_event_id_header_that_does_not_match_the_body_is_refused(client):
    response = _post(client, _event(), event_id="something-else")

    assert response.status_code == 400


def test_a_body_that_is_not_an_event_is_refused(client):
    response = _post(client, b"[1, 2]")

    assert response.status_code == 400


def test_the_site_can_be_taken_down_and_back(client):
    client.post("/sandbox/storesite/switch/", {"down": "1"})

    down = _post(client, _event())

    assert (down.status_code, down["Retry-After"]) == (503, "60")
    client.post("/sandbox/storesite/switch/", {"down": "0"})
    assert _post(client, _event()).status_code == 200
