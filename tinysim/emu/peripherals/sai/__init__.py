"""Serial audio interface models."""
