"""Signing requests the way a store's website does (docs/api.md)."""

from __future__ import annotations

import json

from integrations.storesite.signing import sign

API_URL = "/api/v1/orders/"


def signed_post(client, store, payload, *, secret=None, raw: bytes | None = None, **headers):
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    return client.post(
        API_URL,
        data=body,
        content_type="application/json",
        headers={
            "X-Store-Code": store.code,
            "X-Signature": sign(body, secret or store.api_secret),
            **headers,
        },
    )


def signed_get(client, store, external_id: str, *, secret=None):
    return client.get(
        f"{API_URL}{external_id}/",
        headers={
            "X-Store-Code": store.code,
            "X-Signature": sign(b"", secret or store.api_secret),
        },
    )


def site_order(external_id="A-1001", **overrides):
    """A complete order as a website sends it: 2 known items, CDEK, cash on delivery."""
    payload = {
        "external_id": external_id,
        "created_at": "2026-12-04T12:30:00+03:00",
        "customer": {
            "name": "Ирина Петрова",
            "phone": "8 (916) 123-45-67",
            "email": "Irina@Example.ru",
        },
        "items": [
            {"sku": "KETTLE-01", "name": "Чайник", "quantity": 1, "price": "2490.00"},
            {"sku": "MUG-02", "name": "Кружка", "quantity": 2, "price": "350.00"},
        ],
        "delivery": {"method": "cdek", "pickup_point_code": "MSK123", "cost": "300.00"},
        "payment": {"method": "cash_on_delivery", "paid": False},
        "coupon": "WINTER",
        "comment": "Позвоните перед доставкой",
        "source": "cart",
    }
    payload.update(overrides)
    return payload
