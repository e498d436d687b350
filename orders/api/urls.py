from django.urls import path

from . import views

urlpatterns = [
    path("orders/", views.OrderIntakeView.as_view(), name="api-orders"),
    path("orders/<str:external_id>/", views.OrderStateView.as_view(), name="api-order-state"),
]
