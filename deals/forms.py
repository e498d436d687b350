from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RefusalReason


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
