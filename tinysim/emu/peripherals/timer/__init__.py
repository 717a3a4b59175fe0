"""timer peripheral models."""
