from django.dispatch import Signal

#: Sent after the transaction of a transition has committed, with `instance`, `name`,
#: `source`, `target` and `log`. Triggers and notifications listen to it; a receiver that
#: fails cannot undo the transition.
transition_committed = Signal()
