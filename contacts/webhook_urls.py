"""Inbound webhooks of the customer conversation (mounted under /webhooks/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("sms/smsru/", views.smsru_status_webhook, name="webhook-smsru"),
]
