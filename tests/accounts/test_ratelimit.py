"""Rate limits on the public endpoints (accounts.ratelimit): per client address and prefix,
429 with Retry-After past the limit, X-Forwarded-For believed only from a trusted proxy."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client, RequestFactory

from accounts.ratelimit import Rate, client_ip, hit, parse_rate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _still_clock():
    # Windows are aligned on the clock: a test must not straddle the end of one.
    with time_machine.travel(
        datetime.datetime(2026, 3, 1, 9, 0, 10, tzinfo=datetime.UTC), tick=False
    ):
        yield


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.RATELIMITS = {"/api/": "3/m", "/webhooks/": "2/m", "/1c/": "off"}
    settings.TRUSTED_PROXIES = []


def _post(client: Client, path: str, **extra):
    return client.post(path, b"{}", content_type="application/json", **extra)


@pytest.mark.parametrize(
    ("value", "rate"),
    [
        ("12000/m", Rate(12000, 60)),
        ("5/15m", Rate(5, 900)),
        ("50/10s", Rate(50, 10)),
        ("100/h", Rate(100, 3600)),
        (" 7 / d ", Rate(7, 86400)),
        ("off", None),
        ("", None),
        ("0/m", None),
    ],
)
def test_rates_are_read_as_documented(value, rate):
    assert parse_rate(value) == rate


@pytest.mark.parametrize("value", ["12000", "5/w", "m/5", "-1/m"])
def test_a_rate_that_cannot_be_read_is_a_configuration_error(value):
    with pytest.raises(ValueError, match="not a rate"):
        parse_rate(value)


def test_past_the_limit_the_api_answers_429_with_retry_after_and_json(client):
    answers = [_post(client, "/api/v1/orders/").status_code for _ in range(4)]
    refused = _post(client, "/api/v1/orders/")

    assert answers == [401, 401, 401, 429]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "50"
    assert refused.json() == {"detail": "Слишком много запросов. Повторите через 50 с."}


def test_each_prefix_counts_apart_and_webhooks_answer_plain_text(client):
    for _ in range(3):
        _post(client, "/api/v1/orders/")

    webhook = [_post(client, "/webhooks/cdek/").status_code for _ in range(3)]

    assert webhook == [400, 400, 429]
    assert _post(client, "/webhooks/cdek/")["Content-Type"].startswith("text/plain")


def test_other_addresses_are_not_held_back(client):
    for _ in range(4):
        _post(client, "/api/v1/orders/", REMOTE_ADDR="203.0.113.5")

    assert _post(client, "/api/v1/orders/", REMOTE_ADDR="203.0.113.6").status_code == 401


def test_a_switched_off_prefix_and_the_admin_are_never_limited(client):
    onec = [client.get("/1c/exchange").status_code for _ in range(5)]
    admin = [client.get("/admin/login/").status_code for _ in range(5)]

    assert 429 not in onec
    assert admin == [200] * 5


def test_the_limit_is_a_window_that_ends():
    rate = Rate(2, 60)

    assert [hit("t", "1.2.3.4", rate, now=120.0) for _ in range(3)] == [None, None, 60]
    assert hit("t", "1.2.3.4", rate, now=179.5) == 1
    assert hit("t", "1.2.3.4", rate, now=180.0) is None


def test_a_failing_cache_lets_requests_through(client, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "add", broken)

    assert [_post(client, "/api/v1/orders/").status_code for _ in range(5)] == [401] * 5


# --- the client's address ------------------------------------------------------------------


def _request(remote: str, forwarded: str = ""):
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_x_forwarded_for_is_ignored_without_trusted_proxies():
    assert client_ip(_request("198.51.100.7", "1.1.1.1")) == "198.51.100.7"


def test_x_forwarded_for_is_read_from_the_right_behind_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "127.0.0.1"]

    # The client wrote "1.1.1.1" itself; our proxies appended the address they saw.
    assert client_ip(_request("127.0.0.1", "1.1.1.1, 203.0.113.9, 10.0.0.2")) == "203.0.113.9"
    assert client_ip(_request("127.0.0.1")) == "127.0.0.1"
    # A request that did not come through our proxy: its header is its own invention.
    assert client_ip(_request("198.51.100.7", "1.1.1.1")) == "198.51.100.7"


def test_behind_a_trusted_proxy_each_client_has_its_own_allowance(client, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for _ in range(4):
        _post(
            client, "/api/v1/orders/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.1"
        )

    other = _post(
        client, "/api/v1/orders/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.2"
    )
    spoofed = _post(
        client, "/api/v1/orders/", REMOTE_ADDR="203.0.113.1", HTTP_X_FORWARDED_FOR="203.0.113.3"
    )

    assert other.status_code == 401
    assert spoofed.status_code == 429


def test_the_default_limits_let_the_intake_benchmarks_rate_through():
    from orders_office import settings as project_settings

    api = parse_rate(project_settings.RATELIMITS["/api/"])

    # bench.intake: about 70 orders a second from one address, sustained for a minute.
    assert api.count / api.seconds >= 2 * 70
