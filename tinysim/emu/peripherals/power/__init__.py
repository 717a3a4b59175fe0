"""power peripheral models."""
