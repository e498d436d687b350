"""factory-boy factories: explicit about the data that matters to a test."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from accounts.models import User
from catalog.models import Product, StockLevel, Store, Warehouse
from contacts.models import Company, Contact, Message, MessageTemplate
from deals.choices import Channel, DeliveryMethod, PaymentMethod
from deals.models import Deal, DealItem, RefusalReason
from orders.models import Order, OrderItem


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
    class Meta:
        model = MessageTemplate
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"template-{n}")
    name = factory.Sequence(lambda n: f"Шаблон {n}")
    text = "Заказ №{order_number} на {total} ₽: оплатите по ссылке {payment_link}"


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
