"""Demo data: two stores, a catalogue with stock, the staff of each role and ~300 deals and
orders spread over every stage, built through the same services the back office uses.

Idempotent: every object is found by a natural key before it is created, and each demo deal by
its `external_id` ("demo-0001"), so running it again adds nothing and a half-finished run
completes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from automation.models import Via
from catalog.models import Product, StockLevel, Store, Warehouse
from contacts.models import Company, Contact
from contacts.services import company_get_or_create, contact_get_or_create
from deals.choices import Channel, DeliveryMethod, PaymentMethod
from deals.models import Deal, DealTransition, RefusalReason
from deals.services import ItemSpec, deal_create, deal_lose, deal_take_into_work

from .demo_automation import restamp_demo_deadlines, seed_automation
from .demo_returns import (
    backdate_returns,
    demo_complete_return,
    demo_inspect_return,
    demo_request_return,
)
from .exceptions import OrderError
from .models import Order, OrderTransition, Status
from .roles import MANAGER, TEAM_LEAD, WAREHOUSE
from .services import (
    ORDER_TRANSITION_SERVICES,
    not_picked_up_reason,
    order_place_from_deal,
    order_transition,
)
from .transitions import NOT_PICKED_UP

DEMO_PASSWORD = "demo12345"

STORES = [
    ("dom", "Уютный дом", "demo-secret-dom"),
    ("sport", "Спорт-Профи", "demo-secret-sport"),
]

#: username, first name, last name, role, store codes (None: every store), superuser
STAFF = [
    ("admin", "Администратор", "", None, None, True),
    ("lead", "Елена", "Руководова", TEAM_LEAD, None, False),
    ("anna", "Анна", "Смирнова", MANAGER, ["dom"], False),
    ("boris", "Борис", "Кузнецов", MANAGER, ["sport"], False),
    ("vera", "Вера", "Попова", MANAGER, ["dom", "sport"], False),
    ("sklad", "Семён", "Кладов", WAREHOUSE, ["dom", "sport"], False),
]

WAREHOUSES = [
    ("main", "Основной склад", Warehouse.Kind.MAIN, "Москва, Складская ул., 12", 10),
    (
        "leninsky",
        "Склад магазина на Ленинском",
        Warehouse.Kind.STORE,
        "Москва, Ленинский пр., 45",
        20,
    ),
    (
        "pvz-tverskaya",
        "ПВЗ на Тверской",
        Warehouse.Kind.PICKUP_POINT,
        "Москва, Тверская ул., 7",
        30,
    ),
]

#: (SKU prefix, name, price, weight g, variants as (attribute, values))
HOME_GOODS = [
    ("HOME-PLAID", "Плед флисовый 150×200", "1490", 900, ("colour", ["серый", "бежевый", "синий"])),
    ("HOME-MUG", "Кружка керамическая 350 мл", "450", 400, ("colour", ["белая", "чёрная"])),
    ("HOME-PILLOW", "Подушка ортопедическая", "2390", 1200, ("size", ["40×60", "50×70"])),
    ("HOME-TOWEL", "Полотенце махровое", "690", 500, ("size", ["50×90", "70×140"])),
    ("HOME-LAMP", "Лампа настольная светодиодная", "2990", 1500, ("colour", ["белая", "чёрная"])),
    ("HOME-PAN", "Сковорода антипригарная 28 см", "1890", 1400, None),
    ("HOME-KNIFE", "Набор ножей, 5 предметов", "3490", 1800, None),
    ("HOME-BEDSET", "Комплект постельного белья", "3990", 1600, ("size", ["1,5-спальный", "евро"])),
    ("HOME-CANDLE", "Свеча ароматическая", "590", 300, ("scent", ["ваниль", "лаванда"])),
    ("HOME-RUG", "Коврик для ванной", "890", 700, None),
    ("HOME-KETTLE", "Чайник электрический 1,7 л", "2790", 1300, None),
    ("HOME-BOX", "Органайзер для хранения", "990", 600, ("size", ["S", "M", "L"])),
    ("HOME-HANGER", "Вешалки деревянные, 10 шт.", "1190", 1500, None),
]
SPORT_GOODS = [
    ("SPORT-YOGA", "Коврик для йоги 6 мм", "1990", 1100, ("colour", ["фиолетовый", "зелёный"])),
    ("SPORT-DUMB", "Гантели разборные 2×10 кг", "5490", 20000, None),
    ("SPORT-BAND", "Набор фитнес-резинок", "790", 200, None),
    ("SPORT-BOTTLE", "Бутылка для воды 750 мл", "650", 250, ("colour", ["синяя", "красная"])),
    ("SPORT-SHOES", "Кроссовки беговые", "6990", 900, ("size", ["40", "41", "42", "43", "44"])),
    ("SPORT-TEE", "Футболка спортивная", "1290", 200, ("size", ["S", "M", "L", "XL"])),
    ("SPORT-ROPE", "Скакалка скоростная", "590", 150, None),
    ("SPORT-BALL", "Мяч футбольный, размер 5", "2490", 450, None),
    ("SPORT-GLOVES", "Перчатки для фитнеса", "990", 120, ("size", ["M", "L"])),
    ("SPORT-HELMET", "Шлем велосипедный", "3290", 400, ("size", ["M", "L"])),
    ("SPORT-BAG", "Рюкзак спортивный 25 л", "2590", 700, ("colour", ["чёрный", "серый"])),
    ("SPORT-GRIP", "Эспандер кистевой", "390", 100, None),
    ("SPORT-SHAKER", "Шейкер 600 мл", "490", 150, None),
    ("SPORT-WEIGHTS", "Утяжелители 2×1 кг", "1490", 2100, None),
]

#: Deliberately short in the demo (1 piece in all, see _stock_for): a manager who starts the
#: assembly of a paid or confirmed order asking 3 of them sees the refusal and gets the task.
SHORT_SKUS = {"HOME": "HOME-PAN", "SPORT": "SPORT-DUMB"}

FIRST_NAMES = [
    "Александр", "Мария", "Дмитрий", "Екатерина", "Сергей", "Ольга", "Андрей", "Наталья",
    "Иван", "Татьяна", "Михаил", "Юлия", "Алексей", "Светлана", "Павел", "Ирина",
]  # fmt: skip
LAST_NAMES = [
    ("Иванов", "Иванова"), ("Петров", "Петрова"), ("Соколов", "Соколова"),
    ("Морозов", "Морозова"), ("Волков", "Волкова"), ("Лебедев", "Лебедева"),
    ("Козлов", "Козлова"), ("Новиков", "Новикова"), ("Фёдоров", "Фёдорова"),
    ("Орлов", "Орлова"), ("Егоров", "Егорова"), ("Никитин", "Никитина"),
]  # fmt: skip
FEMALE_NAMES = {"Мария", "Екатерина", "Ольга", "Наталья", "Татьяна", "Юлия", "Светлана", "Ирина"}
STREETS = ["Тверская ул.", "Ленинский пр.", "Профсоюзная ул.", "ул. Арбат", "Мичуринский пр."]
CITIES = ["Москва", "Санкт-Петербург", "Казань", "Екатеринбург", "Новосибирск"]
COMPANIES = ["ООО «Вектор»", "ООО «Северный ветер»", "АО «Техснаб»", "ООО «Офис-Сервис»"]

#: How many demo deals end in each state, out of 300 (scaled for other counts).
#: Keys: a deal stage (new, in_progress, lost) or an order status.
TARGETS = {
    "deal:new": 20,
    "deal:in_progress": 22,
    "deal:lost": 18,
    Status.NEW: 12,
    Status.AWAITING_PAYMENT: 22,
    Status.CONFIRMED: 14,
    Status.PAID: 18,
    Status.ASSEMBLING: 18,
    Status.ASSEMBLED: 14,
    Status.HANDED_TO_DELIVERY: 22,
    Status.AWAITING_PICKUP: 20,
    Status.ISSUED: 60,
    Status.RETURNING: 6,
    Status.RETURN_REQUESTED: 6,
    Status.RETURNED: 6,
    Status.CANCELLED: 22,
}


#: CDEK offices the demo's orders go to; the sandbox CDEK knows these codes.
CDEK_PICKUP_POINTS = ["MSK65", "MSK120", "SPB12", "NSK23", "EKB3", "KZN7", "NNV5"]


def seed_demo(*, deal_count: int = 300, log: Callable[[str], None] = print) -> dict[str, int]:
    rng = random.Random(2026)
    stores = _stores()
    staff = _staff(stores)
    warehouses = _warehouses()
    products = _catalogue(rng, warehouses)
    log(f"Stores: {len(stores)}, staff: {len(staff)}, products: {len(products)}")
    contacts = _contacts(rng, max(20, deal_count * 3 // 4))
    companies = _companies(rng, contacts)
    plan = _plan(rng, deal_count)
    created = 0
    for index, target in enumerate(plan, start=1):
        external_id = f"demo-{index:04d}"
        if Deal.objects.filter(external_id=external_id).exists():
            continue
        _demo_deal(rng, index, external_id, target, stores, staff, warehouses, products, contacts,
                   companies)  # fmt: skip
        created += 1
        if created % 50 == 0:
            log(f"  … {created} deals")
    if created:
        log(f"Created {created} demo deals")
    # After the deals: their back-dated history must not fire the triggers of today.
    seed_automation()
    if created:
        restamp_demo_deadlines()
    return {
        "deals": Deal.objects.filter(external_id__startswith="demo-").count(),
        "orders": Order.objects.filter(external_id__startswith="demo-").count(),
        "products": len(products),
    }


# --- reference data -------------------------------------------------------------------------


def _stores() -> dict[str, Store]:
    stores = {}
    for code, name, secret in STORES:
        stores[code], _created = Store.objects.get_or_create(
            code=code, defaults={"name": name, "api_secret": secret}
        )
    return stores


def _staff(stores: dict[str, Store]) -> dict[str, object]:
    User = get_user_model()
    staff = {}
    for username, first, last, role, store_codes, superuser in STAFF:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "is_staff": True,
                "is_superuser": superuser,
                "email": f"{username}@orders-office.local",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if role:
            user.groups.add(Group.objects.get(name=role))
        for code in store_codes or (stores if role == WAREHOUSE else []):
            stores[code].members.add(user)
        staff[username] = user
    return staff


def _warehouses() -> dict[str, Warehouse]:
    warehouses = {}
    for code, name, kind, address, priority in WAREHOUSES:
        warehouses[code], _created = Warehouse.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "address": address, "priority": priority,
                      "opening_hours": "пн–вс 10:00–21:00"},
        )  # fmt: skip
    return warehouses


def _catalogue(rng: random.Random, warehouses: dict[str, Warehouse]) -> list[Product]:
    products = []
    for prefix, name, price, weight, variants in HOME_GOODS + SPORT_GOODS:
        attribute, values = variants or (None, [None])
        for n, value in enumerate(values, start=1):
            sku = f"{prefix}-{n:02d}" if value else prefix
            product, created = Product.objects.get_or_create(
                sku=sku,
                defaults={
                    "name": f"{name}, {value}" if value else name,
                    "price": Decimal(price),
                    "weight_grams": weight,
                    "length_cm": 30,
                    "width_cm": 20,
                    "height_cm": 10,
                    "attributes": {attribute: value} if value else {},
                },
            )
            if created:
                StockLevel.objects.bulk_create(
                    StockLevel(product=product, warehouse=wh, quantity=_stock_for(rng, sku, wh))
                    for wh in warehouses.values()
                )
            products.append(product)
    return products


def _stock_for(rng: random.Random, sku: str, warehouse: Warehouse) -> int:
    """Enough in the main and the store warehouse for every seeded assembly (the demo's paths
    run start_assembly, which reserves stock or refuses); nothing for sale at the pickup point.
    The SHORT_SKUS have one piece in all."""
    if sku in SHORT_SKUS.values():
        return 1 if warehouse.kind == Warehouse.Kind.MAIN else 0
    if warehouse.kind == Warehouse.Kind.MAIN:
        return rng.randint(30, 70)
    if warehouse.kind == Warehouse.Kind.STORE:
        return rng.randint(0, 25)
    return 0


def _contacts(rng: random.Random, count: int) -> list[Contact]:
    contacts = []
    for n in range(count):
        first = FIRST_NAMES[n % len(FIRST_NAMES)]
        male, female = LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)]
        last = female if first in FEMALE_NAMES else male
        contact, _created = contact_get_or_create(
            phone=f"+7916{n:07d}",
            email=f"client{n}@example.ru" if n % 3 else "",
            full_name=f"{last} {first}",
            messengers={"telegram_id": str(700000 + n)} if n % 5 == 0 else None,
        )
        contacts.append(contact)
    return contacts


def _valid_inn(rng: random.Random) -> str:
    digits = [rng.randint(0, 9) for _ in range(9)]
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11 % 10
    return "".join(map(str, digits)) + str(check)


def _companies(rng: random.Random, contacts: list[Contact]) -> list[Company]:
    companies = []
    for n, name in enumerate(COMPANIES):
        existing = Company.objects.filter(name=name).first()
        if existing is None:
            existing, _created = company_get_or_create(
                inn=_valid_inn(rng), kpp=f"7701{n:02d}001", name=name, contact=contacts[n]
            )
            existing.phone = f"+7495{n:07d}"
            existing.save(update_fields=["phone"])
        companies.append(existing)
    return companies


# --- deals and orders -----------------------------------------------------------------------


def _plan(rng: random.Random, count: int) -> list[str]:
    """`count` target states in TARGETS' proportions, each at least once when count allows."""
    total = sum(TARGETS.values())
    counts = {target: max(1, round(weight * count / total)) for target, weight in TARGETS.items()}
    while sum(counts.values()) > count and max(counts.values()) > 1:
        counts[max(counts, key=counts.get)] -= 1
    plan = [target for target, n in counts.items() for _ in range(n)]
    rng.shuffle(plan)
    return plan[:count]


def _methods_for(rng: random.Random, target: str) -> tuple[str, str]:
    """A delivery and payment method under which `target` is reachable."""
    if target == Status.CONFIRMED:
        payment = rng.choice([PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.CARD_ON_DELIVERY])
    elif target in (Status.AWAITING_PAYMENT, Status.PAID):
        payment = PaymentMethod.ONLINE
    else:
        payment = rng.choice([PaymentMethod.ONLINE] * 3 + [PaymentMethod.CASH_ON_DELIVERY] * 2)
    if target == Status.HANDED_TO_DELIVERY:
        delivery = rng.choice([DeliveryMethod.COURIER, DeliveryMethod.CDEK])
    elif target == Status.AWAITING_PICKUP:
        delivery = rng.choice([DeliveryMethod.PICKUP, DeliveryMethod.CDEK])
    else:
        delivery = rng.choice(list(DeliveryMethod))
    return delivery, payment


def _path(order_target: str, delivery: str, payment: str, rng: random.Random) -> list[str]:
    """The transitions that take a new order to `order_target`."""
    prepaid = payment == PaymentMethod.ONLINE
    start = ["send_payment_link", "mark_paid"] if prepaid else ["confirm"]
    to_customer = (
        ["ready_for_pickup"]
        if delivery == DeliveryMethod.PICKUP
        else ["hand_to_delivery", "arrive_at_pickup_point"]
        if delivery == DeliveryMethod.CDEK
        else ["hand_to_delivery"]
    )
    full = [*start, "start_assembly", "finish_assembly", *to_customer]
    paths = {
        Status.NEW: [],
        Status.AWAITING_PAYMENT: ["send_payment_link"],
        Status.CONFIRMED: ["confirm"],
        Status.PAID: start,
        Status.ASSEMBLING: [*start, "start_assembly"],
        Status.ASSEMBLED: [*start, "start_assembly", "finish_assembly"],
        Status.HANDED_TO_DELIVERY: [
            *start,
            "start_assembly",
            "finish_assembly",
            "hand_to_delivery",
        ],
        Status.AWAITING_PICKUP: full,
        Status.ISSUED: [*full, "issue"],
        Status.RETURNING: [*full, "fail_delivery"],
        Status.RETURN_REQUESTED: [*full, "issue", "request_return"],
        Status.RETURNED: [*full, "issue", "request_return", "complete_return"],
        Status.CANCELLED: (
            [*full, "fail_delivery", "receive_back"]
            if rng.random() < 0.3
            else [*[*start, "start_assembly"][: rng.randint(0, len(start) + 1)], "cancel"]
        ),
    }
    return paths[order_target]


#: The demo's history is made up: these steps run as bare transitions (cancel and receive_back
#: too, above), so that no payment is created at YooKassa, no link is texted and no refund is
#: asked for for orders that never had any money. Payments start with what people do in the
#: running demo.
_NO_MONEY_MOVES = frozenset({"send_payment_link"})


def _actor_for(name: str, staff: dict, manager):
    if name == "mark_paid":
        return None  # the payment provider's callback
    if name in ("finish_assembly", "receive_back"):
        return staff["sklad"]
    if name in ("complete_return",):
        return staff["lead"]
    return manager


def _demo_deal(rng, index, external_id, target, stores, staff, warehouses, products, contacts,
               companies) -> None:  # fmt: skip
    store = stores["dom"] if index % 2 else stores["sport"]
    managers = [u for u in ("anna", "vera") if store.code == "dom"] or ["boris", "vera"]
    manager = staff[rng.choice(managers)]
    channel = rng.choice([Channel.SITE] * 5 + [Channel.PHONE] * 2 + [Channel.TELEGRAM,
                          Channel.WHATSAPP, Channel.VK, Channel.VIBER])  # fmt: skip
    is_company = rng.random() < 0.06
    contact = rng.choice(contacts)
    company = rng.choice(companies) if is_company else None
    delivery, payment = _methods_for(rng, target)
    if company is not None and target not in (Status.AWAITING_PAYMENT, Status.PAID):
        payment = PaymentMethod.INVOICE
        if target in (Status.RETURNING, Status.CANCELLED):
            payment = PaymentMethod.INVOICE
    prefix = "HOME" if store.code == "dom" else "SPORT"
    short = SHORT_SKUS[prefix]
    catalogue = [p for p in products if p.sku.startswith(prefix) and p.sku != short]
    items = [
        ItemSpec(sku=p.sku, quantity=rng.choice([1, 1, 1, 2, 3]))
        for p in rng.sample(catalogue, rng.randint(1, 4))
    ]
    if target in (Status.PAID, Status.CONFIRMED) and rng.random() < 0.4:
        # Waiting for its assembly with 3 of a product that has 1: «Start assembly» refuses.
        items.append(ItemSpec(sku=short, quantity=3))
    city = rng.choice(CITIES)
    address = f"{city}, {rng.choice(STREETS)}, д. {rng.randint(1, 120)}, кв. {rng.randint(1, 300)}"
    created_at = timezone.now() - timedelta(days=rng.uniform(0.05, 60))
    responsible = None if target == "deal:new" and rng.random() < 0.5 else manager
    source = rng.choice(["cart", "one_click", "landing", "promo"]) if channel == "site" else ""
    pickup_code = rng.choice(CDEK_PICKUP_POINTS) if delivery == DeliveryMethod.CDEK else ""

    with transaction.atomic():
        deal = deal_create(
            store=store,
            channel=channel,
            contact=contact,
            company=company,
            responsible=responsible,
            items=items,
            source=source,
            external_id=external_id,
            delivery_method=delivery,
            delivery_address="" if delivery == DeliveryMethod.PICKUP else address,
            pickup_point=warehouses["pvz-tverskaya"] if delivery == DeliveryMethod.PICKUP else None,
            pickup_point_code=pickup_code,
            payment_method=payment,
            comment=rng.choice(["", "", "Позвонить за час до доставки", "Домофон не работает"]),
        )  # fmt: skip
        if target == "deal:new":
            _backdate(deal, None, created_at, rng)
            return
        deal_take_into_work(deal_id=deal.pk, actor=manager)
        if target == "deal:in_progress":
            _backdate(deal, None, created_at, rng)
            return
        if target == "deal:lost":
            reason = rng.choice(list(RefusalReason.objects.exclude(code=NOT_PICKED_UP)))
            deal_lose(deal_id=deal.pk, actor=manager, reason=reason, comment="")
            _backdate(deal, None, created_at, rng)
            return
        order = order_place_from_deal(deal_id=deal.pk, actor=manager)
        for name in _path(target, delivery, payment, rng):
            actor = _actor_for(name, staff, manager)
            via = Via.WEBHOOK if name == "mark_paid" else Via.ADMIN
            if name == "cancel":
                reason = rng.choice(list(RefusalReason.objects.exclude(code=NOT_PICKED_UP)))
                comment = "Клиент отказался по телефону"
                order_transition(order_id=order.pk, name=name, actor=staff["lead"], via=via,
                                 reason=reason.name, comment=comment,
                                 kwargs={"reason": reason, "comment": comment})  # fmt: skip
            elif name == "receive_back":
                reason = not_picked_up_reason()
                order_transition(order_id=order.pk, name=name, actor=actor, via=via,
                                 reason=reason.name, kwargs={"reason": reason})  # fmt: skip
            elif name == "request_return":
                demo_request_return(rng, order, actor, via=via)
                if target == Status.RETURN_REQUESTED:
                    demo_inspect_return(rng, order, staff["sklad"])
            elif name == "complete_return":
                demo_complete_return(rng, order, actor, via=via)
            elif name in _NO_MONEY_MOVES:
                order_transition(order_id=order.pk, name=name, actor=actor, via=via)
            elif name == "start_assembly":
                try:
                    ORDER_TRANSITION_SERVICES[name](order_id=order.pk, actor=actor, via=via)
                except OrderError:
                    # Not enough demo stock left (a big --deals): the order waits for goods,
                    # as a real one would.
                    break
            else:
                ORDER_TRANSITION_SERVICES[name](order_id=order.pk, actor=actor, via=via)
        _backdate(deal, order, created_at, rng)


def _backdate(deal: Deal, order: Order | None, created_at, rng: random.Random) -> None:
    """Spread the history over the weeks before now, as if it had happened then.

    Each step takes from a few minutes to a day; a few open orders are left stuck for days so
    that the overdue views have something to show.
    """
    moment = created_at
    Deal.objects.filter(pk=deal.pk).update(created_at=moment)
    steps = list(DealTransition.objects.filter(deal=deal))
    if order is not None:
        steps += list(OrderTransition.objects.filter(order=order))
    steps.sort(key=lambda log: (log.created_at, log.pk))
    last_deal = last_order = moment
    #: (when it really happened, when it happened in the demo) of each step, in order.
    moved: list[tuple[datetime, datetime]] = []
    now = timezone.now()
    for log in steps:
        # An entry that is not a status change (stock reserved, document created …) happened
        # with the step before it.
        if not (isinstance(log, OrderTransition) and log.source == log.target):
            moment = min(moment + timedelta(minutes=rng.uniform(3, 60 * 20)), now)
        moved.append((log.created_at, moment))
        type(log).objects.filter(pk=log.pk).update(created_at=moment)
        if isinstance(log, DealTransition):
            last_deal = moment
        else:
            last_order = moment

    def backdated(real: datetime) -> datetime:
        # A transition sets its fields (paid_at, issued_at …) just before its log entry is
        # written, and an order is placed just before the deal's move to «Заказ оформлен».
        return next((demo for logged, demo in moved if logged >= real), moment)

    # Nobody touched the deal since its last step: the frozen deals (docs/processing-time.md).
    Deal.objects.filter(pk=deal.pk).update(stage_changed_at=last_deal, updated_at=last_deal)
    if order is not None:
        order.refresh_from_db()
        updates = {
            "created_at": backdated(order.created_at),
            "stage_changed_at": last_order,
            "updated_at": last_order,
        }
        for field in ("paid_at", "issued_at", "closed_at"):
            if getattr(order, field):
                updates[field] = backdated(getattr(order, field))
        Order.objects.filter(pk=order.pk).update(**updates)
        backdate_returns(order)
