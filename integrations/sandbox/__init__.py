"""Fake SMS.ru, Telegram, WhatsApp, VK, Viber and YooKassa under /sandbox/ for the demo and tests.

Each endpoint takes the provider's real request format at the provider's real path (relative
to the default base URLs in settings), validates it the way the provider does and answers in
the provider's format. Mounted only when `settings.SANDBOX_ENABLED` is true; never in production.
"""
