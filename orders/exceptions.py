from django.core.exceptions import ValidationError


class OrderError(ValidationError):
    """Order data or an order operation that cannot be accepted; nothing was written."""
