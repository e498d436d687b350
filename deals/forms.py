from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RefusalReason


class ItemLineForm(forms.ModelForm):
    """A basket line: an empty price, or a price left as it was when the product is swapped,
    takes the catalogue price of the (new) product."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price"].required = False
        self.fields["price"].help_text = _("Empty: the catalogue price.")

    def clean(self):
        cleaned = super().clean()
        product = cleaned.get("product")
        swapped = self.instance.pk and "product" in self.changed_data
        if product and (
            cleaned.get("price") is None or (swapped and "price" not in self.changed_data)
        ):
            cleaned["price"] = product.price
        return cleaned


class RefusalForm(forms.Form):
    """Asks why the customer refused: a reason from the team lead's list and a comment."""

    reason = forms.ModelChoiceField(
        label=_("Reason"),
        queryset=RefusalReason.objects.filter(is_active=True),
    )
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class LoseDealForm(RefusalForm):
    pass
