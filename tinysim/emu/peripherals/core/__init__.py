"""Cortex-M core peripherals in the Private Peripheral Bus (always present on an ARMv7-M core)."""
