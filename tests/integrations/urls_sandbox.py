"""A test URLconf with the sandbox mounted: orders_office/urls.py reads SANDBOX_ENABLED only
once, at import, so switching the setting in a test would not mount it."""

from django.urls import include, path

urlpatterns = [path("sandbox/", include("integrations.sandbox.urls"))]
