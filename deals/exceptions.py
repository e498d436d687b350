from django.core.exceptions import ValidationError


class DealError(ValidationError):
    """Deal data that cannot be accepted; nothing was written."""
