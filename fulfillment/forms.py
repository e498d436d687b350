"""Forms of fulfillment's transition buttons."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from deals.choices import DeliveryMethod
from orders.forms import OrderActionForm, aware_datetime


class HandToDeliveryForm(OrderActionForm):
    """«Передать в доставку»: for a city courier, when and who; CDEK needs nothing more (the
    parcel goes to our CDEK office, the shipment is created by a worker right after)."""

    window_date = forms.DateField(
        label=_("Delivery date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    window_from = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    window_to = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))
    courier_name = forms.CharField(label=_("Courier"), max_length=200, required=False)
    courier_phone = forms.CharField(label=_("Courier's phone"), max_length=32, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.is_courier = self.instance.delivery_method == DeliveryMethod.COURIER
        if self.is_courier:
            for name in ("window_date", "window_from", "window_to"):
                self.fields[name].required = True
                self.fields[name].widget.input_type = (name == "window_date" and "date") or "time"
        else:
            for name in list(self.fields):
                del self.fields[name]

    def clean(self) -> dict:
        data = super().clean()
        if not self.is_courier or self.errors:
            return data
        start = aware_datetime(data["window_date"], data["window_from"])
        end = aware_datetime(data["window_date"], data["window_to"])
        if end <= start:
            raise forms.ValidationError(_("The window must end after it starts."))
        return {
            "window_start": start,
            "window_end": end,
            "courier_name": data.get("courier_name", ""),
            "courier_phone": data.get("courier_phone", ""),
        }
