"""Emulation engines: Unicorn machines for Cortex-M and RISC-V, peripheral models, the native counter."""
