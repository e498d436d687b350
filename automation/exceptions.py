"""Why a state change was refused. Views and the admin turn these into messages."""

from django.core.exceptions import PermissionDenied


class TransitionError(Exception):
    """A transition that did not happen; nothing was changed."""


class TransitionNotAllowed(TransitionError):
    """Not possible from the current state, or a condition is not met."""


class TransitionForbidden(TransitionError, PermissionDenied):
    """The user lacks the permission for this transition."""


class ConcurrentChange(TransitionError):
    """Someone else changed the object since this user looked at it."""
