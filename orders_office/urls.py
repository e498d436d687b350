from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from orders.admin_dashboard import dashboard_view

admin.site.site_header = _("Orders Office")
admin.site.site_title = _("Orders Office")
admin.site.index_title = _("Order processing")

#: The admin menu in the order of a manager's day, not alphabetically.
ADMIN_APP_ORDER = ["deals", "orders", "contacts", "catalog", "fulfillment", "automation"]
_stock_get_app_list = admin.site.get_app_list


def _get_app_list(request, app_label=None):
    apps = _stock_get_app_list(request, app_label)
    rank = {label: i for i, label in enumerate(ADMIN_APP_ORDER)}
    return sorted(apps, key=lambda app: rank.get(app["app_label"], len(rank)))


admin.site.get_app_list = _get_app_list

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path(
        "admin/dashboard/",
        admin.site.admin_view(dashboard_view),
        name="overdue-dashboard",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include("orders.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("webhooks/", include("contacts.webhook_urls")),
    path("webhooks/", include("orders.webhook_urls")),
    path("webhooks/", include("deals.webhook_urls")),
    path("webhooks/cdek/", include("fulfillment.webhook_urls")),
    path("1c/", include("fulfillment.onec.urls")),
]

if settings.SANDBOX_ENABLED:
    # Fake providers for the demo (integrations.sandbox); never mounted in production.
    from orders.sandbox_checkout import checkout

    urlpatterns += [
        # The demo store website's checkout: sends real signed orders to /api/v1/orders/.
        path("sandbox/storesite/checkout/", checkout, name="sandbox-checkout"),
        path("sandbox/", include("integrations.sandbox.urls")),
    ]
