"""The demo store website's checkout (only with SANDBOX_ENABLED): builds an order from the
catalogue and sends it, signed with the store's secret, over real HTTP to our own store API,
so the demo shows the whole intake path: contact, deal, distribution, order."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import requests
from django import forms
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, Store, Warehouse
from integrations.storesite.signing import sign

FIRST_NAMES = ["Анна", "Ирина", "Олег", "Сергей", "Мария", "Дмитрий", "Елена", "Павел"]
LAST_NAMES = ["Смирнова", "Кузнецова", "Попов", "Волков", "Соколова", "Лебедев", "Орлова"]


class CheckoutForm(forms.Form):
    store = forms.ModelChoiceField(
        Store.objects.filter(is_active=True), label=_("store"), empty_label=None
    )
    phone = forms.CharField(
        label=_("phone"),
        required=False,
        help_text=_("Empty: a new customer. A known phone shows a returning customer."),
    )
    delivery = forms.ChoiceField(
        label=_("delivery"),
        choices=[("cdek", _("CDEK")), ("courier", _("City courier")), ("pickup", _("Pickup"))],
    )
    payment = forms.ChoiceField(
        label=_("payment"),
        choices=[
            ("paid", _("Paid online on the site")),
            ("online", _("Online, not paid yet")),
            ("cash_on_delivery", _("Cash on delivery")),
        ],
    )
    one_click = forms.BooleanField(
        label=_("one-click order (phone and basket only)"), required=False
    )


def build_order(data: dict) -> dict:
    """A website order in the store API's format from the form's choices."""
    products = list(Product.objects.filter(is_active=True, needs_review=False)[:50])
    basket = random.sample(products, k=min(len(products), random.randint(1, 3)))
    number = timezone.now().strftime("%H%M%S") + f"{random.randint(0, 999):03d}"
    phone = data["phone"] or f"+7916{random.randint(0, 9_999_999):07d}"
    order = {
        "external_id": f"SITE-{number}",
        "created_at": timezone.now().isoformat(),
        "customer": {
            "name": f"{random.choice(FIRST_NAMES)} {random.choice(LAST_NAMES)}",
            "phone": phone,
            "email": "",
        },
        "items": [
            {
                "sku": product.sku,
                "name": product.name,
                "quantity": random.randint(1, 2),
                "price": str(product.price),
            }
            for product in basket
        ],
        "source": "one_click" if data["one_click"] else "cart",
        "comment": "",
    }
    if data["one_click"]:
        return order
    order["delivery"] = _delivery(data["delivery"])
    paid = data["payment"] == "paid"
    order["payment"] = {
        "method": "online" if paid else data["payment"],
        "paid": paid,
        "transaction_id": f"site-{number}" if paid else "",
    }
    return order


def _delivery(method: str) -> dict:
    if method == "pickup":
        point = Warehouse.objects.filter(kind=Warehouse.Kind.PICKUP_POINT, is_active=True).first()
        return {"method": "pickup", "pickup_point_code": point.code if point else ""}
    if method == "courier":
        return {"method": "courier", "address": "Москва, ул. Тверская, 7, кв. 12", "cost": "300.00"}
    return {"method": "cdek", "pickup_point_code": "MSK123", "cost": str(Decimal("350.00"))}


# No request transaction: on the demo's SQLite it would hold the write lock while our own API,
# called over HTTP below, waits for it.
@transaction.non_atomic_requests
def checkout(request: HttpRequest) -> HttpResponse:
    form = CheckoutForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        store = form.cleaned_data["store"]
        body = json.dumps(build_order(form.cleaned_data), ensure_ascii=False).encode()
        response = requests.post(
            f"{settings.SITE_URL}{reverse('api-orders')}",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Store-Code": store.code,
                "X-Signature": sign(body, store.api_secret),
            },
            timeout=30,
        )
        try:
            answer = response.json()
        except ValueError:
            answer = {"body": response.text[:2000]}
        result = {
            "status": response.status_code,
            "sent": json.dumps(json.loads(body), ensure_ascii=False, indent=2),
            "answer": json.dumps(answer, ensure_ascii=False, indent=2),
            "order_url": (
                reverse("admin:orders_order_change", args=[answer["order_id"]])
                if answer.get("order_id")
                else None
            ),
            "deal_url": (
                reverse("admin:deals_deal_change", args=[answer["deal_id"]])
                if answer.get("deal_id")
                else None
            ),
        }
    return render(request, "orders/sandbox/checkout.html", {"form": form, "result": result})
