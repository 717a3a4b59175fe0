"""gpio peripheral models."""
