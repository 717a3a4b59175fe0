#!/usr/bin/env python3
"""What enforcing the MPU costs code it lets run: one inference of a workload with the MPU off
and with it on, set as an RTOS would (flash read-only and executable, SRAM read/write and
execute-never, PRIVDEFENA: what Zephyr's Cortex-M MPU driver programs without userspace).

    python3 bench/mpu_cost.py [--workload kws01] [--repeat 5] [--json]

The MPU is programmed through its register model after the image boots (the benchmark firmware
does not use it), so both sessions run the same code; the instruction and cycle counts must be
the same, or the script stops with an error. tinysim/emu/mpu_enforce.py hooks only the spans the
MPU refuses (here: stores to flash, instructions in SRAM), which this firmware never touches:
the ratio measures what the hooks and the per-stop state check cost the rest. Interleaved,
best and median of the repeats; CPU seconds of this thread.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from inference_speed import WORKLOADS, booted, halt_address, infer_counted  # noqa: E402

from tinysim.emu.engine_info import unicorn_build  # noqa: E402

# (region, RBAR, RASR): ARM DDI 0403 B3.5.8-9; RASR = XN << 28 | AP << 24 | (log2 size - 1) << 1 | ENABLE
REGIONS = ((0, 0x08000000, 6 << 24 | 20 << 1 | 1),              # 2 MiB flash: read-only (AP 110)
           (1, 0x20000000, 1 << 28 | 3 << 24 | 19 << 1 | 1))   # 1 MiB SRAM: read/write, XN
MPU_CTRL_ON = 5                                                 # ENABLE | PRIVDEFENA


def session(elf: Path, platform: str, mpu: bool):
    s = booted(elf, platform)
    if mpu:
        m = s.machine.mpu
        if m is None:
            raise SystemExit(f"platform {platform} has no MPU (mpu_regions in its SoC file)")
        for region, rbar, rasr in REGIONS:
            m.write(0x08, 4, region)   # RNR
            m.write(0x0C, 4, rbar)
            m.write(0x10, 4, rasr)
        m.write(0x04, 4, MPU_CTRL_ON)
    return s


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workload", default="kws01", choices=WORKLOADS)
    ap.add_argument("--platform", default="nucleo-l4r5zi")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    elf = ROOT / "firmware_images" / args.platform / f"{args.workload}.elf"
    sessions = {"off": session(elf, args.platform, False), "on": session(elf, args.platform, True)}
    entry = sessions["off"].firmware.symbol("th_infer")
    halt = halt_address(sessions["off"])
    counts, cpu = {}, {k: [] for k in sessions}
    for name, s in sessions.items():
        infer_counted(s, entry, halt)   # translated once, as every later inference runs
    for _ in range(args.repeat):
        for name, s in sessions.items():
            t, n, cycles, _blocks, _calls = infer_counted(s, entry, halt)
            cpu[name].append(t)
            counts[name] = (n, cycles)
    if counts["off"] != counts["on"]:
        raise SystemExit(f"the MPU changed what ran: {counts}")
    out = {"engine": unicorn_build(), "workload": args.workload, "instructions": counts["on"][0],
           "hooks": len(sessions["on"].machine._mpu_hooks)}
    for name in sessions:
        out[f"{name}_ms_best"] = round(min(cpu[name]) * 1e3, 3)
        out[f"{name}_ms_median"] = round(statistics.median(cpu[name]) * 1e3, 3)
    out["ratio_best"] = round(min(cpu["off"]) / min(cpu["on"]), 3)
    out["ratio_median"] = round(statistics.median(cpu["off"]) / statistics.median(cpu["on"]), 3)
    if args.json:
        print(json.dumps(out))
    else:
        print(f"engine: {out['engine']}; {args.platform} {args.workload}, {out['instructions']:,} instructions, "
              f"best / median of {args.repeat}")
        print(f"  MPU off {out['off_ms_best']:.2f} / {out['off_ms_median']:.2f} ms, "
              f"on {out['on_ms_best']:.2f} / {out['on_ms_median']:.2f} ms ({out['hooks']} hooks): "
              f"speed with it on {out['ratio_best']:.3f} / {out['ratio_median']:.3f} of off")
    return 0


if __name__ == "__main__":
    sys.exit(main())
