"""Production settings: `check --deploy` is clean with the documented environment, no secret
falls back to a value written in the code, and the sandbox is flagged when left on."""

from __future__ import annotations

import importlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from integrations.sandbox.apps import sandbox_off_in_production
from orders_office import settings as project_settings

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_SOURCE = (ROOT / "orders_office" / "settings.py").read_text()

#: What docs/operations.md and .env.example recommend for production.
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k3y-" + "x7Qp9LmZ2vW8rT5nB1cY4dF6gH0jK3sA" * 2,
    "DJANGO_ALLOWED_HOSTS": "orders.example.ru",
    "DJANGO_SECURE_COOKIES": "true",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "SANDBOX_ENABLED": "false",
}

#: Every credential of a provider: none may default to something readable in settings.py.
CREDENTIALS = [
    "SMSRU_API_ID",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "VK_ACCESS_TOKEN",
    "VK_CALLBACK_SECRET",
    "VK_CONFIRMATION_CODE",
    "VIBER_AUTH_TOKEN",
    "YOOKASSA_SHOP_ID",
    "YOOKASSA_SECRET_KEY",
    "CDEK_CLIENT_ID",
    "CDEK_CLIENT_SECRET",
    "ONEC_EXCHANGE_USER",
    "ONEC_EXCHANGE_PASSWORD",
]


def _check_deploy(extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    # A clean environment (no developer's .env variables leak in; settings.py reads .env
    # only for what the environment does not set) and an in-memory broker (no folders).
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "CELERY_BROKER_URL": "memory://",
        **extra_env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_production_environment():
    result = _check_deploy(PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_names_what_is_missing_without_it():
    result = _check_deploy({"DJANGO_DEBUG": "false", "SANDBOX_ENABLED": "true"})

    assert result.returncode != 0
    for check in ("W004", "W008", "W012", "W016", "sandbox.W001"):
        assert check in result.stderr + result.stdout


@pytest.fixture
def reload_settings(monkeypatch):
    """Re-reads settings.py under a changed environment; Django's own settings are untouched
    and the module is reloaded as it was afterwards."""

    def reload(**env: str | None):
        for name, value in env.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        return importlib.reload(project_settings)

    yield reload
    monkeypatch.undo()
    importlib.reload(project_settings)


def test_without_the_sandbox_no_credential_has_a_default(reload_settings):
    fresh = reload_settings(SANDBOX_ENABLED=None, **dict.fromkeys(CREDENTIALS))

    assert {name: getattr(fresh, name) for name in CREDENTIALS} == dict.fromkeys(CREDENTIALS, "")


def test_the_sandbox_brings_its_own_public_values(reload_settings):
    fresh = reload_settings(SANDBOX_ENABLED="true", **dict.fromkeys(CREDENTIALS))

    assert fresh.SMSRU_API_ID == "sandbox-api-id"
    assert fresh.TELEGRAM_WEBHOOK_SECRET == "sandbox-telegram-secret"
    assert fresh.ONEC_EXCHANGE_PASSWORD == ""  # 1C is never on by default


def test_without_djangos_key_a_random_one_is_kept_not_one_from_the_code(reload_settings):
    fresh = reload_settings(DJANGO_SECRET_KEY=None)

    assert len(fresh.SECRET_KEY) >= 50
    assert fresh.SECRET_KEY not in SETTINGS_SOURCE
    assert not fresh.SECRET_KEY.startswith("django-insecure")


def test_the_local_key_is_made_once_private_and_then_reused(tmp_path):
    path = tmp_path / "var" / "secret_key"

    first = project_settings._local_secret_key(path)
    again = project_settings._local_secret_key(path)
    elsewhere = project_settings._local_secret_key(tmp_path / "other" / "secret_key")

    assert first == again != elsewhere
    assert len(first) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(path.parent.iterdir()) == [path]  # no draft left behind


def test_the_environments_key_wins(reload_settings):
    key = PRODUCTION_ENV["DJANGO_SECRET_KEY"]

    in_use = reload_settings(DJANGO_SECRET_KEY=key).SECRET_KEY

    assert in_use == key


def test_the_deploy_check_flags_the_sandbox(settings):
    settings.SANDBOX_ENABLED = True
    flagged = sandbox_off_in_production()
    settings.SANDBOX_ENABLED = False

    assert [message.id for message in flagged] == ["sandbox.W001"]
    assert sandbox_off_in_production() == []
