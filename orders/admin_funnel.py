"""The «Воронка» admin page: the sales funnel of a period (orders.funnel) as a table and an SVG
chart. Opened and scoped as the «Отчёты» page: whoever may view orders, with the figures of the
stores they see."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from .admin_reports import ReportFilterForm, may_view_reports
from .funnel import build_funnel, funnel_chart


def funnel_view(request: HttpRequest) -> HttpResponse:
    if not may_view_reports(request.user):
        raise PermissionDenied
    form = ReportFilterForm(request.GET, user=request.user)
    funnel = chart = None
    if form.is_valid():
        data = form.cleaned_data
        funnel = build_funnel(form.stores(), data["date_from"], data["date_to"])
        chart = funnel_chart(funnel.steps)
    context = {
        **admin.site.each_context(request),
        "title": _("Sales funnel"),
        "form": form,
        "funnel": funnel,
        "chart": chart,
    }
    return TemplateResponse(request, "orders/admin/funnel.html", context)


# Added in front of the admin's own URLs, as the reports page is (orders.admin_reports).
_stock_get_urls = admin.site.get_urls


def _get_urls():
    return [
        path("orders/funnel/", admin.site.admin_view(funnel_view), name="orders_funnel"),
        *_stock_get_urls(),
    ]


admin.site.get_urls = _get_urls
