"""What each Cortex-M33 timing rule weighs in a saved profile. Analysis only: nothing here is
charged to an estimate.

Decodes every block of a profile (`tinysim validate --profiles DIR`) from its image, takes the
term counts the current `cortex-m33` preset gives it (tinysim/cost/timing/cortex_m33.py) times the
block's executions, and prints each rule's cycles as a share of the window's counted cycles
(and how far the current rules move the blocks' cycles from those the profile recorded):
the measured ones ([MEAS]: load-use, two-cycle ALU results, MAC/multiply-use, LDM/STM per
register, MULS.N / shifted-constant flags, dual issue, taken-after-flags), the inferred one
([INF]: the DSP class's use stall, counted with the multiply-use term) and the one kept from the
Cortex-M4 ([M4]: address-dependency stall). Blocks are re-decoded, so a profile recorded under an
older rule set is still read with the current rules.

    python bench/m33_rule_shares.py PROFILE.npz IMAGE [--platform nucleo-u575zi-q]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from tinysim.cost.classes import InsnClass as C
from tinysim.cost.classify.cortex_m import decode_thumb
from tinysim.cost.profile import ExecutionProfile
from tinysim.cost.timing import cortex_m33
from tinysim.image import load_image
from tinysim.platform import load_platform

PRESET = cortex_m33.PRESETS[0]
RULES = {"load-use stall": (C.LOAD_USE_STALL, C.LOAD_USE_STALL_SUBWORD),
         "mul/MAC/DSP-use stall": (C.MUL_USE_STALL,),
         "shifted-op2/xTA-use stall": (C.LATE_ALU_USE_STALL,),
         "LDM/STM per register": (C.MULTIPLE_REG, C.FP_MULTIPLE_REG),
         "two-stage flags": (C.TWO_STAGE_FLAGS,),
         "dual issue": (C.DUAL_ISSUE,),
         "taken after flags": (C.TAKEN_FLAG_WAIT,),
         "address-dependency stall [M4]": (C.ADDR_DEP_STALL,)}


def code_reader(firmware):
    segs = [(s.paddr, s.data) for s in firmware.segments] + [(s.vaddr, s.data) for s in firmware.segments]

    def read(addr: int, size: int) -> bytes:
        for base, data in segs:
            if base <= addr and addr + size <= base + len(data):
                return data[addr - base:addr - base + size]
        return b""
    return read


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("profile")
    ap.add_argument("image")
    ap.add_argument("--platform", default="nucleo-u575zi-q")
    args = ap.parse_args(argv)
    profile = ExecutionProfile.load(args.profile)
    read = code_reader(load_image(args.image, load_platform(args.platform)))
    static = np.zeros(len(C), dtype=np.float64)
    taken = np.zeros(len(C), dtype=np.float64)
    recorded = 0.0   # the blocks' core cycles as the profile was recorded
    for row, n_taken in zip(profile.blocks, profile.taken_counts):
        count = int(row["count"])
        code = read(int(row["addr"]), int(row["size"])) if count else b""
        if not code:
            continue
        s, t = PRESET.block_terms(decode_thumb(code, int(row["addr"])).insns)
        static += count * s
        taken += int(n_taken) * t
        recorded += count * int(row["static_cycles"]) + int(n_taken) * int(row["taken_extra"])
    cycles = float(profile.meta.get("counter_cycles") or 0)
    if not cycles:
        print(f"{args.profile}: no counter_cycles in its meta", file=sys.stderr)
        return 1
    cyc = PRESET.cycles()
    terms = static + taken
    shares = {name: 100 * sum(terms[c] * cyc[c] for c in cls) / cycles for name, cls in RULES.items()}
    now = float(terms @ cyc)
    print(f"{args.profile}: {cycles:.0f} cycles; core cycles under the current rules "
          f"{100 * (now - recorded) / cycles:+.1f}% against the recorded ones; "
          + ", ".join(f"{k} {v:+.1f}%" for k, v in shares.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
