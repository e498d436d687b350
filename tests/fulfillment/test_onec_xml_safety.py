"""1C's files are read with defusedxml: a document with a DTD (the «billion laughs», an external
entity pointing at a local file) is refused with a clear «failure» and changes nothing. And the
exchange's password cannot be guessed at speed."""

from __future__ import annotations

import base64
import datetime

import pytest
import time_machine

from catalog.models import Product
from fulfillment.onec.models import ExchangeLog
from orders.models import Order
from tests.factories import OrderFactory, ProductFactory

from .test_onec_protocol import URL, _exchange_settings, basic, lines, login, upload  # noqa: F401

pytestmark = pytest.mark.django_db

ROOT = "КоммерческаяИнформация"

BILLION_LAUGHS = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE {ROOT} [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<{ROOT} ВерсияСхемы="2.10"><Каталог><Товары><Товар><Ид>1</Ид><Наименование>&lol9;</Наименование>
</Товар></Товары></Каталог></{ROOT}>""".encode()

EXTERNAL_ENTITY = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE {ROOT} [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<{ROOT} ВерсияСхемы="2.10"><Документ><Ид>1</Ид><Номер>&secret;</Номер></Документ>
</{ROOT}>""".encode()

#: A DTD without entities: refused too (forbid_dtd), nothing in it is needed by CommerceML.
PLAIN_DTD = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE {ROOT} SYSTEM "http://example.invalid/cml.dtd">
<{ROOT} ВерсияСхемы="2.10"></{ROOT}>""".encode()


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY, PLAIN_DTD])
def test_a_catalogue_file_with_a_dtd_is_refused_and_changes_nothing(client, document):
    ProductFactory(sku="KEEP", name="Чайник")
    login(client)
    upload(client, "catalog", "import.xml", document, piece=4096)

    response = client.get(URL, {"type": "catalog", "mode": "import", "filename": "import.xml"})

    assert lines(response) == ["failure", "The file declares a DTD or XML entities: refused"]
    assert list(Product.objects.values_list("sku", "name")) == [("KEEP", "Чайник")]
    log = ExchangeLog.objects.get()
    assert (log.status, log.error) == (
        ExchangeLog.Status.FAILURE,
        "The file declares a DTD or XML entities: refused",
    )


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_an_orders_file_with_entities_is_refused_and_changes_nothing(client, store_a, document):
    order = OrderFactory(store=store_a)
    before = Order.objects.filter(pk=order.pk).values().get()
    login(client, kind="sale")

    # The orders file is applied as soon as its last piece arrives.
    response = client.post(
        f"{URL}?type=sale&mode=file&filename=orders.xml",
        data=document,
        content_type="application/octet-stream",
    )

    assert lines(response)[0] == "failure"
    assert "DTD" in lines(response)[1]
    assert Order.objects.filter(pk=order.pk).values().get() == before


@time_machine.travel(datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_guessing_the_exchange_password_is_locked_out(client, settings):
    settings.LOGIN_FAILURES_PER_USER = "5/15m"
    wrong = "Basic " + base64.b64encode(b"1c:guess").decode()
    for _ in range(5):
        refused = client.get(
            URL, {"type": "catalog", "mode": "checkauth"}, HTTP_AUTHORIZATION=wrong
        )
        assert refused.status_code == 401

    locked = client.get(URL, {"type": "catalog", "mode": "checkauth"}, HTTP_AUTHORIZATION=basic())

    assert locked.status_code == 429
    assert lines(locked) == [
        "failure",
        "Слишком много неудачных попыток входа. Повторите через 15 мин.",
    ]
    assert locked["Retry-After"] == "900"
