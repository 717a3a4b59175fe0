"""flash peripheral models."""
