from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from deals.forms import RefusalForm

from .models import Order
from .payments import refundable_amount


class CancelOrderForm(RefusalForm):
    pass


class CompleteReturnForm(forms.ModelForm):
    """«Complete return»: how much of the online payment goes back to the customer.

    Offered only when something was paid online (YooKassa); the default is all that is left,
    and a part is allowed. Money paid in cash or by invoice is returned by hand, and the form
    then has no field. A ModelForm only to be given the order: it edits none of its fields.
    """

    refund_amount = forms.DecimalField(
        label=_("Amount to refund, ₽"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )

    class Meta:
        model = Order
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.refundable = refundable_amount(self.instance)
        if self.refundable > 0:
            field = self.fields["refund_amount"]
            field.initial = self.refundable
            field.widget.attrs["max"] = str(self.refundable)
            field.help_text = _(
                "Paid online and not refunded yet: %(amount)s ₽. A part is allowed."
            ) % {"amount": self.refundable}
        else:
            del self.fields["refund_amount"]

    def clean_refund_amount(self) -> Decimal:
        amount = self.cleaned_data["refund_amount"]
        if amount > self.refundable:
            raise forms.ValidationError(
                _("At most %(amount)s ₽ can be refunded.") % {"amount": self.refundable}
            )
        return amount

    def _post_clean(self) -> None:
        # Nothing of the order is edited here: skip the model validation of the whole order
        # (the transition's service checks what matters, under the row lock).
        pass
