from django.dispatch import Signal

#: Sent with `message` (a `contacts.models.Message`) after the transaction that marked an
#: outbound message `failed` (the provider refused it or could not deliver it) or `error` (the
#: delivery task gave up after its last retry) has committed. Sent once per failure: a repeated
#: callback or task does not send it again. `automation` listens to notify the manager; a
#: receiver that raises is logged and cannot undo what was recorded.
message_failed = Signal()
