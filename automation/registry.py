"""What higher apps tell automation about themselves (DESIGN.md section 3: automation never
imports deals or orders; they register here when their app is ready)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps

#: "app_label.model" → runner(pk, name, reason_code) that runs a transition as the system.
_transition_runners: dict[str, Callable[..., Any]] = {}


def register_transition_runner(label: str, runner: Callable[..., Any]) -> None:
    _transition_runners[label] = runner


def transition_runner(label: str) -> Callable[..., Any]:
    try:
        return _transition_runners[label]
    except KeyError:
        raise LookupError(f"no transition runner registered for {label}") from None


def staged_models() -> list[type]:
    """Every concrete model built on StagedModel: deals and orders."""
    from .models import StagedModel

    return [
        model
        for model in apps.get_models()
        if issubclass(model, StagedModel) and not model._meta.abstract
    ]


def label_of(model_or_obj) -> str:
    return model_or_obj._meta.label_lower
