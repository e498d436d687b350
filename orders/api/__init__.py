"""The store API: websites send their orders here and read their state (docs/api.md)."""
