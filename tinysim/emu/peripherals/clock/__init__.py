"""clock peripheral models."""
