"""The «Просрочки» admin page: the team lead's overdue dashboard, or a manager's own version."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from catalog.models import Store
from deals.choices import Channel
from deals.models import Deal

from . import dashboard
from .models import Order

_MODELS = {"deal": Deal, "order": Order}


def can_open_dashboard(user) -> bool:
    return (
        user.is_active
        and user.is_staff
        and (user.has_perm("deals.view_deal") or user.has_perm("orders.view_order"))
    )


def _scope(request: HttpRequest) -> dashboard.Scope:
    store = request.GET.get("store", "")
    store_id = None
    if store:
        # Another store's figures look like a page that does not exist.
        if not store.isdigit() or not Store.objects.visible_to(request.user).filter(pk=store):
            raise Http404(_("Not found."))
        store_id = int(store)
    channel = request.GET.get("channel", "")
    return dashboard.Scope(
        request.user, store_id=store_id, channel=channel if channel in Channel.values else ""
    )


@require_http_methods(["GET", "POST"])
def dashboard_view(request: HttpRequest) -> HttpResponse:
    if not can_open_dashboard(request.user):
        raise PermissionDenied
    if request.method == "POST":
        return _reassign(request)
    scope = _scope(request)
    now = timezone.now()
    by_stage = dashboard.stage_counts(scope)
    by_manager = dashboard.manager_counts(scope) if scope.is_team_view else []
    rows = dashboard.overdue_rows(scope)
    managers = (
        dashboard.store_managers({row.obj.store_id for row in rows}) if scope.is_team_view else {}
    )
    context = {
        **admin.site.each_context(request),
        "title": _("Overdue dashboard"),
        "scope": scope,
        "stores": Store.objects.visible_to(request.user),
        "channels": Channel.choices,
        "by_stage": by_stage,
        "by_manager": by_manager,
        "stage_chart": dashboard.counts_chart(by_stage, title=_("Overdue and at risk by stage")),
        "manager_chart": dashboard.counts_chart(
            by_manager, title=_("Overdue and at risk by manager")
        ),
        "rows": [
            {
                "row": row,
                "hours": row.hours_overdue(now),
                "managers": managers.get(row.obj.store_id, []),
                "type": "deal" if isinstance(row.obj, Deal) else "order",
            }
            for row in rows
        ],
        "capped": dashboard.overdue_count(by_stage) > len(rows),
        "limit": dashboard.LIST_LIMIT,
        "tasks": [] if scope.is_team_view else dashboard.overdue_tasks(request.user, now=now),
        "query": request.GET.urlencode(),
    }
    return TemplateResponse(request, "orders/admin/dashboard.html", context)


def _reassign(request: HttpRequest) -> HttpResponse:
    model = _MODELS.get(request.POST.get("type", ""))
    if model is None or not request.POST.get("object", "").isdigit():
        raise Http404(_("Not found."))
    # Another store's row is simply not found, before any question of rights.
    visible = Store.objects.visible_to(request.user)
    obj = get_object_or_404(model.objects.filter(store__in=visible), pk=request.POST["object"])
    opts = model._meta
    if not (
        dashboard.Scope(request.user).is_team_view
        and request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
    ):
        raise PermissionDenied
    manager_id = request.POST.get("manager", "")
    manager = get_object_or_404(
        get_user_model().objects.filter(is_active=True, is_staff=True, stores=obj.store_id),
        pk=manager_id if manager_id.isdigit() else 0,
    )
    if dashboard.reassign(obj, manager, request.user):
        messages.success(
            request,
            _("«%(object)s»: the manager is now %(user)s.") % {"object": obj, "user": manager},
        )
    target = request.path
    if request.POST.get("query"):
        target += "?" + request.POST["query"]
    return redirect(target)
