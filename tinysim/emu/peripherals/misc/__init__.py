"""misc peripheral models."""
