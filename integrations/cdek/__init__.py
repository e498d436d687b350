"""CDEK API v2 client (integrations/cdek/client.py)."""
