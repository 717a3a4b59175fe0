#!/usr/bin/env python3
"""What one guest store to RAM costs in Unicorn 2.1.4, with the RAM mapped executable or not.

The stock engine stubs QEMU's dirty-memory bitmap and keeps a page on the store slow path
(store_helper -> notdirty_write on every store) whenever its TLB entry is executable, which on
Cortex-M covers all SRAM, or any memory hook (even an unmapped-access one) is registered. On a
page mapped with UC_PROT_EXEC that path also runs the translated-code invalidation
(page_collection_lock, tb_invalidate_phys_page_fast); without EXEC it is skipped. tinysim maps
RAM without EXEC until the firmware first fetches an instruction from it
(tinysim/emu/memory_map.py). tinysim's patched engine (third_party/unicorn/, 0001) keeps only
pages holding translated code on the slow path; the engine line says which one ran.

Runs a 6-instruction Thumb loop from flash on Unicorn's Cortex-M4, once with a store to SRAM
and once with the store replaced by an ALU instruction, for SRAM mapped RWX and RW, and prints
the host nanoseconds per store (loop time with the store minus without, per iteration; CPU
time of this process, best of --repeat). `--json` prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from unicorn import UC_ARCH_ARM, UC_MODE_THUMB, UC_PROT_ALL, UC_PROT_EXEC, UC_PROT_READ, UC_PROT_WRITE, Uc
from unicorn.arm_const import UC_ARM_REG_R0, UC_ARM_REG_R3, UC_CPU_ARM_CORTEX_M4

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from tinysim.emu.engine_info import unicorn_build  # noqa: E402

FLASH, SRAM, SIZE = 0x08000000, 0x20000000, 0x10000

# arm-none-eabi-as -mcpu=cortex-m4 -mthumb, then objdump:
#   loop: str   r1, [r0, r2]        5081   (WITH_STORE)   / adds r5, r1, r2   188d (NO_STORE)
#         adds  r2, #4              3204
#         ubfx  r2, r2, #0, #12     f3c2 020b
#         ldr   r4, [r0, r2]        5884
#         subs  r3, #1              3b01
#         bne.n loop                d1f8
#         bkpt  #0                  be00
_TAIL = bytes.fromhex("0432c2f30b0284 58013bf8d100be".replace(" ", ""))
WITH_STORE = bytes.fromhex("8150") + _TAIL
NO_STORE = bytes.fromhex("8d18") + _TAIL
INSNS_PER_ITERATION = 6


def run(code: bytes, sram_perms: int, iterations: int) -> float:
    """CPU seconds of `iterations` loop iterations."""
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
    uc.ctl_set_cpu_model(UC_CPU_ARM_CORTEX_M4)
    uc.mem_map(FLASH, SIZE, UC_PROT_READ | UC_PROT_EXEC)
    uc.mem_map(SRAM, SIZE, sram_perms)
    uc.mem_write(FLASH, code)
    uc.reg_write(UC_ARM_REG_R0, SRAM)
    uc.reg_write(UC_ARM_REG_R3, iterations)
    t0 = time.process_time()
    uc.emu_start(FLASH | 1, FLASH + len(code) - 2)
    dt = time.process_time() - t0
    if uc.reg_read(UC_ARM_REG_R3) != 0:
        raise SystemExit("the loop did not run to its end")
    return dt


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--iterations", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    out = {}
    for name, perms in (("rwx", UC_PROT_ALL), ("rw", UC_PROT_READ | UC_PROT_WRITE)):
        best = {}
        for _ in range(args.repeat):  # interleaved, so a noisy neighbour hurts both alike
            for kind, code in (("store", WITH_STORE), ("no_store", NO_STORE)):
                dt = run(code, perms, args.iterations)
                best[kind] = min(best.get(kind, dt), dt)
        out[name] = {"ns_per_store": round((best["store"] - best["no_store"]) / args.iterations * 1e9, 2),
                     "mips_with_store": round(args.iterations * INSNS_PER_ITERATION / best["store"] / 1e6, 1),
                     "mips_without_store": round(args.iterations * INSNS_PER_ITERATION / best["no_store"] / 1e6, 1)}
    out["engine"] = unicorn_build()
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(out))
    else:
        for name in ("rwx", "rw"):
            r = out[name]
            print(f"SRAM {name:3}: {r['ns_per_store']:6.2f} ns per store "
                  f"({r['mips_with_store']} MIPS with it, {r['mips_without_store']} without)")
        print(f"engine: {out['engine']}; load average {out['load_average']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
