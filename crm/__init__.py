"""Epic Events CRM."""

__version__ = "1.0.0"
