"""The «Время обработки» admin page: processing times of a period and the frozen deals
(orders.processing), with a CSV export of the per-order times. Opened as the «Отчёты» page:
whoever may view orders, with the figures of the stores they see; another store in the query
is not found (404)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .admin_reports import ReportFilterForm, csv_response, may_view_reports
from .processing import DEFAULT_FROZEN_DAYS, OrderTimes, build_processing, stages_chart
from .reports import Report


class ProcessingFilterForm(ReportFilterForm):
    frozen_days = forms.IntegerField(
        label=_("Frozen after, days"),
        min_value=1,
        max_value=365,
        help_text=_("A deal with no change for this many days is frozen."),
    )

    def __init__(self, data, *, user) -> None:
        data = {"frozen_days": DEFAULT_FROZEN_DAYS, **{k: v for k, v in data.items() if v}}
        super().__init__(data, user=user)


def processing_view(request: HttpRequest, export: bool = False) -> HttpResponse:
    if not may_view_reports(request.user):
        raise PermissionDenied
    form = ProcessingFilterForm(request.GET, user=request.user)
    if request.GET.get("store") and "store" in form.errors:
        # A store the user does not see, or none at all: as on the overdue dashboard.
        raise Http404(gettext("Not found."))
    processing = None
    if form.is_valid():
        data = form.cleaned_data
        processing = build_processing(
            form.stores(),
            data["date_from"],
            data["date_to"],
            frozen_days=data["frozen_days"],
            now=timezone.now(),
        )
    if export:
        if processing is None:
            raise Http404(gettext("Not found."))
        return csv_response(orders_report(processing.orders), form.cleaned_data)
    context = {
        **admin.site.each_context(request),
        "title": _("Processing time"),
        "form": form,
        "processing": processing,
        "chart": stages_chart(processing) if processing else None,
        "query": request.GET.urlencode(),
    }
    return TemplateResponse(request, "orders/admin/processing.html", context)


def orders_report(times: OrderTimes) -> Report:
    """Every order of the period, slowest first, as the CSV export has them."""
    headers = [
        gettext("Order"),
        gettext("Customer"),
        gettext("Store"),
        gettext("Manager"),
        gettext("Created"),
        gettext("Issued"),
        gettext("Working hours"),
    ]
    rows = [
        [
            time.number,
            time.customer,
            time.store,
            time.manager,
            f"{timezone.localtime(time.created_at):%d.%m.%Y %H:%M}",
            f"{timezone.localtime(time.issued_at):%d.%m.%Y %H:%M}",
            str(time.hours).replace(".", ","),
        ]
        for time in times.orders
    ]
    return Report("processing", gettext("Processing time"), headers, rows)


# Added in front of the admin's own URLs, as the reports page is (orders.admin_reports).
_stock_get_urls = admin.site.get_urls


def _get_urls():
    view = admin.site.admin_view(processing_view)
    return [
        path("orders/processing/", view, name="orders_processing"),
        path(
            "orders/processing/orders.csv",
            view,
            {"export": True},
            name="orders_processing_csv",
        ),
        *_stock_get_urls(),
    ]


admin.site.get_urls = _get_urls
