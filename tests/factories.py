"""factory-boy factories: explicit about the data that matters to a test."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from catalog.models import Product, StockLevel, Store, Warehouse
from contacts.models import Company, Contact, Message, MessageTemplate
from deals.choices import Channel, DeliveryMethod, PaymentMethod
from deals.models import Deal, DealItem, RefusalReason
from deals.services import deal_reach_step
from integrations.yookassa.client import YooKassaError, YooPayment, YooRefund
from orders.models import Order, OrderItem, OrderReturn, Payment, Refund, ReturnLine, ReturnReason
from orders.returns_models import Condition, ReturnChannel, ReturnMethod


def role_group(name: str) -> Group:
    """The role's group. Transactional tests flush the tables, the groups the migrations
    created included: then they are rebuilt from orders.roles, permissions and all."""
    group = Group.objects.filter(name=name).first()
    if group is None:
        from django.apps import apps
        from django.contrib.auth.management import create_permissions
        from django.contrib.auth.models import Permission

        from orders.roles import ROLE_PERMISSIONS

        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0)
        group = Group.objects.create(name=name)
        for perm in ROLE_PERMISSIONS[name]:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    return group


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="ru_RU")
    last_name = factory.Faker("last_name", locale="ru_RU")
    is_staff = True
    password = factory.django.Password("pass12345")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or ():
            self.groups.add(role_group(name))

    @factory.post_generation
    def stores(self, create, extracted, **kwargs):
        for store in extracted or ():
            store.members.add(self)


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"store{n}")
    name = factory.Sequence(lambda n: f"Магазин {n}")


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"wh{n}")
    name = factory.Sequence(lambda n: f"Склад {n}")
    kind = Warehouse.Kind.MAIN


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Товар {n}")
    price = Decimal("1000.00")
    weight_grams = 500


class StockLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLevel

    product = factory.SubFactory(ProductFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    quantity = 10


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    full_name = factory.Faker("name", locale="ru_RU")
    phone = factory.Sequence(lambda n: f"+7999{n:07d}")
    email = factory.Sequence(lambda n: f"customer{n}@example.ru")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"ООО «Ромашка-{n}»")
    inn = "7707083893"
    kpp = factory.Sequence(lambda n: f"7736{n:05d}")
    phone = "+74951234567"


class RefusalReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RefusalReason
        django_get_or_create = ("code",)

    code = "changed_mind"
    name = "Передумал"


class DealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deal

    number = factory.Sequence(lambda n: str(50000 + n))
    title = factory.LazyAttribute(lambda d: f"Заказ №{d.number}")
    store = factory.SubFactory(StoreFactory)
    channel = Channel.SITE
    contact = factory.SubFactory(ContactFactory)
    delivery_method = DeliveryMethod.COURIER
    delivery_address = "Москва, ул. Тверская, д. 1, кв. 5"
    payment_method = PaymentMethod.ONLINE
    stage = Deal.Stage.NEW
    #: As if the deal had moved to its stage through the services (deal_transition).
    furthest_step = factory.LazyAttribute(lambda d: Deal(stage=d.stage).stage_funnel_step())


class DealItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealItem

    deal = factory.SubFactory(DealFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1
    price = factory.LazyAttribute(lambda item: item.product.price)


class OrderFactory(factory.django.DjangoModelFactory):
    """An order in any status: pass `status=` (the constructor may set a protected field)."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    deal = factory.SubFactory(
        DealFactory,
        store=factory.SelfAttribute("..store"),
        contact=factory.SelfAttribute("..contact"),
        stage=Deal.Stage.ORDER_PLACED,
    )
    number = factory.LazyAttribute(lambda o: o.deal.number)
    store = factory.SubFactory(StoreFactory)
    contact = factory.SubFactory(ContactFactory)
    payment_method = PaymentMethod.ONLINE
    delivery_method = DeliveryMethod.COURIER
    delivery_address = "Москва, ул. Тверская, д. 1, кв. 5"

    @factory.post_generation
    def deal_step(self, create, extracted, **kwargs):
        """The deal reaches the funnel step of the order's state, as order_transition does."""
        if create:
            deal_reach_step(deal=self.deal, step=self.funnel_step())

    @factory.post_generation
    def items(self, create, extracted, **kwargs):
        """`items=2` adds two lines of 1000 ₽; `items=0` leaves the order empty."""
        count = 1 if extracted is None else extracted
        for _ in range(count):
            OrderItemFactory(order=self)
        if count:
            self.recalculate_totals()
            Order.objects.filter(pk=self.pk).update(items_total=self.items_total, total=self.total)


class OrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory, items=0)
    product = factory.SubFactory(ProductFactory)
    sku = factory.LazyAttribute(lambda i: i.product.sku)
    name = factory.LazyAttribute(lambda i: i.product.name)
    price = factory.LazyAttribute(lambda i: i.product.price)
    quantity = 1


class MessageTemplateFactory(factory.django.DjangoModelFactory):
    """A template with the given code: the default one of that code (orders.default_templates,
    created by every migrate) is rewritten with the given name, text and state."""

    class Meta:
        model = MessageTemplate

    code = factory.Sequence(lambda n: f"template-{n}")
    name = factory.Sequence(lambda n: f"Шаблон {n}")
    text = "Заказ №{order_number} на {total} ₽: оплатите по ссылке {payment_link}"

    @classmethod
    def _create(cls, model_class, *args, code, **fields):
        template, _created = model_class.objects.update_or_create(code=code, defaults=fields)
        return template


class MessageFactory(factory.django.DjangoModelFactory):
    """An outbound SMS to the contact's phone; pass `status=` and friends for other states."""

    class Meta:
        model = Message

    contact = factory.SubFactory(ContactFactory)
    channel = Message.Channel.SMS
    recipient = factory.LazyAttribute(lambda m: m.contact.phone)
    direction = Message.Direction.OUTBOUND
    text = "Ваш заказ собран"
    idempotency_key = factory.Sequence(lambda n: f"test:{n}")


# --- payments -------------------------------------------------------------------------------


class PaymentFactory(factory.django.DjangoModelFactory):
    """A payment link at YooKassa awaiting payment, for an order awaiting payment; pass
    `status=` (and `applied_to_order=True` for the one that paid the order) for others."""

    class Meta:
        model = Payment

    order = factory.SubFactory(
        OrderFactory,
        status=Order.Status.AWAITING_PAYMENT,
        payment_status=Order.PaymentStatus.PENDING,
    )
    amount = factory.LazyAttribute(lambda p: p.order.total)
    status = Payment.Status.PENDING
    provider_payment_id = factory.Sequence(lambda n: f"2f{n:06d}-000f-5000-9000-0000000000aa")
    confirmation_url = factory.LazyAttribute(
        lambda p: f"https://yoomoney.test/checkout?orderId={p.provider_payment_id}"
    )
    idempotence_key = factory.Sequence(lambda n: f"test-payment-{n}")


class RefundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Refund

    payment = factory.SubFactory(
        PaymentFactory, status=Payment.Status.SUCCEEDED, applied_to_order=True
    )
    order = factory.SelfAttribute("payment.order")
    amount = factory.LazyAttribute(lambda r: r.payment.amount)
    provider_refund_id = factory.Sequence(lambda n: f"2f{n:06d}-0015-5000-9000-0000000000bb")
    idempotence_key = factory.Sequence(lambda n: f"test-refund-{n}")


def paid_order(**kwargs) -> Order:
    """An order paid by a YooKassa link (the payment that paid it is `order.payments.get()`);
    `kwargs` go to OrderFactory (status, store …)."""
    kwargs.setdefault("status", Order.Status.PAID)
    kwargs.setdefault("payment_status", Order.PaymentStatus.PAID)
    order = OrderFactory(**kwargs)
    order.refresh_from_db()
    PaymentFactory(order=order, status=Payment.Status.SUCCEEDED, applied_to_order=True)
    return order


class FakeYooKassa:
    """YooKassa as `integrations.yookassa.client` presents it, in memory: `install()` puts its
    methods in the client's place. Payments start pending; tests move them on with `pay`,
    `expire`; `errors` are raised by the next calls of the named function, in order."""

    def __init__(self) -> None:
        self.payments: dict[str, YooPayment] = {}
        self.refunds: dict[str, YooRefund] = {}
        self.calls: list[tuple[str, dict]] = []
        self.errors: dict[str, list[Exception]] = {}
        #: The status create_refund answers with.
        self.refund_status = "succeeded"
        self._keys: dict[str, str] = {}

    def install(self, monkeypatch) -> FakeYooKassa:
        from integrations.yookassa import client

        for name in ("create_payment", "get_payment", "cancel_payment", "create_refund",
                     "get_refund"):  # fmt: skip
            monkeypatch.setattr(client, name, getattr(self, name))
        return self

    def names(self) -> list[str]:
        return [name for name, _kwargs in self.calls]

    def _call(self, name: str, **kwargs) -> None:
        self.calls.append((name, kwargs))
        if self.errors.get(name):
            raise self.errors[name].pop(0)

    def add(self, payment_id: str, *, amount: Decimal, status: str = "pending", **fields):
        self.payments[payment_id] = YooPayment(
            id=payment_id,
            status=status,
            paid=status == "succeeded",
            amount=amount,
            currency="RUB",
            confirmation_url=f"https://yoomoney.test/checkout?orderId={payment_id}",
            metadata=fields.pop("metadata", {}),
            cancellation_reason=fields.pop("cancellation_reason", None),
            refundable=status == "succeeded",
            test=True,
        )
        return self.payments[payment_id]

    def set(self, payment_id: str, **changes) -> None:
        self.payments[payment_id] = dataclasses.replace(self.payments[payment_id], **changes)

    def pay(self, payment_id: str) -> None:
        self.set(payment_id, status="succeeded", paid=True, refundable=True)

    def expire(self, payment_id: str, reason: str = "expired_on_confirmation") -> None:
        self.set(payment_id, status="canceled", cancellation_reason=reason)

    # --- the client's functions

    def create_payment(self, *, amount, description, metadata, idempotence_key, **kwargs):
        self._call("create_payment", amount=amount, description=description,
                   metadata=metadata, idempotence_key=idempotence_key, **kwargs)  # fmt: skip
        if idempotence_key in self._keys:
            return self.payments[self._keys[idempotence_key]]
        payment_id = f"2f{len(self.payments) + 1:06d}-000f-5000-9000-00000000fake"
        self._keys[idempotence_key] = payment_id
        return self.add(payment_id, amount=amount, metadata=metadata)

    def get_payment(self, payment_id):
        self._call("get_payment", payment_id=payment_id)
        if payment_id not in self.payments:
            raise YooKassaError("not found", status_code=404, code="not_found")
        return self.payments[payment_id]

    def cancel_payment(self, payment_id, *, idempotence_key):
        self._call("cancel_payment", payment_id=payment_id, idempotence_key=idempotence_key)
        payment = self.payments[payment_id]
        if payment.status != "canceled":
            raise YooKassaError("only waiting_for_capture", status_code=400, code="invalid_request")
        return payment

    def create_refund(self, *, payment_id, amount, idempotence_key, **kwargs):
        self._call("create_refund", payment_id=payment_id, amount=amount,
                   idempotence_key=idempotence_key, **kwargs)  # fmt: skip
        refund_id = self._keys.get(idempotence_key)
        if refund_id is None:
            refund_id = f"2f{len(self.refunds) + 1:06d}-0015-5000-9000-00000000fake"
            self._keys[idempotence_key] = refund_id
            self.refunds[refund_id] = YooRefund(
                id=refund_id, status=self.refund_status, amount=amount, payment_id=payment_id
            )
        return self.refunds[refund_id]

    def get_refund(self, refund_id):
        self._call("get_refund", refund_id=refund_id)
        if refund_id not in self.refunds:
            raise YooKassaError("not found", status_code=404, code="not_found")
        return self.refunds[refund_id]


class ReturnReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReturnReason
        django_get_or_create = ("code",)

    code = "wrong_size"
    name = "Не подошёл размер или цвет"


def open_return(order: Order, *, inspected: bool = False, **kwargs) -> OrderReturn:
    """A return awaiting inspection of every line of `order` (which should be «Возврат»), in
    full; `inspected=True` records them accepted without a defect."""
    order_return = OrderReturn.objects.create(
        order=order,
        store_id=order.store_id,
        reason=kwargs.pop("reason", None) or ReturnReasonFactory(),
        channel=kwargs.pop("channel", ReturnChannel.PHONE),
        method=kwargs.pop("method", ReturnMethod.PICKUP_POINT),
        **kwargs,
    )
    for item in order.items.all():
        ReturnLine.objects.create(
            order_return=order_return,
            order_item=item,
            quantity=item.quantity,
            condition=Condition.NO_DEFECT if inspected else Condition.PENDING,
            accepted=True if inspected else None,
        )
    return order_return


def issued_order(store, *, lines=((Decimal("1000.00"), 1),), discount=Decimal("0"), paid=True,
                 payment_method=PaymentMethod.ONLINE, **kwargs) -> Order:  # fmt: skip
    """An order issued a day ago with `lines` of (price, quantity); paid by a YooKassa link
    for its total unless `paid=False` (then paid on delivery by `payment_method`)."""
    kwargs.setdefault("status", Order.Status.ISSUED)
    order = OrderFactory(
        store=store,
        issued_at=timezone.now() - datetime.timedelta(days=1),
        payment_method=payment_method if not paid else PaymentMethod.ONLINE,
        payment_status=Order.PaymentStatus.PAID,
        discount_amount=discount,
        items=0,
        **kwargs,
    )
    for price, quantity in lines:
        OrderItemFactory(
            order=order, product=ProductFactory(price=price), price=price, quantity=quantity
        )
    order.recalculate_totals()
    Order.objects.filter(pk=order.pk).update(items_total=order.items_total, total=order.total)
    order.refresh_from_db()
    if paid:
        PaymentFactory(order=order, amount=order.total, status="succeeded", applied_to_order=True)
    return order
