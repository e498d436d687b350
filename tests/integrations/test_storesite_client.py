from __future__ import annotations

import hashlib
import hmac

import pytest
import requests

from integrations.errors import PermanentError, TransientError
from integrations.storesite.client import SiteRefused, SiteUnavailable, post_event
from integrations.storesite.signing import sign, signature_matches

URL = "https://shop.test/hooks/orders"
BODY = '{"event_id":"e-1","status":"paid","status_label":"Оплачен"}'.encode()
EVENT_ID = "6f1c1c8e-7d0e-4a51-9d55-2b1d4f6b8a10"


def _post() -> int:
    return post_event(URL, BODY, store_code="dom", secret="s3cret", event_id=EVENT_ID)


def test_it_posts_the_raw_body_with_the_store_code_event_id_and_signature(http):
    http.post(URL, status=200)

    assert _post() == 200

    request = http.calls[0].request
    assert request.body == BODY
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["X-Store-Code"] == "dom"
    assert request.headers["X-Event-Id"] == EVENT_ID
    expected = hmac.new(b"s3cret", BODY, hashlib.sha256).hexdigest()
    assert request.headers["X-Signature"] == f"sha256={expected}"


def test_any_2xx_is_delivered(http):
    http.post(URL, status=204)

    assert _post() == 204


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_is_worth_retrying(http, status):
    http.post(URL, status=status, body="upstream down")

    with pytest.raises(SiteUnavailable) as caught:
        _post()

    assert isinstance(caught.value, TransientError)
    assert caught.value.status_code == status
    assert "upstream down" in str(caught.value)


def test_429_carries_the_pause_the_site_asked_for(http):
    http.post(URL, status=429, headers={"Retry-After": "30"})

    with pytest.raises(SiteUnavailable) as caught:
        _post()

    assert caught.value.retry_after == 30
    assert caught.value.status_code == 429


@pytest.mark.parametrize("error", [requests.ConnectTimeout(), requests.ReadTimeout()])
def test_a_timeout_is_worth_retrying(http, error):
    # The event id makes a repeat harmless, so even a read timeout is simply retried.
    http.post(URL, body=error)

    with pytest.raises(TransientError):
        _post()


def test_a_connection_error_is_worth_retrying(http):
    http.post(URL, body=requests.ConnectionError("refused"))

    with pytest.raises(TransientError):
        _post()


@pytest.mark.parametrize("status", [400, 401, 404, 410])
def test_another_4xx_is_permanent(http, status):
    http.post(URL, status=status, json={"error": "bad signature"})

    with pytest.raises(SiteRefused) as caught:
        _post()

    assert isinstance(caught.value, PermanentError)
    assert caught.value.status_code == status


def test_a_redirect_is_not_followed_and_is_permanent(http):
    http.post(URL, status=302, headers={"Location": "https://shop.test/elsewhere"})

    with pytest.raises(SiteRefused) as caught:
        _post()

    assert caught.value.status_code == 302
    assert len(http.calls) == 1


def test_the_signature_verifies_with_the_secret_only():
    header = sign(BODY, "s3cret")

    assert signature_matches(BODY, "s3cret", header)
    assert signature_matches(BODY, "s3cret", header.upper().replace("SHA256=", "sha256="))
    assert not signature_matches(BODY, "other", header)
    assert not signature_matches(BODY + b" ", "s3cret", header)
    assert not signature_matches(BODY, "", sign(BODY, ""))
    assert not signature_matches(BODY, "s3cret", "")
