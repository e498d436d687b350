from __future__ import annotations

import pytest
import requests
from django.conf import settings

from integrations.errors import PermanentError, TransientError
from integrations.http import call, json_body, mask

URL = "https://api.test/v1/thing"


def test_it_returns_a_successful_response_and_always_sends_the_timeout(http):
    http.post(URL, json={"ok": True})

    response = call("POST", URL, provider="test", json={"a": 1})

    assert response.json() == {"ok": True}
    assert http.calls[0].request.req_kwargs["timeout"] == settings.INTEGRATIONS_TIMEOUT


def test_it_refuses_a_caller_timeout():
    with pytest.raises(TypeError):
        call("GET", URL, provider="test", timeout=60)


@pytest.mark.parametrize(
    "exception",
    [requests.exceptions.ReadTimeout(), requests.exceptions.ConnectionError("refused")],
)
def test_it_turns_network_failures_into_transient_errors(http, exception):
    http.get(URL, body=exception)

    with pytest.raises(TransientError, match="test unreachable") as caught:
        call("GET", URL, provider="test")

    # The requests message repeats the URL, which may carry a token: it is dropped.
    assert "/v1/thing" not in str(caught.value)
    assert caught.value.__cause__ is None


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_it_turns_429_and_5xx_into_transient_errors(http, status):
    http.get(URL, status=status, body="busy")

    with pytest.raises(TransientError, match=f"test HTTP {status}: busy"):
        call("GET", URL, provider="test")


def test_it_keeps_a_numeric_retry_after_header(http):
    http.get(URL, status=429, headers={"Retry-After": "7"})

    with pytest.raises(TransientError) as caught:
        call("GET", URL, provider="test")

    assert caught.value.retry_after == 7


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_it_turns_other_4xx_into_permanent_errors_with_the_start_of_the_body(http, status):
    http.get(URL, status=status, body="x" * 300)

    with pytest.raises(PermanentError) as caught:
        call("GET", URL, provider="test")

    assert str(caught.value) == f"test HTTP {status}: {'x' * 200}"


def test_a_classifier_may_replace_the_generic_rules(http):
    http.get(URL, status=400, json={"code": 4})

    with pytest.raises(TransientError, match="rate"):
        call("GET", URL, provider="test", classify_error=lambda r: TransientError("rate"))


def test_a_classifier_returning_none_falls_back_to_the_generic_rules(http):
    http.get(URL, status=400, body="bad")

    with pytest.raises(PermanentError):
        call("GET", URL, provider="test", classify_error=lambda r: None)


def test_json_body_calls_a_non_json_answer_permanent(http):
    http.get(URL, body="<html>proxy</html>")
    response = call("GET", URL, provider="test")

    with pytest.raises(PermanentError, match="non-JSON"):
        json_body(response, provider="test")


def test_transient_error_keeps_its_old_constructor():
    error = TransientError("plain")

    assert str(error) == "plain"
    assert error.retry_after is None


def test_mask_keeps_only_the_last_four_characters():
    assert mask("+79991234567") == "…4567"
    assert mask("123") == "…"
