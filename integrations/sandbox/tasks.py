"""Celery tasks of the sandbox: only scheduled while settings.SANDBOX_ENABLED is true."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings


@shared_task
def cdek_advance_task() -> str:
    """Beat, every 10 s: fake CDEK orders move on one status and their webhooks are pushed."""
    if not settings.SANDBOX_ENABLED:
        # A beat schedule left over from a sandbox run must not touch production data.
        return "sandbox off"
    from .cdek import tick

    advanced, pushed = tick()
    return f"advanced {advanced}, pushed {pushed}"
