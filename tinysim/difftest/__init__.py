"""Differential testing of tinysim's Unicorn emulation against QEMU (issue 10).

Random but valid instruction sequences (`thumb.py`: ARMv7E-M + FPv4-SP Thumb-2; `riscv.py`:
RV32IMC) are assembled in one batch, run under QEMU through its gdbstub (`qemu.py`) and under
Unicorn in every hook mode tinysim uses (`unicorn_modes.py`), and the final architectural states
are compared (`compare.py`), shrinking any divergence to a minimal sequence.

    python3 bench/diff_qemu.py --isa all --count 10000 --seed 1 --json
"""
