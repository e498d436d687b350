"""Fixed provider settings, a strict `responses` mock and the sandbox URLconf."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses
from django.core.cache import cache

SAMPLES = Path(__file__).parent / "samples"

SMSRU = "https://sms.test"
TELEGRAM = "https://telegram.test"
WHATSAPP = "https://graph.test"
VK = "https://vk.test/method"
VIBER = "https://viber.test/pa"
SITE = "https://office.test"
CDEK = "https://cdek.test/v2"


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _provider_settings(settings):
    # Independent of whatever .env the developer has: tests never reach a real host anyway.
    settings.SITE_URL = SITE
    settings.SMSRU_API_URL = SMSRU
    settings.SMSRU_API_ID = "test-api-id"
    settings.SMSRU_SENDER = ""
    settings.TELEGRAM_API_URL = TELEGRAM
    settings.TELEGRAM_BOT_TOKEN = "123456:test-token"
    settings.WHATSAPP_API_URL = WHATSAPP
    settings.WHATSAPP_ACCESS_TOKEN = "wa-test-token"
    settings.WHATSAPP_PHONE_NUMBER_ID = "100000000000001"
    settings.VK_API_URL = VK
    settings.VK_ACCESS_TOKEN = "vk-test-token"
    settings.VIBER_API_URL = VIBER
    settings.VIBER_AUTH_TOKEN = "viber-test-token"
    settings.VIBER_SENDER_NAME = "Orders Office"
    settings.CDEK_API_URL = CDEK
    settings.CDEK_CLIENT_ID = "cdek-test-id"
    settings.CDEK_CLIENT_SECRET = "cdek-test-secret"
    settings.CDEK_POLL_RATE_SHARED = False
    # The CDEK token lives in Django's cache: no test may inherit another's.
    cache.clear()


@pytest.fixture
def http():
    """`responses` that fails the test if a registered call was not made."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def sandbox(settings, db):
    """Mount the sandbox at /sandbox/ for the Django test client."""
    settings.ROOT_URLCONF = "tests.integrations.urls_sandbox"
