from django.core.exceptions import ValidationError


class ContactError(ValidationError):
    """Customer data that cannot identify or describe a customer."""
