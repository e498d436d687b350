from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext_lazy as _

from .models import RefusalReason


class LoadedAutocompleteSelect(AutocompleteSelect):
    """The admin's autocomplete select that names its selected object from the one it is
    given instead of asking the database: the stock widget runs one query per line."""

    def __init__(self, *args, loaded, **kwargs):
        super().__init__(*args, **kwargs)
        self.loaded = loaded

    def optgroups(self, name, value, attr=None):
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if selected != {str(self.loaded.pk)}:
            # Another product was posted back: its name comes from the database.
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        label = self.choices.field.label_from_instance(self.loaded)
        options.append(self.create_option(name, self.loaded.pk, label, True, len(options)))
        return [(None, options, 0)]


class ItemLineForm(forms.ModelForm):
    """A basket line: an empty price, or a price left as it was when the product is swapped,
    takes the catalogue price of the (new) product."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price"].required = False
        self.fields["price"].help_text = _("Empty: the catalogue price.")
        self._name_the_loaded_product()

    def _name_the_loaded_product(self) -> None:
        """A line read with its product (the inlines' select_related) shows it without
        another query: a page of 30 lines costs what a page of one does."""
        wrapper = self.fields["product"].widget
        stock = getattr(wrapper, "widget", None)
        product_field = self._meta.model._meta.get_field("product")
        if type(stock) is not AutocompleteSelect or not product_field.is_cached(self.instance):
            return
        widget = LoadedAutocompleteSelect(
            stock.field,
            stock.admin_site,
            attrs=stock.attrs,
            using=stock.db,
            loaded=self.instance.product,
        )
        widget.choices, widget.is_required = stock.choices, stock.is_required
        wrapper.widget, wrapper.attrs = widget, widget.attrs

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
