"""Operations on deals. Every stage change goes through `deal_transition`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from automation.lifecycle import after_stage_saved, before_stage_saved
from automation.models import Via
from automation.transitions import run_transition
from catalog.models import Product, Store
from contacts.models import Company, Contact

from .exceptions import DealError
from .models import Deal, DealItem, FunnelStep, RefusalReason
from .numbering import next_number


@dataclass(frozen=True)
class ItemSpec:
    """One requested line: which product, how many, at what price (None: catalogue price)."""

    sku: str
    quantity: int
    price: Decimal | None = None


def deal_create(
    *,
    store: Store,
    channel: str,
    contact: Contact | None = None,
    company: Company | None = None,
    responsible: Any | None = None,
    items: Iterable[ItemSpec] = (),
    actor: Any | None = None,
    **fields: Any,
) -> Deal:
    """Create a deal «Заказ №N» with its draft items, in one transaction.

    Raises DealError for an unknown SKU, a quantity below 1, a negative price or a deal with
    no customer; nothing is written then.
    """
    if contact is None and company is None:
        raise DealError(_("A deal needs a contact or a company."))
    items = list(items)
    with transaction.atomic():
        deal = Deal(
            store=store,
            channel=channel,
            contact=contact,
            company=company,
            responsible=responsible,
            **fields,
        )
        deal_assign_number(deal)
        _full_clean(deal)
        deal_save_new(deal)
        deal_set_items(deal=deal, items=items)
    return deal


def deal_create_placed(
    *,
    store: Store,
    channel: str,
    contact: Contact,
    company: Company | None,
    lines: Iterable[DealItem],
    via: str,
    reason: str = "",
    **fields: Any,
) -> Deal:
    """Create a deal that arrives complete, straight at «Заказ оформлен» (a website order:
    DESIGN §2 "creates both at once"); the caller creates its order in the same transaction.

    The caller has checked what `place_order` would (customer, items, delivery, payment) and
    passes unsaved `lines` with their products; the history shows the placing as done via
    `via`. The database constraints still guard the rest (one external id per store).
    """
    with transaction.atomic(savepoint=False):
        deal = Deal(
            store=store,
            channel=channel,
            contact=contact,
            company=company,
            stage=Deal.Stage.ORDER_PLACED,
            # Its order comes in this transaction: stored with the deal, one UPDATE fewer
            # per order from a website.
            furthest_step=FunnelStep.ORDER_PLACED,
            **fields,
        )
        deal_assign_number(deal)
        deal_save_new(deal)
        for line in lines:
            line.deal = deal
        DealItem.objects.bulk_create(lines)
        deal.transitions.create(
            name="place_order",
            source=Deal.Stage.NEW,
            target=Deal.Stage.ORDER_PLACED,
            via=via,
            reason=reason,
        )
    return deal


def deal_save_new(deal: Deal) -> None:
    """Insert a new deal as entering its first stage: its deadline and triggers start now."""
    now = timezone.now()
    deal.furthest_step = max(deal.furthest_step, deal.stage_funnel_step())
    with transaction.atomic(savepoint=False):
        before_stage_saved(deal, now=now)
        deal.save()
        after_stage_saved(deal, now=now, created=True)


def deal_assign_number(deal: Deal) -> None:
    """Give a new deal its number and, unless the manager typed one, the title «Заказ №N»."""
    deal.number = next_number("deal")
    if not deal.title:
        deal.title = deal_title(deal.number)


def deal_title(number: str) -> str:
    """«Заказ №N»: stored in the site's language, whatever language the user reads."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Order No. %(number)s") % {"number": number}


def deal_set_items(*, deal: Deal, items: Iterable[ItemSpec]) -> list[DealItem]:
    """Replace the deal's draft items. Raises DealError naming each bad line."""
    lines = deal_item_lines(items)
    for line in lines:
        line.deal = deal
    deal.items.all().delete()
    return DealItem.objects.bulk_create(lines)


def deal_item_lines(
    items: Iterable[ItemSpec], *, products: dict[str, Product] | None = None
) -> list[DealItem]:
    """Unsaved deal lines for `items` (no deal yet); `products` by SKU when the caller has
    them already. Raises DealError naming each bad line."""
    specs = list(items)
    if products is None:
        products = Product.objects.in_bulk([spec.sku for spec in specs], field_name="sku")
    errors: list[str] = []
    lines: list[DealItem] = []
    for spec in specs:
        product = products.get(spec.sku)
        if product is None:
            errors.append(_("Unknown SKU “%(sku)s”.") % {"sku": spec.sku})
            continue
        if not isinstance(spec.quantity, int) or spec.quantity < 1:
            errors.append(
                _("“%(sku)s”: the quantity must be a whole number of at least 1.")
                % {"sku": spec.sku}
            )
            continue
        if spec.price is not None and spec.price < 0:
            errors.append(_("“%(sku)s”: the price cannot be negative.") % {"sku": spec.sku})
            continue
        lines.append(
            DealItem(
                product=product,
                quantity=spec.quantity,
                price=product.price if spec.price is None else spec.price,
            )
        )
    if errors:
        raise DealError(errors)
    return lines


def _full_clean(obj: Any, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise DealError(exc.message_dict) from exc


# --- stage changes --------------------------------------------------------------------------


def deal_transition(
    *,
    deal_id: int,
    name: str,
    actor: Any | None,
    via: str = Via.ADMIN,
    expected_state: str | None = None,
    reason: str = "",
    comment: str = "",
    kwargs: dict[str, Any] | None = None,
) -> Deal:
    deal, _log = run_transition(
        model=Deal,
        pk=deal_id,
        name=name,
        actor=actor,
        via=via,
        expected_state=expected_state,
        reason=reason,
        comment=comment,
        kwargs=kwargs,
    )
    deal_reach_step(deal=deal, step=deal.stage_funnel_step())
    return deal


def deal_reach_step(*, deal: Deal, step: int) -> None:
    """The deal has reached funnel step `step`: raise its `furthest_step` to it, in the
    database and on `deal`; a step at or below the stored one changes nothing (the field never
    goes back). Called wherever a deal or its order moves: deal_save_new, deal_transition, and
    orders' order_create_for_deal, order_transition and the invoice payment."""
    if step <= deal.furthest_step:
        return
    # The condition in the UPDATE keeps it from lowering a value another transaction raised.
    Deal.objects.filter(pk=deal.pk, furthest_step__lt=step).update(furthest_step=step)
    deal.furthest_step = step


def deal_take_into_work(
    *, deal_id: int, actor: Any | None, via: str = Via.ADMIN, expected_state: str | None = None
) -> Deal:
    """new → in progress. A deal nobody was responsible for becomes the actor's."""
    return deal_transition(
        deal_id=deal_id,
        name="take_into_work",
        actor=actor,
        via=via,
        expected_state=expected_state,
        kwargs={"by": actor},
    )


def deal_win(*, deal_id: int, via: str = Via.SYSTEM) -> Deal:
    """order placed → won; the system runs it when the deal's order is issued."""
    return deal_transition(deal_id=deal_id, name="win", actor=None, via=via)


def deal_lose(
    *,
    deal_id: int,
    actor: Any | None,
    reason: RefusalReason | None,
    comment: str = "",
    via: str = Via.ADMIN,
    expected_state: str | None = None,
) -> Deal:
    """Close the deal as lost. A reason from the team lead's list is required."""
    if reason is None:
        raise DealError(_("Choose the reason for refusal."))
    return deal_transition(
        deal_id=deal_id,
        name="lose",
        actor=actor,
        via=via,
        expected_state=expected_state,
        reason=reason.name,
        comment=comment,
        kwargs={"reason": reason, "comment": comment},
    )


#: Set by the orders app when it is ready (DESIGN.md section 3: a lower app never imports a
#: higher one; the higher one registers itself).
_order_placer: Callable[..., Any] | None = None


def register_order_placer(placer: Callable[..., Any]) -> None:
    global _order_placer
    _order_placer = placer


def deal_place_order(
    *, deal_id: int, actor: Any | None, via: str = Via.ADMIN, expected_state: str | None = None
) -> Any:
    """Create the order from the deal; returns the order."""
    if _order_placer is None:  # pragma: no cover - the orders app is always installed
        raise RuntimeError("no order placer registered")
    return _order_placer(deal_id=deal_id, actor=actor, via=via, expected_state=expected_state)


def deal_run_system_transition(
    *, pk: int, name: str, reason_code: str = "", expected_state: str | None = None
) -> Deal:
    """A transition ordered by a trigger, run as the system via the schedule."""
    if name == "lose":
        reason = RefusalReason.objects.filter(code=reason_code or "no_answer").first()
        return deal_lose(
            deal_id=pk, actor=None, reason=reason, via=Via.BEAT, expected_state=expected_state
        )
    return deal_transition(
        deal_id=pk, name=name, actor=None, via=Via.BEAT, expected_state=expected_state
    )


def _lose_from_admin(*, deal_id, actor, via, expected_state, reason=None, comment="", **_):
    return deal_lose(
        deal_id=deal_id,
        actor=actor,
        reason=reason,
        comment=comment,
        via=via,
        expected_state=expected_state,
    )


#: What each transition button runs: name → service(deal_id, actor, via, expected_state, **form)
DEAL_TRANSITION_SERVICES: dict[str, Callable[..., Any]] = {
    "take_into_work": deal_take_into_work,
    "place_order": deal_place_order,
    "lose": _lose_from_admin,
}
