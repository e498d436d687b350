"""What every messaging client returns. Separate from `messaging` so clients can import it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Delivery:
    """A provider accepted a message; `provider_message_id` is its id for status callbacks."""

    provider_message_id: str
