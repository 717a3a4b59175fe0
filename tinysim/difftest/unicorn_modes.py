"""Run assembled sequences under Unicorn in each hook mode tinysim uses.

Modes (what tinysim registers on the engine):
  raw         no hook at all
  counted     the native counter's UC_HOOK_BLOCK (+ I-cache model, page-protected stack guard):
              `run` after the D-cache model is frozen, `bench` windows after the first
  exact       counted + the exact flash D-cache model: a native UC_HOOK_MEM_READ over flash
              (`sweep`, `profile`, the first window of `bench`)
  count_data  counted + global UC_HOOK_MEM_READ/WRITE for per-region counts (`record_profile`)
  learned     exact, then `freeze_data_model()` (hooks deleted, code retranslated) before running
"""

from __future__ import annotations

from typing import Dict, Optional

from unicorn import UC_ARCH_ARM, UC_ARCH_RISCV, UC_MODE_RISCV32, UC_MODE_THUMB, Uc, UcError
from unicorn import arm_const as A
from unicorn import riscv_const as R

from ..cost import BlockCoster
from ..emu.bit_band import SRAM_ALIAS, SRAM_REGION, map_bit_band, ram_access
from ..emu.counter import Counter
from ..pipeline.session import counter_options
from ..platform import load_platform
from . import riscv as rvgen
from . import thumb as armgen
from .common import Assembled, Final, Seq

MODES = ("raw", "counted", "exact", "count_data", "learned")
MEMORY_HOOK_MODES = ("exact", "count_data")
PLATFORM = {"thumb": "nucleo-l4r5zi", "rv32": "esp32c3-devkitm"}


def make_counter(uc, mode: str, platform_name: str, flash, ram, stack_guard):
    """tinysim's native counter on `uc` configured for `mode` exactly as a Session configures it
    from the platform file (pipeline.session.counter_options: cache geometry and penalties), with
    this harness's flash/RAM ranges and stack guard."""
    if mode == "raw":
        return None
    plat = load_platform(platform_name)
    options = counter_options(plat, stack_guard=stack_guard, count_data=(mode == "count_data"))
    options["flash_ranges"] = [flash]
    options["regions"] = [("flash", flash[0], flash[1], "flash"), ("sram", ram[0], ram[1], "sram")]
    if mode == "counted":
        options["dcache"] = None
    counter = Counter(uc, BlockCoster(plat).describer(uc.mem_read), **options)
    if mode == "learned":
        counter.freeze_data_model()
    return counter


_ARM_REGS = {**{f"r{i}": getattr(A, f"UC_ARM_REG_R{i}") for i in range(13)},
             "sp": A.UC_ARM_REG_SP, "lr": A.UC_ARM_REG_LR}
_ARM_S = [getattr(A, f"UC_ARM_REG_S{i}") for i in range(32)]
_RV_REGS = {f"x{i}": getattr(R, f"UC_RISCV_REG_X{i}") for i in range(1, 32)}


class UnicornRunner:
    """One engine per mode for a loaded batch: `.load(asm)` then `.run(seq)`."""

    def __init__(self, isa: str, mode: str):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
        self.isa, self.mode = isa, mode
        self.g = armgen if isa == "thumb" else rvgen
        self.uc = None
        self.counter = None
        self.bit_band = []
        self.asm: Optional[Assembled] = None

    def load(self, asm: Assembled) -> None:
        g = self.g
        self.asm = asm
        self.counter = None
        if self.isa == "thumb":
            uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
            uc.ctl_set_cpu_model(A.UC_CPU_ARM_CORTEX_M4)
        else:
            uc = Uc(UC_ARCH_RISCV, UC_MODE_RISCV32)
            uc.ctl_set_cpu_model(R.UC_CPU_RISCV32_SIFIVE_E31)
        uc.mem_map(g.FLASH_BASE, g.FLASH_SIZE)
        uc.mem_map(g.RAM_BASE, g.RAM_SIZE)
        if self.isa == "thumb":  # the bit-band alias of the RAM, as tinysim maps it on a Cortex-M4
            self.bit_band = map_bit_band(uc, SRAM_REGION, SRAM_ALIAS, [(g.RAM_BASE, g.RAM_BASE + g.RAM_SIZE)],
                                         *ram_access(uc))
        uc.mem_write(asm.base, asm.code)
        for addr, data in g.fixed_memory():  # the same bytes QEMU gets: memory is equal everywhere
            uc.mem_write(addr, data)
        self.uc = uc
        # PC at real code: freeze_data_model() (learned mode) runs a zero-instruction emu_start there
        uc.reg_write(A.UC_ARM_REG_PC if self.isa == "thumb" else R.UC_RISCV_REG_PC, asm.base)
        self.counter = make_counter(uc, self.mode, PLATFORM[self.isa],
                                    (g.FLASH_BASE, g.FLASH_BASE + g.FLASH_SIZE),
                                    (g.RAM_BASE, g.RAM_BASE + g.RAM_SIZE), g.STACK_GUARD)

    def run(self, seq: Seq, preset: Optional[Dict[str, int]] = None) -> Final:
        uc, g = self.uc, self.g
        start, end = self.asm.spans[seq.index]
        init = seq.init
        regs = dict(init.regs)
        regs.update(preset or {})
        uc.mem_write(g.RAM_WIN, init.mem)
        if self.isa == "thumb":
            for name, rid in _ARM_REGS.items():
                uc.reg_write(rid, regs[name])
            # a write to XPSR drops the GE bits (unicorn 2.1.4): set them through APSR_NZCVQG
            uc.reg_write(A.UC_ARM_REG_XPSR, init.flags | 1 << 24)
            uc.reg_write(A.UC_ARM_REG_APSR_NZCVQG, init.flags)
            for rid, v in zip(_ARM_S, init.sregs):
                uc.reg_write(rid, v)
            uc.reg_write(A.UC_ARM_REG_PC, start)
            begin = start | 1
        else:
            for name, rid in _RV_REGS.items():
                uc.reg_write(rid, regs[name])
            uc.reg_write(R.UC_RISCV_REG_PC, start)
            begin = start
        if self.counter is not None:
            self.counter.note_transfer()
        fault = None
        try:
            uc.emu_start(begin, end)
        except UcError as err:
            fault = f"unicorn: {err}"
        out: Dict[str, int] = {}
        if self.isa == "thumb":
            for name, rid in _ARM_REGS.items():
                out[name] = uc.reg_read(rid)
            out["pc"] = uc.reg_read(A.UC_ARM_REG_PC) & ~1
            out["apsr"] = uc.reg_read(A.UC_ARM_REG_XPSR) & 0xF80F0000
            for k, rid in enumerate(_ARM_S):
                out[f"s{k}"] = uc.reg_read(rid)
            out["fpscr"] = uc.reg_read(A.UC_ARM_REG_FPSCR)
        else:
            for name, rid in _RV_REGS.items():
                out[name] = uc.reg_read(rid)
            out["pc"] = uc.reg_read(R.UC_RISCV_REG_PC)
        if fault is None and out["pc"] != end:
            fault = f"stopped at {out['pc']:#x}"
        mem = bytes(uc.mem_read(g.RAM_WIN, len(init.mem)))
        return Final(out, mem, fault)

    def close(self) -> None:
        if self.counter is not None:
            self.counter.close()
        self.counter = None
        self.uc = None
