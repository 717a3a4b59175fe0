"""External interrupt/event controller models."""
