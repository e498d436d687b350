"""Personas and helpers shared by every test.

anna is a manager of store A; boris a manager of store B; lead the team lead (all stores);
sklad a warehouse user of store A.
"""

from __future__ import annotations

import pytest
from django.db import connection

from orders.roles import MANAGER, TEAM_LEAD, WAREHOUSE

from .celery_broker import switch_broker
from .factories import StoreFactory, UserFactory


@pytest.fixture(autouse=True, scope="session")
def _in_memory_celery_broker():
    # Tasks enqueued by on-commit callbacks must not pile up in the demo's filesystem queue or
    # in CI's Redis, where a real worker in a later test would pick them up. The worker tests
    # switch to the configured broker themselves (tests/automation/test_worker.py).
    previous = switch_broker("memory://")
    yield
    switch_broker(previous)


@pytest.fixture(autouse=True)
def _empty_cache():
    # The cache outlives each test's rolled-back database: a snapshot of one test's automation
    # settings (automation.config) must not leak into the next.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 is slow on purpose; tests hash passwords for every persona.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_files(settings, tmp_path):
    # The production manifest storage needs collectstatic; pages only need the URLs here.
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def store_a(db):
    return StoreFactory(code="dom", name="Уютный дом")


@pytest.fixture
def store_b(db):
    return StoreFactory(code="sport", name="Спорт-Профи")


@pytest.fixture
def manager(store_a):
    return UserFactory(username="anna", groups=[MANAGER], stores=[store_a])


@pytest.fixture
def other_manager(store_b):
    return UserFactory(username="boris", groups=[MANAGER], stores=[store_b])


@pytest.fixture
def team_lead(db):
    return UserFactory(username="lead", groups=[TEAM_LEAD])


@pytest.fixture
def warehouse_user(store_a):
    return UserFactory(username="sklad", groups=[WAREHOUSE], stores=[store_a])


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… (make test in CI does)")
