"""Signals of the deals app, for the apps above it (DESIGN §3: a lower app never imports a
higher one)."""

from django.dispatch import Signal

#: A deal that waited in the queue got a manager, inside the transaction that assigned it.
#: Arguments: `deal` (saved, with `responsible` set).
deal_assigned = Signal()
