"""Failed admin logins (accounts.lockout): five per name and address, then the login is refused
with 429 and Retry-After even with the right password, until the period ends."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
START = datetime.datetime(2026, 3, 1, 9, 0, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_FAILURES_PER_USER = "5/15m"
    settings.LOGIN_FAILURES_PER_ADDRESS = "8/15m"
    settings.TRUSTED_PROXIES = []


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _login(client, username="anna", password="wrong", address="203.0.113.10"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_failures_lock_the_name_out_even_with_the_right_password(client, manager, clock):
    failures = [_login(client).status_code for _ in range(5)]

    locked = _login(client, password="pass12345")

    assert failures == [200] * 5
    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"
    assert "Слишком много неудачных попыток входа. Повторите через 15 мин." in (
        locked.content.decode()
    )
    assert not _logged_in(client)


def test_the_lockout_ends_with_its_period(client, manager, clock):
    for _ in range(6):
        _login(client)

    clock.shift(datetime.timedelta(minutes=15))
    response = _login(client, password="pass12345")

    assert response.status_code == 302
    assert _logged_in(client)


def test_another_address_and_another_name_are_not_locked_out(client, manager, clock):
    for _ in range(6):
        _login(client, username="ANNA")  # the name's case does not start a new count

    assert _login(client, password="pass12345").status_code == 429
    assert _login(client, username="boris").status_code == 200
    assert _login(client, password="pass12345", address="198.51.100.1").status_code == 302


def test_a_successful_login_clears_the_names_count(client, manager, clock, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = "50/15m"
    for _ in range(4):
        _login(client)
    assert _login(client, password="pass12345").status_code == 302
    client.logout()

    again = [_login(client).status_code for _ in range(5)]

    assert again == [200] * 5


def test_one_address_trying_many_names_is_locked_out(client, manager, clock):
    for n in range(8):
        _login(client, username=f"guess{n}")

    response = _login(client, password="pass12345")

    assert response.status_code == 429
    assert not _logged_in(client)
