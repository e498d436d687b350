"""Signals of the deals app, for the apps above it (DESIGN §3: a lower app never imports a
higher one)."""

from django.dispatch import Signal

#: A manager became responsible for a deal by distribution (not by hand), inside the
#: transaction that assigned it. Arguments: `deal` (saved, with `responsible` set).
deal_assigned = Signal()
