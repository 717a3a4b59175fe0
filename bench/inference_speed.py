#!/usr/bin/env python3
"""What tinysim's instrumentation costs on the real benchmark firmware: one inference of each
workload under bare Unicorn and under tinysim in each counting mode.

    python3 bench/inference_speed.py [--platform nucleo-l4r5zi] [--workload kws01 ...]
                                     [--repeat 7] [--json]

`bench/emu_speed.py` measures the same ratios on a synthetic kernel whose hot loop is one
5-instruction block reading a new flash line every iteration: the worst case for per-block
counting and for the data-cache model. This script measures them where users meet them: the
firmware image's `th_infer` (the model's whole inference, as the `infer` command runs it).

Each workload's image boots in a tinysim session until it waits for its first command (in its
idle loop, between WFI and CPSIE: PRIMASK is cleared, as the command handler that calls
`th_infer` has it; tinysim/pipeline/direct_infer.py); its memory and core registers are then copied into a bare Unicorn engine (no
hooks; peripheral windows plain zeroed RAM, which the inference never reads). After one untimed
inference per mode (the timed ones then run translated code, as every inference after a bench
window's first does), `--repeat` times, interleaved so that a noisy neighbour hurts every mode
alike, each mode calls `th_infer` once with LR pointing at the `bkpt` in `board_halt`:

  raw        bare Unicorn, `emu_start(th_infer, until=bkpt)`
  exact      tinysim as `tinysim bench` runs its first window, `sweep` and `profile` (native
             counter: blocks, edges, I-cache model, stack guard, the exact flash D-cache model
             on a memory read hook), through `Machine.run`: the run loop, the peripheral models
             and the interrupts they raise during the inference included
  learned    the same after `freeze_data_model()` (per-block learned D-cache rates, no memory
             hook): what the later `bench` windows run
  no_dcache  a session without a D-cache model (emu_speed's "counted" configuration)

It prints, per workload and mode, MIPS per CPU second of this thread (best and median of the
repeats; raw counted with the exact mode's instructions), the ratio to raw (best/best and
median/median: CPU seconds per inference), the share of block executions the translated code
counted itself (Unicorn patch 0006; 0 on the stock wheel), and sim_speed of the inference alone
(device seconds at the platform clock per CPU second). The modes' instruction counts may differ
by the interrupt handlers that ran (a timer's, at device times that depend on the cycle model);
the model's arena (`ts_arena`: input, output and scratch tensors) must be identical in every
mode after the inference, or the script stops with an error.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from unicorn import UC_ARCH_ARM, UC_MODE_THUMB, Uc  # noqa: E402
from unicorn import arm_const as A  # noqa: E402

from tinysim.emu.bit_band import REGION_BYTES, SRAM_ALIAS  # noqa: E402
from tinysim.emu.cortex_m import UNICORN_CPU  # noqa: E402
from tinysim.emu.engine_info import unicorn_build  # noqa: E402
from tinysim.errors import TinysimError  # noqa: E402
from tinysim.pipeline.direct_infer import boot_to_idle, call_th_infer, halt_address  # noqa: E402
from tinysim.pipeline.session import Session  # noqa: E402

WORKLOADS = ("kws01", "vww01", "ic01", "ad01")
MODES = ("raw", "exact", "learned", "no_dcache")
PERIPHERALS = 0x40000000  # Cortex-M: peripheral and system windows start here (ARMv7-M B3.1)
CORE_REGS = ([getattr(A, f"UC_ARM_REG_R{i}") for i in range(13)]
             + [A.UC_ARM_REG_MSP, A.UC_ARM_REG_PSP, A.UC_ARM_REG_CONTROL, A.UC_ARM_REG_SP,
                A.UC_ARM_REG_LR, A.UC_ARM_REG_XPSR, A.UC_ARM_REG_PRIMASK, A.UC_ARM_REG_BASEPRI,
                A.UC_ARM_REG_FAULTMASK, A.UC_ARM_REG_FPSCR]
             + [getattr(A, f"UC_ARM_REG_S{i}") for i in range(32)])


def booted(elf: Path, platform: str, **overrides) -> Session:
    return boot_to_idle(elf, platform, counter_overrides=overrides or None)


def bare_copy(session: Session) -> Uc:
    """A hook-free engine holding the session's memory and core registers."""
    src = session.machine.uc
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
    # the platform's core, as the machine opened it (not UC_MODE_MCLASS: that selects a Cortex-M33)
    uc.ctl_set_cpu_model(UNICORN_CPU[session.platform.core.cpu])
    for begin, end, perms in src.mem_regions():
        if SRAM_ALIAS <= begin < SRAM_ALIAS + 32 * REGION_BYTES:
            continue  # the bit-band alias of the SRAM (MMIO onto it): no storage, no inference use
        uc.mem_map(begin, end - begin + 1, perms)
        if begin < PERIPHERALS:
            uc.mem_write(begin, bytes(src.mem_read(begin, end - begin + 1)))
    for reg in CORE_REGS:
        uc.reg_write(reg, src.reg_read(reg))
    return uc


def arena(session: Session, uc: Uc) -> bytes:
    sym = session.firmware.symbols.get("ts_arena")
    if sym is None or not sym.size:
        raise SystemExit(f"{session.firmware.path}: no sized ts_arena symbol to compare the modes' results")
    return bytes(uc.mem_read(sym.addr, sym.size))


def infer_counted(session: Session, entry: int, halt: int) -> tuple:
    """(CPU seconds, instructions, cycles, block executions, hook calls) of one th_infer."""
    calls = session.counter.block_hook_calls
    t0 = time.thread_time()
    result = call_th_infer(session, halt)
    cpu = time.thread_time() - t0
    return cpu, result.instructions, result.cycles, result.blocks, session.counter.block_hook_calls - calls


def infer_raw(uc: Uc, entry: int, halt: int) -> float:
    uc.reg_write(A.UC_ARM_REG_LR, halt | 1)
    t0 = time.thread_time()
    uc.emu_start(entry | 1, halt)
    return time.thread_time() - t0


def measure(elf: Path, platform: str, repeat: int) -> dict:
    exact = booted(elf, platform)
    if exact.firmware.arch != "armv7m":
        raise SystemExit(f"{elf}: {exact.firmware.arch} image; this script copies Cortex-M state only "
                         "(pass a Cortex-M platform)")
    sessions = {"exact": exact, "learned": booted(elf, platform),
                "no_dcache": booted(elf, platform, dcache=None, shared_caches=False)}
    entry = exact.firmware.symbol("th_infer")
    if entry is None:
        raise SystemExit(f"{elf}: no th_infer symbol")
    halt = halt_address(exact)
    raw = bare_copy(exact)
    # learn as bench does: one exact inference, then frozen
    infer_counted(sessions["learned"], entry, halt)
    if not sessions["learned"].counter.freeze_data_model():
        raise SystemExit(f"{elf}: the platform has no D-cache model to learn")
    # one untimed inference each: the timed ones then run translated code, as every inference
    # after a bench window's first does
    infer_raw(raw, entry, halt)
    for session in sessions.values():
        infer_counted(session, entry, halt)
    cpu = {mode: [] for mode in MODES}
    shares, insns, cycles = {}, {}, {}
    for _ in range(repeat):
        cpu["raw"].append(infer_raw(raw, entry, halt))
        for mode, session in sessions.items():
            t, n, cyc, blocks, calls = infer_counted(session, entry, halt)
            cpu[mode].append(t)
            insns[mode] = max(n, insns.get(mode, 0))
            cycles[mode] = cyc
            inline = session.counter.inline_fast and blocks
            shares[mode] = (blocks - calls) / blocks if inline else 0.0
    want = arena(exact, raw)
    for mode, session in sessions.items():
        if arena(session, session.machine.uc) != want:
            raise SystemExit(f"{elf}: the {mode} session's ts_arena differs from the bare engine's")
    device_s = cycles["exact"] / exact.platform.clock_hz
    out = {"device_ms": round(device_s * 1e3, 3)}
    best_raw, med_raw = min(cpu["raw"]), statistics.median(cpu["raw"])
    for mode in MODES:
        best, med = min(cpu[mode]), statistics.median(cpu[mode])
        n = insns.get(mode, insns["exact"])
        row = {"instructions": n, "mips_best": round(n / best / 1e6, 1),
               "mips_median": round(n / med / 1e6, 1), "sim_speed": round(device_s / best, 2)}
        if mode != "raw":
            row.update(ratio_best=round(best_raw / best, 3), ratio_median=round(med_raw / med, 3),
                       inline_share=round(shares[mode], 4))
        out[mode] = row
    for session in sessions.values():
        session.counter.close()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--platform", default="nucleo-l4r5zi")
    ap.add_argument("--workload", action="append", choices=WORKLOADS,
                    help="repeatable; default all four")
    ap.add_argument("--images", type=Path, default=ROOT / "firmware_images",
                    help="folder holding <platform>/<workload>.elf (default: the prebuilt images)")
    ap.add_argument("--repeat", type=int, default=7, help="inferences per mode (best and median kept)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    results = {}
    for workload in args.workload or WORKLOADS:
        elf = args.images / args.platform / f"{workload}.elf"
        if not elf.is_file():
            raise SystemExit(f"{elf}: no such image (build it with `tinysim build` or pass --images)")
        try:
            results[workload] = measure(elf, args.platform, args.repeat)
        except TinysimError as e:
            raise SystemExit(str(e)) from None
    out = {"platform": args.platform, "engine": unicorn_build(), "repeat": args.repeat,
           "workloads": results, "load_average": [round(x, 2) for x in os.getloadavg()]}
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"engine: {out['engine']}; {args.platform}; best / median of {args.repeat}; "
          f"load average {out['load_average']}")
    print(f"{'':8}{'mode':>10}{'MIPS':>9}{'median':>9}{'ratio':>8}{'median':>8}{'inline':>8}{'sim_speed':>11}")
    for workload, res in results.items():
        print(f"{workload}: {res['exact']['instructions']:,} instructions, {res['device_ms']} ms of device time")
        for mode in MODES:
            row = res[mode]
            ratio = f"{row['ratio_best']:8.3f}{row['ratio_median']:8.3f}" if mode != "raw" else " " * 16
            inline = f"{row['inline_share']:8.1%}" if mode != "raw" else " " * 8
            print(f"{'':8}{mode:>10}{row['mips_best']:9.1f}{row['mips_median']:9.1f}{ratio}{inline}"
                  f"{row['sim_speed']:11.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
