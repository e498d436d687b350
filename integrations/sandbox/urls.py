"""Fake provider endpoints at the paths the clients use below their default base URLs.

Mounted at /sandbox/ by orders_office/urls.py only when settings.SANDBOX_ENABLED is true.
"""

from django.urls import path, re_path

from .views import (
    cdek,
    customer,
    outbox,
    smsru,
    storesite,
    telegram,
    viber,
    vk,
    whatsapp,
    yookassa,
)

app_name = "sandbox"

urlpatterns = [
    path("", outbox.outbox, name="outbox"),
    path("customer/", customer.customer, name="customer"),
    path("smsru/sms/send", smsru.send, name="smsru-send"),
    path("smsru/deliver/<int:pk>/", outbox.smsru_deliver, name="smsru-deliver"),
    # An empty token must reach the view to get Telegram's 401, so not <str:token>.
    re_path(
        r"^telegram/bot(?P<token>[^/]*)/(?P<method>[A-Za-z]+)$",
        telegram.bot_method,
        name="telegram-method",
    ),
    re_path(
        r"^whatsapp/(?P<version>v\d+\.\d+)/(?P<phone_number_id>[^/]+)/messages$",
        whatsapp.messages,
        name="whatsapp-messages",
    ),
    path("vk/method/<str:name>", vk.method, name="vk-method"),
    path("viber/pa/send_message", viber.send_message, name="viber-send-message"),
    # YooKassa: the API at the client's paths below YOOKASSA_API_URL, then the buyer's side.
    path("yookassa/v3/payments", yookassa.create_payment, name="yookassa-payments"),
    path(
        "yookassa/v3/payments/<str:payment_id>",
        yookassa.get_payment,
        name="yookassa-payment",
    ),
    path(
        "yookassa/v3/payments/<str:payment_id>/cancel",
        yookassa.cancel_payment,
        name="yookassa-payment-cancel",
    ),
    path("yookassa/v3/refunds", yookassa.create_refund, name="yookassa-refunds"),
    path("yookassa/v3/refunds/<str:refund_id>", yookassa.get_refund, name="yookassa-refund"),
    path("yookassa/pay/<str:payment_id>/", yookassa.pay_page, name="yookassa-pay"),
    path("yookassa/expire/<str:payment_id>/", yookassa.expire, name="yookassa-expire"),
    path("yookassa/renotify/<str:payment_id>/", yookassa.renotify, name="yookassa-renotify"),
    # CDEK: the API at the client's paths below CDEK_API_URL, then the outbox buttons.
    path("cdek/v2/oauth/token", cdek.oauth_token, name="cdek-token"),
    path("cdek/v2/orders", cdek.orders, name="cdek-orders"),
    path("cdek/v2/orders/<str:order_uuid>", cdek.order, name="cdek-order"),
    path("cdek/v2/webhooks", cdek.webhooks, name="cdek-webhooks"),
    path("cdek/v2/webhooks/<str:hook_uuid>", cdek.webhook, name="cdek-webhook"),
    path("cdek/advance/<int:pk>/", cdek.advance, name="cdek-advance"),
    path("cdek/repush/<int:pk>/", cdek.repush, name="cdek-repush"),
    # The stores' website: the demo stores' callback URL, and what it received.
    path("storesite/", storesite.page, name="storesite"),
    path("storesite/events/", storesite.receive, name="storesite-events"),
    path("storesite/switch/", storesite.switch, name="storesite-switch"),
]
