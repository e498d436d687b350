"""Demo step: the catalogue of 1C's sample files (fulfillment/onec/samples: four rugs, one of
them deleted in 1C, stock in three 1C warehouses) imported as 1C would, so that the products
show their 1C id and the exchange log has entries. The demo's main warehouse stands for 1C's
«Москва»; the other two 1C warehouses arrive as new inactive warehouses. Idempotent: the import
changes nothing the second time and the log is written once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.utils import timezone

from catalog.exchange import catalog_import_file
from catalog.models import Warehouse

from .models import ExchangeLog

SAMPLES = Path(__file__).parent / "samples"
MOSCOW = "dd306af1-19c9-11e7-80c2-0cc47ab29cd1"
SESSION = "demo"


def seed_onec_demo(log: Callable[[str], None]) -> None:
    Warehouse.objects.filter(code="main", external_id="").update(external_id=MOSCOW)
    first_time = not ExchangeLog.objects.filter(session=SESSION).exists()
    for name in ("import.xml", "offers.xml"):
        result = catalog_import_file(SAMPLES / name, price_type="")
        if first_time:
            ExchangeLog.objects.create(
                kind=ExchangeLog.Kind.CATALOG_IMPORT,
                session=SESSION,
                filename=name,
                status=ExchangeLog.Status.SUCCESS,
                counts=result.counts,
                warnings="\n".join(result.warnings),
                finished_at=timezone.now(),
            )
    log("1C: sample catalogue imported (see «1C exchange log»).")
