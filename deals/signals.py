"""Signals of the deals app, for the apps above it (DESIGN §3: a lower app never imports a
higher one)."""

from django.dispatch import Signal

#: A deal got a manager from the queue or by hand, inside the transaction that assigned it
#: (not a new deal distributed at once: it has no order yet). Arguments: `deal` (saved, with
#: `responsible` set).
deal_assigned = Signal()
