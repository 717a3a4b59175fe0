"""CRC calculation unit models."""
