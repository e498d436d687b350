"""Work that apps above `orders` do inside an order's transition.

`orders` may not import `fulfillment` (DESIGN §3), yet starting the assembly must reserve stock
and handing the order to delivery must create its shipment in the same transaction as the status
change. So those apps register functions here at startup (their `AppConfig.ready`), and
`orders.services.order_transition` runs them right after the status has changed, inside its
transaction and with the order row locked: a hook that raises refuses the transition, and
nothing of it is written.

Hooks must not call external systems (the row is locked); they enqueue such work with
`transaction.on_commit`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Order


@dataclass(frozen=True)
class TransitionContext:
    """What a hook knows about the transition it runs in."""

    name: str
    source: str
    actor: Any | None
    via: str
    #: Extra input of the form or API call that ran it (a courier's time window, return lines).
    data: Mapping[str, Any] = field(default_factory=dict)


TransitionHook = Callable[["Order", TransitionContext], None]

_hooks: dict[str, list[TransitionHook]] = defaultdict(list)


def on_transition(*names: str) -> Callable[[TransitionHook], TransitionHook]:
    """Register the decorated function to run inside each of the transitions `names`."""

    def register(hook: TransitionHook) -> TransitionHook:
        for name in names:
            if hook not in _hooks[name]:
                _hooks[name].append(hook)
        return hook

    return register


def run_transition_hooks(order: Order, context: TransitionContext) -> None:
    for hook in _hooks.get(context.name, ()):
        hook(order, context)


def registered_hooks(name: str) -> list[TransitionHook]:
    return list(_hooks.get(name, ()))


def set_transition_form(name: str, form_path: str) -> None:
    """Let the admin button of transition `name` ask for `form_path` (a dotted path to a form
    whose cleaned data is passed to the service, and so to the hooks as `data`)."""
    from .models import Order

    meta = getattr(Order, name)._django_fsm
    for transition in meta.transitions.values():
        transition.custom["form"] = form_path
