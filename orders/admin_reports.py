"""The «Отчёты» admin page: the team lead's figures of a period (orders.reports) as tables, each
exportable to CSV. Whoever may view orders opens it; the figures are of the stores they see, so a
manager gets their own stores' figures only."""

from __future__ import annotations

import csv
import datetime
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Store

from .reports import Report, build_reports

#: The default period: the last 30 days, today included.
DEFAULT_DAYS = 30


class ReportFilterForm(forms.Form):
    # A date input shows only an ISO value; the localised one would leave it empty.
    date_from = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    store = forms.ModelChoiceField(
        label=_("store"), queryset=Store.objects.none(), required=False, empty_label=_("All")
    )

    def __init__(self, data, *, user) -> None:
        today = timezone.localdate()
        data = {
            "date_from": today - datetime.timedelta(days=DEFAULT_DAYS - 1),
            "date_to": today,
            **{key: value for key, value in data.items() if value},
        }
        super().__init__(data)
        self.fields["store"].queryset = Store.objects.visible_to(user).order_by("name")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start of the period is after its end."))
        return cleaned

    def stores(self):
        """The chosen store, or every store the user sees."""
        store = self.cleaned_data.get("store")
        queryset = self.fields["store"].queryset
        return queryset.filter(pk=store.pk) if store else queryset


def may_view_reports(user) -> bool:
    """The figures are for sales (managers, the team lead), not for everyone who sees orders:
    a warehouse user sees orders but not the revenue."""
    return user.has_perm("orders.view_order") and user.has_perm("orders.view_reports_order")


def reports_view(request: HttpRequest, export: str | None = None) -> HttpResponse:
    if not may_view_reports(request.user):
        raise PermissionDenied
    form = ReportFilterForm(request.GET, user=request.user)
    reports = []
    if form.is_valid():
        data = form.cleaned_data
        reports = build_reports(form.stores(), data["date_from"], data["date_to"])
    if export is not None:
        report = next((r for r in reports if r.key == export), None)
        if report is None:
            raise Http404
        return csv_response(report, form.cleaned_data)
    context = {
        **admin.site.each_context(request),
        "title": _("Reports"),
        "form": form,
        "reports": reports,
        "query": request.GET.urlencode(),
    }
    return TemplateResponse(request, "orders/admin/reports.html", context)


def csv_response(report: Report, period: dict) -> HttpResponse:
    """`report` as a CSV file Excel opens as is: a BOM for the Russian text, «;» between
    cells and a decimal comma in money."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{report.key}_{period['date_from']:%Y-%m-%d}_{period['date_to']:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(report.headers)
    for row in report.rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return response


#: What makes Excel or LibreOffice read a cell as a formula («=HYPERLINK(…)» in a customer's
#: name, sent from a store's website): such text cells get a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)


# The page is the site's, not a model's: added in front of the admin's own URLs (as the admin
# menu's order is set in orders_office.urls).
_stock_get_urls = admin.site.get_urls


def _get_urls():
    view = admin.site.admin_view(reports_view)
    return [
        path("orders/reports/", view, name="orders_reports"),
        path("orders/reports/<slug:export>.csv", view, name="orders_reports_csv"),
        *_stock_get_urls(),
    ]


admin.site.get_urls = _get_urls
