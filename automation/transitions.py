"""The one way a deal or an order changes its stage.

`run_transition` is what the per-transition services of `deals` and `orders` call. It locks the
row, checks that the transition is possible now, that its conditions hold and that the user may
run it, runs the `@transition` method, bumps the version, writes the log row in the same
transaction, and announces the change only after commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from catalog.models import Store

from .exceptions import ConcurrentChange, TransitionForbidden, TransitionNotAllowed
from .lifecycle import after_stage_saved, before_stage_saved
from .models import StagedModel, TransitionLog
from .signals import transition_committed

M = TypeVar("M", bound=StagedModel)


def transition_meta(obj: StagedModel, name: str):
    """The django-fsm Transition `name` of `obj` from its current state, or None."""
    method = getattr(obj, name, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None:
        return None
    return meta.get_transition(obj.state)


def transition_label(obj: StagedModel | type[StagedModel], name: str) -> str:
    """The button label of transition `name` («Отменить заказ»), or the name itself."""
    model = obj if isinstance(obj, type) else type(obj)
    method = getattr(model, name, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is not None:
        for tr in meta.transitions.values():
            if label := tr.custom.get("label"):
                return str(label)
    return name


def failed_conditions(obj: StagedModel, name: str) -> list[str]:
    """Human descriptions of the conditions of `name` that `obj` does not meet."""
    tr = transition_meta(obj, name)
    if tr is None:
        return []
    return [
        str(getattr(condition, "description", condition.__name__))
        for condition in tr.conditions
        if not condition(obj)
    ]


def run_transition(
    *,
    model: type[M],
    pk: int,
    name: str,
    actor: Any | None,
    via: str,
    expected_state: str | None = None,
    reason: str = "",
    comment: str = "",
    kwargs: dict[str, Any] | None = None,
    before_save: Callable[[M], None] | None = None,
) -> tuple[M, TransitionLog]:
    """Run transition `name` on the row `pk` of `model` and log it.

    `actor` is the user who asked, or None for the system (beat, webhooks), which is not
    subject to permissions. `expected_state` is the state the user saw: if the row has moved on
    since, ConcurrentChange is raised instead of acting on a state the user did not see.

    Raises TransitionNotAllowed (unknown transition, wrong state, unmet condition),
    TransitionForbidden (no permission) or ConcurrentChange; in every case nothing is written.
    """
    with transaction.atomic():
        # The row lock makes a simultaneous second request wait here and then see the new state.
        obj = model.objects.select_for_update().get(pk=pk)
        label = transition_label(obj, name)
        if expected_state is not None and obj.state != expected_state:
            raise ConcurrentChange(
                _(
                    "“%(object)s” was changed by someone else: it is now «%(state)s». "
                    "Reload the page."
                )
                % {"object": obj, "state": obj.state_label}
            )
        method = getattr(obj, name, None)
        if not hasattr(method, "_django_fsm"):
            raise TransitionNotAllowed(_("Unknown action “%(name)s”.") % {"name": name})
        if not can_proceed(method, check_conditions=False):
            raise TransitionNotAllowed(
                _("«%(action)s» is not possible in the state «%(state)s».")
                % {"action": label, "state": obj.state_label}
            )
        if not can_proceed(method):
            raise TransitionNotAllowed(
                _("«%(action)s» is not possible yet: %(reasons)s.")
                % {"action": label, "reasons": "; ".join(failed_conditions(obj, name))}
            )
        if (
            actor is not None
            and not Store.objects.visible_to(actor).filter(pk=obj.store_id).exists()
        ):
            # Defence in depth: the admin already hides other stores' rows.
            raise TransitionForbidden(
                _("You do not work with the store of “%(object)s”.") % {"object": obj}
            )
        if actor is not None and not has_transition_perm(method, actor):
            raise TransitionForbidden(
                _("You have no permission for «%(action)s».") % {"action": label}
            )
        source = obj.state
        method(**(kwargs or {}))
        obj.version += 1
        now = timezone.now()
        before_stage_saved(obj, now=now)
        if before_save is not None:
            before_save(obj)
        obj.save()
        after_stage_saved(obj, now=now)
        log = obj.transitions.create(
            name=name,
            source=source,
            target=obj.state,
            actor=actor,
            via=via,
            reason=reason[:200],
            comment=comment,
        )
        transaction.on_commit(
            lambda: transition_committed.send(
                sender=model, instance=obj, name=name, source=source, target=obj.state, log=log
            )
        )
    return obj, log


def available_transitions(obj: StagedModel, user: Any) -> Iterable[str]:
    """Names of the transitions `user` may run on `obj` now (state, conditions, permission)."""
    getter = getattr(obj, f"get_available_user_{obj.STATE_FIELD}_transitions")
    return [tr.name for tr in getter(user=user)]
