"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Every test here is marked `e2e` and skipped, with the reason, when `chromium` is not on PATH
(`apt-get install chromium`; Playwright's own browser download is never used). The live
server mounts the sandbox, and every provider URL points at it, so a payment link goes to
the fake YooKassa, the SMS to the fake SMS.ru and YooKassa's notification comes back to our
webhook, all through real HTTP on this machine. Celery runs eagerly: what a click enqueues
has run when the next page loads.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from orders_office.celery import app as celery_app
from scripts.chromium import chromium_path, launch_chromium

HERE = Path(__file__).parent
#: The password of every persona (tests/factories.py UserFactory).
PASSWORD = "pass12345"
#: What a page may take before an assertion about it fails; generous for a busy CI machine.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(
        reason="browser tests need Debian's Chromium on PATH: apt-get install chromium"
    )
    # WhiteNoise looks for STATIC_ROOT when the live server builds its handler, before the
    # per-test STATIC_ROOT of tests/conftest.py; finders serve the static files here anyway.
    no_static_root = pytest.mark.filterwarnings("ignore:No directory at:UserWarning")
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(no_static_root)
            if chromium_path() is None:
                item.add_marker(skip)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for the package, closed after its last test.

    While Playwright's sync API is open it keeps an asyncio loop running in this thread, and
    Django refuses the ORM in a thread with a running loop. The test code is synchronous all
    the same, so the check is off exactly as long as the loop runs (database teardown
    included), and back on for the tests of other packages.
    """
    with pytest.MonkeyPatch.context() as env, sync_playwright() as playwright:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _sandbox_on_the_live_server(settings, live_server):
    """The sandbox mounted, and every provider and callback URL on the live server."""
    site = live_server.url
    sandbox = f"{site}/sandbox"
    settings.SANDBOX_ENABLED = True
    # orders_office/urls.py mounts the sandbox at import only; this URLconf always does.
    settings.ROOT_URLCONF = "tests.orders.urls_sandbox"
    settings.SITE_URL = site
    settings.YOOKASSA_API_URL = f"{sandbox}/yookassa/v3"
    settings.YOOKASSA_RETURN_URL = f"{site}/"
    settings.SMSRU_API_URL = f"{sandbox}/smsru"
    settings.TELEGRAM_API_URL = f"{sandbox}/telegram"
    settings.WHATSAPP_API_URL = f"{sandbox}/whatsapp"
    settings.VK_API_URL = f"{sandbox}/vk/method"
    settings.VIBER_API_URL = f"{sandbox}/viber/pa"
    settings.CDEK_API_URL = f"{sandbox}/cdek/v2"
    settings.YOOKASSA_CHECK_IP = False
    # The sandbox's own credentials: settings.py gives them only when SANDBOX_ENABLED was on at
    # start (empty otherwise, so that production never runs on these public values).
    settings.YOOKASSA_SHOP_ID = "sandbox-shop"
    settings.YOOKASSA_SECRET_KEY = "test_sandbox-secret"
    settings.SMSRU_API_ID = "sandbox-api-id"


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run where they are enqueued (after the request's commit, in the live server's
    thread): the page after a click already shows what the worker did."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def _new_context(browser: Browser) -> BrowserContext:
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def context(browser) -> Iterator[BrowserContext]:
    context = _new_context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context) -> Page:
    return context.new_page()


@pytest.fixture
def new_context(browser) -> Iterator:
    """Another browser context (its own cookies): a second person at another computer."""
    opened: list[BrowserContext] = []

    def open_context() -> BrowserContext:
        opened.append(_new_context(browser))
        return opened[-1]

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def url(live_server):
    def absolute(path: str) -> str:
        return f"{live_server.url}{path}"

    return absolute


def log_in(page: Page, url, username: str) -> None:
    """Through the real admin login form."""
    page.goto(url("/admin/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page).to_have_url(url("/admin/"))
