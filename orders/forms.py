from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Warehouse
from deals.forms import RefusalForm

from .models import Order
from .payments import net_line_cents, refundable_amount
from .returns import (
    Verdict,
    open_return,
    returnable_quantities,
    unit_share,
)
from .returns_models import ReturnChannel, ReturnMethod, ReturnReason


class CancelOrderForm(RefusalForm):
    pass


class OrderActionForm(forms.ModelForm):
    """A transition's form: a ModelForm only to be given the order; it edits none of its
    fields, and the transition's service checks everything again under the row lock."""

    class Meta:
        model = Order
        fields: list[str] = []

    def _post_clean(self) -> None:
        # Skip the model validation of the whole order: nothing of it is edited here.
        pass


class RequestReturnForm(OrderActionForm):
    """«Оформить возврат»: what comes back (units per line), why, how the customer asked, and
    how the goods come back."""

    reason = forms.ModelChoiceField(
        label=_("Reason"), queryset=ReturnReason.objects.filter(is_active=True)
    )
    channel = forms.ChoiceField(label=_("The customer asked by"), choices=ReturnChannel.choices)
    method = forms.ChoiceField(
        label=_("How the goods come back"),
        choices=ReturnMethod.choices,
        widget=forms.RadioSelect,
        initial=ReturnMethod.PICKUP_POINT,
    )
    pickup_point = forms.ModelChoiceField(
        label=_("Pickup point"),
        queryset=Warehouse.objects.filter(is_active=True, kind=Warehouse.Kind.PICKUP_POINT),
        required=False,
        help_text=_("Where the customer brings the goods."),
    )
    pickup_address = forms.CharField(
        label=_("Address to collect from"),
        max_length=300,
        required=False,
        help_text=_("For a courier; the delivery address by default."),
    )
    pickup_date = forms.DateField(
        label=_("Collection date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    pickup_from = forms.TimeField(
        label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    pickup_until = forms.TimeField(
        label=_("Until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pickup_address"].initial = self.instance.delivery_address
        left = returnable_quantities(self.instance)
        self.line_fields = []
        for item in self.instance.items.all():
            name = f"line_{item.pk}"
            self.fields[name] = forms.IntegerField(
                label=f"{item.sku} {item.name}",
                min_value=0,
                max_value=left[item.pk],
                initial=0,
                help_text=_("Bought %(bought)s, can be returned %(left)s.")
                % {"bought": item.quantity, "left": left[item.pk]},
            )
            self.line_fields.append((name, item.pk))

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        lines = {item_id: data.get(name) or 0 for name, item_id in self.line_fields}
        if not any(lines.values()):
            raise forms.ValidationError(_("Choose what the customer returns."))
        start = end = None
        if data.get("method") == ReturnMethod.COURIER_PICKUP:
            missing = [f for f in ("pickup_date", "pickup_from", "pickup_until") if not data.get(f)]
            for name in missing:
                self.add_error(name, _("Required for a courier."))
            if missing:
                return data
            start = aware_datetime(data["pickup_date"], data["pickup_from"])
            end = aware_datetime(data["pickup_date"], data["pickup_until"])
            if end <= start:
                self.add_error("pickup_until", _("The window must end after it starts."))
                return data
        return {
            "lines": {item_id: units for item_id, units in lines.items() if units},
            "reason": data["reason"],
            "channel": data["channel"],
            "method": data["method"],
            "pickup_point": data.get("pickup_point"),
            "pickup_address": data.get("pickup_address", ""),
            "pickup_from": start,
            "pickup_until": end,
            "comment": data.get("comment", ""),
        }


class CompleteReturnForm(OrderActionForm):
    """«Оформить возврат» done: the inspection result of every returned line (what the
    warehouse recorded is the default) and where the good ones go back to. Shows what will be
    refunded and how."""

    warehouse = forms.ModelChoiceField(
        label=_("Restock to"), queryset=Warehouse.objects.filter(is_active=True), required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.order_return = open_return(self.instance)
        self.line_fields = []
        self.fields["warehouse"].initial = Warehouse.objects.filter(is_active=True).first()
        if self.order_return is None:
            return
        paid = dict((item.pk, net) for item, net in net_line_cents(self.instance))
        for line in self.order_return.lines.select_related("order_item"):
            item = line.order_item
            full = unit_share(paid[item.pk], item.quantity, 0, line.quantity)
            name = f"line_{line.pk}"
            self.fields[name] = forms.ChoiceField(
                label=f"{item.sku} {item.name} × {line.quantity}",
                choices=[("", "—"), *Verdict.CHOICES],
                initial=Verdict.of(line),
                help_text=_("Refund if accepted: %(amount)s ₽.") % {"amount": full}
                + (f" {line.inspection_note}" if line.inspection_note else ""),
            )
            self.line_fields.append((name, line.pk))
        online = refundable_amount(self.instance)
        self.fields["warehouse"].help_text = (
            _("Paid online and not refunded yet: %(amount)s ₽; the rest is returned by hand.")
            % {"amount": online}
            if online > 0
            else _("Nothing was paid online: the refund is returned by hand.")
        )

    def clean(self) -> dict:
        data = super().clean()
        if self.order_return is None:
            raise forms.ValidationError(_("This order has no open return: register one first."))
        if self.errors:
            return data
        verdicts = {line_id: data.get(name, "") for name, line_id in self.line_fields}
        for name, line_id in self.line_fields:
            if not verdicts[line_id]:
                self.add_error(name, _("Record the inspection result."))
        if self.errors:
            return data
        if not any(v in (Verdict.ACCEPT, Verdict.ACCEPT_DEFECT) for v in verdicts.values()):
            raise forms.ValidationError(_("Nothing was accepted: reject the return instead."))
        return {"inspection": verdicts, "warehouse": data.get("warehouse")}


class RejectReturnForm(OrderActionForm):
    comment = forms.CharField(
        label=_("Why the return is rejected"),
        widget=forms.Textarea,
        help_text=_("The customer is told this."),
    )

    def clean(self) -> dict:
        data = super().clean()
        return {"comment": data.get("comment", "")}


def aware_datetime(day, time) -> datetime:
    """A date and a time of day typed in a form, in the project's time zone."""
    return timezone.make_aware(datetime.combine(day, time))
