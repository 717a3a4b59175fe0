"""Interrupt controllers that sit between peripherals and a RISC-V core."""
