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


#: Trigger condition field → its choices (channel, delivery_method, payment_method), given by
#: the app that owns them (deals), so that a team lead picks them instead of typing codes.
_condition_choices: dict[str, list[tuple[str, Any]]] = {}


def register_condition_choices(**choices: list[tuple[str, Any]]) -> None:
    _condition_choices.update(choices)


def condition_choices(field: str) -> list[tuple[str, Any]] | None:
    return _condition_choices.get(field)


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
