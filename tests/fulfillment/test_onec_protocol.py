"""/1c/exchange end to end with Django's test client, as 1C calls it."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from catalog.models import Product, StockLevel
from fulfillment.onec.models import ExchangeLog
from fulfillment.onec.storage import COOKIE_NAME
from tests.factories import WarehouseFactory

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parents[1] / "integrations" / "samples"
URL = "/1c/exchange"
MOSCOW = "dd306af1-19c9-11e7-80c2-0cc47ab29cd1"


@pytest.fixture(autouse=True)
def _exchange_settings(settings, tmp_path):
    settings.ONEC_EXCHANGE_USER = "1c"
    settings.ONEC_EXCHANGE_PASSWORD = "s3cret"
    settings.ONEC_EXCHANGE_DIR = tmp_path / "onec"
    settings.ONEC_FILE_LIMIT = 4096
    settings.ONEC_EXCHANGE_ENCODING = "windows-1251"


def basic(user="1c", password="s3cret") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def lines(response) -> list[str]:
    return response.content.decode("windows-1251").split("\n")


def login(client, kind="catalog", url=URL) -> str:
    response = client.get(url, {"type": kind, "mode": "checkauth"}, HTTP_AUTHORIZATION=basic())
    status, name, value = lines(response)
    assert (response.status_code, status, name) == (200, "success", COOKIE_NAME)
    client.cookies[name] = value
    return value


def upload(client, kind: str, filename: str, data: bytes, *, piece: int) -> None:
    for start in range(0, len(data), piece):
        response = client.post(
            f"{URL}?type={kind}&mode=file&filename={filename}",
            data=data[start : start + piece],
            content_type="application/octet-stream",
        )
        assert lines(response) == ["success"]


def test_without_credentials_in_the_environment_the_exchange_is_disabled(client, settings):
    settings.ONEC_EXCHANGE_PASSWORD = ""

    response = client.get(URL, {"type": "catalog", "mode": "checkauth"}, HTTP_AUTHORIZATION=basic())

    assert lines(response)[0] == "failure"
    assert "ONEC_EXCHANGE_PASSWORD" in lines(response)[1]


@pytest.mark.parametrize("header", [basic(password="wrong"), basic(user="admin"), "", "Basic !!"])
def test_a_wrong_login_gets_401_and_failure(client, header):
    response = client.get(URL, {"type": "catalog", "mode": "checkauth"}, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert lines(response)[0] == "failure"
    assert response["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("cookie", [None, "forged"])
def test_calls_after_checkauth_need_the_session_cookie(client, cookie):
    if cookie:
        client.cookies[COOKIE_NAME] = cookie

    response = client.get(URL, {"type": "catalog", "mode": "init"})

    assert response.status_code == 403
    assert lines(response)[0] == "failure"


def test_init_announces_no_zip_and_the_file_limit(client):
    login(client)

    response = client.get(URL + "/", {"type": "catalog", "mode": "init"})

    assert response["Content-Type"] == "text/plain; charset=windows-1251"
    assert lines(response) == ["zip=no", "file_limit=4096"]


def test_the_full_catalog_exchange_with_files_in_pieces(client):
    WarehouseFactory(code="main", external_id=MOSCOW, priority=10)
    login(client, url=URL + "/")
    client.get(URL, {"type": "catalog", "mode": "init"})
    for name in ("import.xml", "offers.xml"):
        upload(client, "catalog", name, (SAMPLES / f"commerceml_{name}").read_bytes(), piece=4096)

        response = client.get(URL, {"type": "catalog", "mode": "import", "filename": name})

        assert lines(response) == ["success"]
    assert Product.objects.filter(is_active=True).count() == 3
    assert StockLevel.objects.get(product__sku="PM-421-WP", warehouse__code="main").quantity == 376
    logs = ExchangeLog.objects.order_by("pk")
    assert [(log.filename, log.status) for log in logs] == [
        ("import.xml", "success"),
        ("offers.xml", "success"),
    ]
    assert logs[1].counts["offers"] == 3
    assert logs[1].finished_at is not None


def test_a_broken_file_answers_failure_with_the_reason_and_changes_nothing(client):
    WarehouseFactory(code="main", external_id=MOSCOW, priority=10)
    login(client)
    client.get(URL, {"type": "catalog", "mode": "init"})
    upload(
        client,
        "catalog",
        "import.xml",
        (SAMPLES / "commerceml_import.xml").read_bytes(),
        piece=10**6,
    )
    client.get(URL, {"type": "catalog", "mode": "import", "filename": "import.xml"})
    broken = (
        (SAMPLES / "commerceml_offers.xml")
        .read_bytes()
        .replace('КоличествоНаСкладе="5"'.encode(), 'КоличествоНаСкладе="-5"'.encode())
    )
    assert b'"-5"' in broken
    upload(client, "catalog", "offers.xml", broken, piece=10**6)

    response = client.get(URL, {"type": "catalog", "mode": "import", "filename": "offers.xml"})

    assert lines(response)[0] == "failure"
    assert "Отрицательный остаток -5" in lines(response)[1]
    assert not StockLevel.objects.exists()
    assert Product.objects.filter(price=100).count() == 0
    log = ExchangeLog.objects.get(filename="offers.xml")
    assert (log.status, log.error) == ("failure", lines(response)[1])


def test_importing_a_file_never_uploaded_fails(client):
    login(client)
    client.get(URL, {"type": "catalog", "mode": "init"})

    response = client.get(URL, {"type": "catalog", "mode": "import", "filename": "offers.xml"})

    assert lines(response) == ["failure", "Файл не найден: offers.xml"]


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "a/../../b.xml", ""])
def test_file_names_cannot_leave_the_session_folder(client, name, settings):
    login(client)
    client.get(URL, {"type": "catalog", "mode": "init"})

    response = client.post(
        f"{URL}?type=catalog&mode=file&filename={name}", data=b"x", content_type="text/xml"
    )

    assert lines(response)[0] == "failure"
    assert not (Path(settings.ONEC_EXCHANGE_DIR).parent / "etc").exists()


def test_pictures_are_accepted_and_not_imported(client):
    login(client)
    client.get(URL, {"type": "catalog", "mode": "init"})
    upload(client, "catalog", "import_files/ab/pic.jpg", b"\xff\xd8\xff", piece=100)

    response = client.get(
        URL, {"type": "catalog", "mode": "import", "filename": "import_files/ab/pic.jpg"}
    )

    assert lines(response) == ["success"]
    assert not ExchangeLog.objects.exists()


def test_modes_of_newer_modules_are_answered_success(client):
    login(client)

    response = client.get(URL, {"type": "catalog", "mode": "deactivate"})

    assert lines(response) == ["success"]


def test_an_unknown_type_fails(client):
    response = client.get(URL, {"type": "reference", "mode": "checkauth"})

    assert lines(response)[0] == "failure"
