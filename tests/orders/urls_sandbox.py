"""The project's URLs with the demo sandbox mounted (orders_office/urls.py reads
SANDBOX_ENABLED once, at import)."""

from django.urls import include, path

from orders.sandbox_checkout import checkout
from orders_office.urls import urlpatterns as project

urlpatterns = [
    path("sandbox/storesite/checkout/", checkout, name="sandbox-checkout"),
    path("sandbox/", include("integrations.sandbox.urls")),
    *(pattern for pattern in project if not str(pattern.pattern).startswith("sandbox/")),
]
