"""The store API endpoints: thin, the work is in `orders.intake`."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from automation.models import Via
from deals.models import Deal

from ..intake import IntakeError, order_intake
from ..models import Order
from ..store_events import tracking_number as tracking_number_for
from .authentication import IsSignedByStore, StoreSignatureAuthentication, refuse_oversized
from .serializers import (
    OrderIntakeSerializer,
    OrderReceiptSerializer,
    OrderStateSerializer,
    receipt_data,
)

ERRORS = OpenApiResponse(
    inline_serializer(
        "FieldErrors",
        {"field": serializers.ListField(child=serializers.CharField(), required=False)},
    ),
    description="Messages by field: {field: [messages]}; nested fields as nested objects or "
    "dotted names (customer.phone).",
)
DETAIL = inline_serializer("Detail", {"detail": serializers.CharField()})
UNSIGNED = OpenApiResponse(DETAIL, "Unknown store, missing or wrong signature.")


class StoreAPIView(APIView):
    authentication_classes = [StoreSignatureAuthentication]
    permission_classes = [IsSignedByStore]

    def initial(self, request, *args, **kwargs):
        refuse_oversized(request)
        super().initial(request, *args, **kwargs)


EXAMPLE = {
    "external_id": "A-10045",
    "created_at": "2026-12-04T12:30:00+03:00",
    "customer": {"name": "Ирина Петрова", "phone": "+7 916 123-45-67", "email": "irina@example.ru"},
    "items": [{"sku": "KETTLE-01", "name": "Чайник", "quantity": 1, "price": "2490.00"}],
    "delivery": {"method": "cdek", "pickup_point_code": "MSK123", "cost": "350.00"},
    "payment": {
        "method": "online",
        "paid": True,
        "transaction_id": "2d9f1c4e-000f-5000-9000-1b5b1e7c8f11",
    },
    "coupon": "",
    "comment": "Позвоните перед доставкой",
    "source": "cart",
}


class OrderIntakeView(StoreAPIView):
    @extend_schema(
        operation_id="orders_create",
        summary="Send an order from the website",
        request=OrderIntakeSerializer,
        responses={
            201: OrderReceiptSerializer,
            200: OpenApiResponse(
                OrderReceiptSerializer, "The same external_id again: nothing created."
            ),
            400: ERRORS,
            401: UNSIGNED,
            413: OpenApiResponse(DETAIL, "The body is larger than 1 MB."),
        },
        examples=[
            OpenApiExample("Paid order with CDEK delivery", value=EXAMPLE, request_only=True)
        ],
    )
    def post(self, request):
        serializer = OrderIntakeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = order_intake(store=request.auth, data=serializer.to_intake(), via=Via.API)
        except IntakeError as exc:
            return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            receipt_data(result.deal, result.order),
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


class OrderStateView(StoreAPIView):
    @extend_schema(
        operation_id="orders_retrieve",
        summary="Read the current state of an order sent by the site",
        responses={
            200: OrderStateSerializer,
            401: UNSIGNED,
            404: OpenApiResponse(DETAIL, "No such order of this store."),
        },
    )
    def get(self, request, external_id: str):
        deal = get_object_or_404(Deal, store=request.auth, external_id=external_id)
        order = Order.objects.filter(deal=deal).order_by("-pk").first()
        state = OrderStateSerializer(
            {
                "number": deal.number,
                "external_id": deal.external_id,
                "deal_id": deal.pk,
                "deal_stage": deal.stage,
                "order_id": order.pk if order else None,
                "status": order.status if order else None,
                "status_label": str(order.get_status_display()) if order else None,
                "payment_status": order.payment_status if order else None,
                "total": order.total if order else None,
                "tracking_number": tracking_number_for(order) if order else None,
                "updated_at": (order or deal).updated_at,
            }
        )
        return Response(state.data)
