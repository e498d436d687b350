from __future__ import annotations


class CommerceMLError(ValueError):
    """The file cannot be read as CommerceML; the message is shown to the 1C operator."""
