from deals.forms import RefusalForm


class CancelOrderForm(RefusalForm):
    pass
