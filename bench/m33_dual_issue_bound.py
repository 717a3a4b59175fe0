"""Where a Cortex-M33 profile's cycles rest on unsourced rules: the dual-issue bound and the
shares of the inferred stall terms. Analysis only: nothing here is charged to an estimate.

Arm describes the Cortex-M33 pipeline as able to dual-issue some pairs of 16-bit Thumb
instructions and branches (elektroniknet.de, "Cortex-M23 und M33 sind erste ARMv8-M-CPUs",
page 3), but publishes no pairing rules (the Cortex-M33 TRM, Arm 100230, has no cycle table), so
tinysim's cortex-m33 table does not model it (tinysim/cost/timing/cortex_m33.py). This script
counts, in a saved profile (`tinysim validate --profiles DIR`), the executions of adjacent
instruction pairs that the most generous reading would let issue together: both 16-bit, the
first a single-cycle ALU instruction (InsnClass.ALU), the second an ALU instruction or a branch,
no register written by the first read or written by the second. Each pair taken greedily from
the start of its block saves at most one cycle. The result bounds what dual issue could change.
It also prints the share of the window's cycles in the terms the table infers rather than cites
(LOAD_USE_STALL*, MUL_USE_STALL, and the "1" of LDM/STM 1+N kept from the Cortex-M4), so a
residual against silicon can be set beside them.

    python bench/m33_dual_issue_bound.py PROFILE.npz IMAGE [--platform nucleo-u575zi-q]
"""

from __future__ import annotations

import argparse
import sys

from tinysim.cost.classes import InsnClass as C
from tinysim.cost.classify.cortex_m import decode_thumb
from tinysim.cost.profile import ExecutionProfile
from tinysim.cost.timing import cortex_m33
from tinysim.image import load_image
from tinysim.platform import load_platform

SECOND = (C.ALU, C.BRANCH)
PRESET = cortex_m33.PRESETS[0]
INFERRED = {"load-use stall": (C.LOAD_USE_STALL, C.LOAD_USE_STALL_SUBWORD),
            "mul-use stall": (C.MUL_USE_STALL,), "LDM/STM issue": (C.LOAD_MULTIPLE, C.STORE_MULTIPLE)}


def pairs_in_block(insns) -> int:
    n, i = 0, 0
    while i + 1 < len(insns):
        a, b = insns[i], insns[i + 1]
        if (a.size == 2 and b.size == 2 and a.cls == C.ALU and b.cls in SECOND
                and not (a.writes & (b.reads | b.writes))):
            n += 1
            i += 2
        else:
            i += 1
    return n


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
    pairs = insns = 0
    for row in profile.blocks:
        count = int(row["count"])
        if not count:
            continue
        code = read(int(row["addr"]), int(row["size"]))
        if not code:
            continue
        decoded = decode_thumb(code, int(row["addr"])).insns
        insns += count * len(decoded)
        pairs += count * pairs_in_block(decoded)
    cycles = float(profile.meta.get("counter_cycles") or 0)
    if not cycles:
        print(f"{args.profile}: no counter_cycles in its meta", file=sys.stderr)
        return 1
    terms = profile.term_totals()
    cyc = dict(zip(C, PRESET.cycles()))
    shares = {name: 100 * sum(float(terms[c]) * cyc[c] for c in cls) / cycles for name, cls in INFERRED.items()}
    print(f"{args.profile}: {insns} instructions, {cycles:.0f} cycles; dual issue hides at most "
          f"{pairs} ({100 * pairs / cycles:.1f}%); " + ", ".join(f"{k} {v:.1f}%" for k, v in shares.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
