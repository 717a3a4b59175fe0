"""CPU cost of the Cortex-M UsageFault checks (tinysim/emu/usage_checks.py): one `infer N 0`
window of a benchmark image on a random input, with the checks on and off, alternated in one
process; prints the best (least disturbed) CPU time of each and their ratio.

    python bench/usage_checks_ab.py firmware_images/nucleo-l4r5zi/kws01.elf [--infer 1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tinysim.emu.usage_checks as checks  # noqa: E402
from tinysim.harness.datasets import random_window  # noqa: E402
from tinysim.pipeline.emulated_dut import open_emulated  # noqa: E402

_INSPECT = checks.UsageChecks.inspect


def window(elf: str, n: int, on: bool):
    checks.UsageChecks.inspect = _INSPECT if on else (lambda self, addr, size: False)
    transport, client, _meter = open_emulated("nucleo-l4r5zi", Path(elf))
    try:
        client.load(random_window(client.profile(), np.random.default_rng(0)))
        t0 = time.process_time()
        result = client.infer(n, 0)
        return time.process_time() - t0, result.results, transport.machine.checks.n_hooks
    finally:
        transport.close()
        checks.UsageChecks.inspect = _INSPECT


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("elf")
    ap.add_argument("--infer", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    runs = {False: [], True: []}
    for _ in range(args.repeat):
        for on in (False, True):
            runs[on].append(window(args.elf, args.infer, on))
    off, on = min(r[0] for r in runs[False]), min(r[0] for r in runs[True])
    print(f"checks off: {off:.3f} s CPU   checks on: {on:.3f} s CPU ({runs[True][0][2]} checked "
          f"instructions)   ratio {on / off:.3f}   same outputs: {runs[True][0][1] == runs[False][0][1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
