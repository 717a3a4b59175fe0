#!/usr/bin/env python3
"""Emulation speed with and without the native counter.

Runs an int8 matrix-product kernel (bench/data/emu_speed_kernel.c: activations in SRAM, weights
in flash, 5-instruction inner loop, i.e. about one block hook per 5 instructions, a worst case
for per-block counting; the weights are read N = 64 bytes apart, so every flash read falls on a
new D-cache line, the worst case for the data-cache model too: TFLM's reference kernels read a
filter row contiguously) on Unicorn's Cortex-M4 model in one process, in these configurations:

  raw              no hooks at all
  counted          native Counter: block hook + edges + I-cache model over flash + stack guard
                   (page-protection mode), count_data=False: what a normal run uses
  counted_dcache   counted plus the exact D-cache model (a UC_HOOK_MEM_READ over flash)
  counted_learned  counted_dcache whose D-cache model is frozen (Counter.freeze_data_model)
                   after a learning run of LEARN_INSTRUCTIONS: per-block learned rates, no
                   memory hook; the whole run is timed, learning included
  counted_data     counted plus data-region read/write counting and the D-cache model
                   (count_data=True: global memory hooks)
  python_block     a trivial Python UC_HOOK_BLOCK callback (for context)

`--only NAME[,NAME]` runs just those configurations (raw always runs: the ratios need it), e.g.
to profile one: `perf record -g python3 bench/emu_speed.py --only counted_dcache --repeat 1`.

On an engine with Unicorn patch 0006 (`uc_hook_block_fast3`) the counter's block hook has an
inline fast path: the translated block counts itself when the hook armed it (the same counts);
each counted line then says which share of the block executions was counted that way.

MIPS = instructions / CPU seconds of this process, with the instruction count taken from the counter (the raw
run executes the same code). Each native configuration is timed `--repeat` times and the best
(least disturbed) run is kept. `--json` prints one JSON object. The output names the Unicorn build
(stock, or tinysim's patched one: third_party/unicorn/) and the load average.

The kernel is compiled with arm-none-eabi-gcc when present; otherwise the prebuilt
bench/data/emu_speed.bin (built from the same source, see emu_speed_kernel.c) is used.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from unicorn import UC_ARCH_ARM, UC_HOOK_BLOCK, UC_MODE_THUMB, Uc  # noqa: E402
from unicorn.arm_const import UC_ARM_REG_PC, UC_ARM_REG_SP, UC_CPU_ARM_CORTEX_M4  # noqa: E402

from tinysim.emu.counter import CacheGeometry, Counter  # noqa: E402
from tinysim.emu.engine_info import unicorn_build  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
SOURCE, LDSCRIPT, PREBUILT = DATA / "emu_speed_kernel.c", DATA / "emu_speed.ld", DATA / "emu_speed.bin"

# Memory map and kernel geometry: must match emu_speed_kernel.c.
FLASH, FLASH_SIZE = 0x08000000, 0x40000
SRAM, SRAM_SIZE = 0x20000000, 0x10000
PARAMS, ACT, OUT, WEIGHTS = 0x20000000, 0x20001000, 0x20002000, 0x08010000
HALT = 0x08000004
# 1 KiB below a pretend stack limit (unaligned, like a linker-placed one); the kernel never
# writes there, the guard is configured only to measure what it costs
STACK_GUARD = (SRAM + 0x8000 - 0x408, SRAM + 0x8000 - 0x8)
M, K, N = 16, 256, 64
CFLAGS = ["-mcpu=cortex-m4", "-mthumb", "-O2", "-ffreestanding", "-nostdlib"]

# Cache geometry for the counted runs. STM32L4+ ART-like sizes; the exact numbers only matter for
# speed here, not for accuracy (the cost model sets the real ones from the platform file).
ICACHE = CacheGeometry(line_bytes=16, lines=64, miss_penalty=5, prefetch=True, prefetch_penalty=1)
DCACHE = CacheGeometry(line_bytes=16, lines=16, miss_penalty=5)
# counted_learned learns for about one kernel repetition (~1.32 M instructions)
LEARN_INSTRUCTIONS = 1_500_000


def kernel_image() -> tuple:
    """(flash image bytes, how it was obtained)."""
    gcc = shutil.which("arm-none-eabi-gcc")
    objcopy = shutil.which("arm-none-eabi-objcopy")
    if gcc and objcopy:
        with tempfile.TemporaryDirectory() as tmp:
            elf, binf = Path(tmp) / "k.elf", Path(tmp) / "k.bin"
            subprocess.run([gcc, *CFLAGS, "-T", str(LDSCRIPT), str(SOURCE), "-o", str(elf)], check=True)
            subprocess.run([objcopy, "-O", "binary", str(elf), str(binf)], check=True)
            return binf.read_bytes(), "compiled with " + gcc
    return PREBUILT.read_bytes(), f"prebuilt {PREBUILT.relative_to(ROOT)} (arm-none-eabi-gcc not found)"


def inputs() -> tuple:
    rng = np.random.default_rng(20261125)  # fixed seed: every run computes the same thing
    act = rng.integers(-128, 128, size=(M, K), dtype=np.int8)
    weights = rng.integers(-128, 128, size=(K, N), dtype=np.int8)
    return act, weights


def expected_checksum(act, weights, reps: int) -> int:
    prod = act.astype(np.int64) @ weights.astype(np.int64)
    s = 0
    for r in range(reps):
        for v in (prod + r).astype(np.int32).ravel():
            s = (s * 31 + (int(v) & 0xFFFFFFFF)) & 0xFFFFFFFF
    return s


def make_engine(image: bytes, act, weights, reps: int) -> Uc:
    # UC_MODE_THUMB + an explicit CPU model: UC_MODE_MCLASS would silently select a Cortex-M33.
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
    uc.ctl_set_cpu_model(UC_CPU_ARM_CORTEX_M4)
    uc.mem_map(FLASH, FLASH_SIZE)
    uc.mem_map(SRAM, SRAM_SIZE)
    uc.mem_write(FLASH, image)
    uc.mem_write(WEIGHTS, weights.tobytes())
    uc.mem_write(ACT, act.tobytes())
    uc.mem_write(PARAMS, int(reps).to_bytes(4, "little"))
    uc.reg_write(UC_ARM_REG_SP, SRAM + SRAM_SIZE)
    return uc


def describer(uc):
    """Counts instructions with capstone; 1 cycle each (a stand-in: this bench measures speed)."""
    from capstone import CS_ARCH_ARM, CS_MODE_MCLASS, CS_MODE_THUMB, Cs
    cs = Cs(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS)

    def describe(addr: int, size: int):
        n = sum(1 for _ in cs.disasm_lite(bytes(uc.mem_read(addr, size)), addr))
        return n, n, 2
    return describe


def checksum(uc) -> int:
    return int.from_bytes(uc.mem_read(PARAMS + 4, 4), "little")


def timed_run(uc) -> float:
    # CPU time of this process, not wall time: on a shared machine wall time mostly measures
    # the neighbours (the emulator runs on this thread; ctypes releases no work elsewhere).
    t0 = time.process_time()
    uc.emu_start(FLASH | 1, HALT)
    return time.process_time() - t0


def run_counted(image, act, weights, reps, count_data: bool, dcache: bool = False,
                learn: bool = False):
    """(CPU seconds, instructions, checksum, counter cycles, share of the block executions the
    translated code counted itself: the inline fast path of Unicorn patch 0006, 0 without it)."""
    uc = make_engine(image, act, weights, reps)
    kwargs = dict(flash_ranges=[(FLASH, FLASH + FLASH_SIZE)], icache=ICACHE, count_data=count_data,
                  stack_guard=STACK_GUARD)
    if count_data or dcache:
        kwargs.update(dcache=DCACHE, regions=[("flash", FLASH, FLASH + FLASH_SIZE, "flash"),
                                              ("sram", SRAM, SRAM + SRAM_SIZE, "sram")])
    counter = Counter(uc, describer(uc), **kwargs)
    if counter.stack_guard_mode != "protect":
        raise SystemExit(f"stack guard fell back to {counter.stack_guard_mode!r} mode")
    if learn:
        wall = timed_learned_run(uc, counter)
    else:
        wall = timed_run(uc)
    blocks = counter.blocks_executed
    inline = (blocks - counter.block_hook_calls) / blocks if counter.inline_fast and blocks else 0.0
    result = (wall, counter.instructions, checksum(uc), counter.cycles, inline)
    counter.close()
    return result


def timed_learned_run(uc, counter) -> float:
    """Exact D-cache model for LEARN_INSTRUCTIONS, then frozen; CPU seconds of it all."""
    t0 = time.process_time()
    counter.set_budget(LEARN_INSTRUCTIONS)
    uc.emu_start(FLASH | 1, HALT)
    if counter.stop_reason != "budget" or not counter.freeze_data_model():
        raise SystemExit(f"learning run ended with {counter.stop_reason!r}, "
                         f"D-cache model {counter.data_model_state!r}")
    counter.set_budget(None)
    uc.emu_start(uc.reg_read(UC_ARM_REG_PC) | 1, HALT)
    return time.process_time() - t0


def run_python_hook(image, act, weights, reps):
    uc = make_engine(image, act, weights, reps)
    blocks = [0]

    def on_block(_uc, _addr, _size, _user):
        blocks[0] += 1
    uc.hook_add(UC_HOOK_BLOCK, on_block)
    return timed_run(uc), checksum(uc)


# counted configurations: (name, count_data, dcache, learn)
CONFIGS = (("counted", False, False, False),
           ("counted_dcache", False, True, False),
           ("counted_learned", False, True, True),
           ("counted_data", True, True, False))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--reps", type=int, default=60, help="kernel repetitions (~1.32 M instructions each)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per configuration (best kept)")
    ap.add_argument("--only", default=None,
                    help="comma-separated configurations to run besides raw (default: all): "
                    + ", ".join(name for name, *_ in CONFIGS) + ", python_block")
    args = ap.parse_args(argv)
    only = None if args.only is None else {n.strip() for n in args.only.split(",") if n.strip()}
    known = {name for name, *_ in CONFIGS} | {"python_block", "raw"}
    if only is not None and not only <= known:
        ap.error(f"--only: unknown configuration(s) {', '.join(sorted(only - known))}; "
                 f"known: {', '.join(sorted(known))}")
    if only is not None and not only & {name for name, *_ in CONFIGS}:
        ap.error("--only: name at least one counted configuration (the instruction count "
                 "comes from the counter)")

    image, origin = kernel_image()
    act, weights = inputs()
    want = expected_checksum(act, weights, args.reps)

    best = {}
    insns = None
    cycles = {}
    inline_share = {}
    for _ in range(args.repeat):
        # interleave the configurations so a noisy neighbour hurts them alike
        uc = make_engine(image, act, weights, args.reps)
        wall = timed_run(uc)
        if checksum(uc) != want:
            raise SystemExit(f"raw run computed checksum {checksum(uc):#x}, expected {want:#x}")
        best["raw"] = min(best.get("raw", wall), wall)
        for name, count_data, dcache, learn in CONFIGS:
            if only is not None and name not in only:
                continue
            wall, n, got, cycles[name], inline_share[name] = run_counted(
                image, act, weights, args.reps, count_data, dcache, learn)
            if got != want:
                raise SystemExit(f"{name} run computed checksum {got:#x}, expected {want:#x}")
            if insns is not None and n != insns:
                raise SystemExit(f"{name}: {n} instructions, another run counted {insns}")
            insns = n
            best[name] = min(best.get(name, wall), wall)
    py_mips = None
    if only is None or "python_block" in only:
        py_reps = max(1, args.reps // 6)
        py_wall, got = run_python_hook(image, act, weights, py_reps)
        py_mips = insns * py_reps / args.reps / py_wall / 1e6  # same kernel, fewer repetitions

    mips = {k: insns / v / 1e6 for k, v in best.items()}
    out = {"raw_mips": round(mips["raw"], 2)}
    for name, key in (("counted", ""), ("counted_dcache", "_dcache"),
                      ("counted_learned", "_learned"), ("counted_data", "_data")):
        if name in mips:
            out[f"{name}_mips"] = round(mips[name], 2)
            out[f"ratio{key}"] = round(mips[name] / mips["raw"], 3)
            out[f"{name}_inline_share"] = round(inline_share[name], 4)
    if "counted_learned" in cycles and "counted_dcache" in cycles:
        # counter cycles with the learned D-cache model relative to the exact model
        out["learned_cycle_error"] = ((cycles["counted_learned"] - cycles["counted_dcache"])
                                      / cycles["counted_dcache"])
        out["learn_instructions"] = LEARN_INSTRUCTIONS
    if py_mips is not None:
        out["python_block_hook_mips"] = round(py_mips, 2)
    out.update({
        "instructions": insns,
        "note": "hot loop is one 5-instruction block (worst case for per-block hooks); MIPS per CPU second",
        "kernel": origin,
        "engine": unicorn_build(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    })
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"engine: {out['engine']}; load average {out['load_average']}")
    print(f"kernel: {origin}; {insns} instructions per run, best of {args.repeat}")
    print(f"raw (no hooks)                    {out['raw_mips']:8.2f} MIPS")
    for name, key, label in (("counted", "", "counted (block+edges+icache+guard)"),
                             ("counted_dcache", "_dcache", "counted + dcache (exact)          "),
                             ("counted_learned", "_learned", "counted + dcache (learned)        "),
                             ("counted_data", "_data", "counted + data regions + dcache   ")):
        if name not in mips:
            continue
        line = f"{label}{out[name + '_mips']:8.2f} MIPS  ratio {out['ratio' + key]:.3f}"
        if out[name + "_inline_share"]:
            line += f"  ({out[name + '_inline_share']:.1%} of blocks counted inline)"
        if name == "counted_learned" and "learned_cycle_error" in out:
            line += (f"  (frozen after {LEARN_INSTRUCTIONS} instructions; cycles vs exact "
                     f"{out['learned_cycle_error']:+.2e})")
        print(line)
    if py_mips is not None:
        print(f"python UC_HOOK_BLOCK (trivial)    {out['python_block_hook_mips']:8.2f} MIPS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
