"""DMA controller models."""
