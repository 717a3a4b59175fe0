"""cache peripheral models."""
