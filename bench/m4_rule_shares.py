"""What the Cortex-M4 load/store rules measured on silicon weigh in a saved profile, applied or
not. Analysis only: nothing here is charged to an estimate.

Decodes every block of a profile (`tinysim validate --profiles DIR`) from its image, takes the
term counts the current `cortex-m4` preset gives it (tinysim/cost/timing/cortex_m4.py) times the
block's executions, and prints as a share of the window's counted cycles:

- the applied [MEAS] rules (jnk0le, pipeline cycle test, doc/cortex_m3m4.md, STM32F407): a store
  followed by a load / LDM (+1), an address loaded by the instruction before (+1), indexed stores
  chained on one base (+1), a NOP absorbed by a load / register-offset store (-1);
- the same-base indexed-load chain ("[cm4] post and pre indexed loads cannot be chained back to
  back on same register base address"): its cycles were the chain's loads to pay one each
  (`load_wb_chain` = 1; the default 0 follows the TRM, docs/COST_MODEL.md);
- the statements NOT applied, as the most they could move the estimate: "load pipelining happens
  only when targeting the same memory block" (every pipelined LDR / VLDR / STR paying its cycle
  back: an upper bound, the data addresses are not in a profile); "32bit opcode loads ... may fail
  to pipeline correctly if they are not positioned at word aligned boundaries" (pipelined 32-bit
  loads at an odd halfword, +1 each if all failed); "immediate offset ... store placed after load
  ... 1 IPC" (an immediate-offset STR pipelined after a load, -1 each if LDR;STR were 2 cycles,
  not the TRM's 3); a store followed by a VLDR / VLDM (not measured, +1 each).

`--unaligned` runs one quick window likewise with a code hook on every single word or halfword
load and store (LDR, LDRH, LDRSH, STR, STRH and their T forms; not SP- or PC-based) and charges
what the Cortex-M4 TRM gives for an unaligned access (r0p1, section 3.3.2 "Load/store timings":
a byte-aligned halfword +1, a halfword-aligned word +1, a byte-aligned word +2, "if the memory
stalls" more): per instruction, the penalty seen per execution in the run times its executions
in the profile. Also analysis only: the rule is not in the model (it needs data addresses).

`--blocks` also boots the image in the emulator, runs one quick performance window (as `tinysim
validate --quick`) with a code hook on both instructions of every pipelined pair, computes each
access's address from the registers, and counts the pairs whose two accesses fall in different
memory blocks of the board (flash, SRAM1, SRAM2, SRAM3, other): the cycles the "same memory
block" rule would add, instead of the upper bound.

    python bench/m4_rule_shares.py PROFILE.npz IMAGE [--platform nucleo-l4r5zi-p] [--blocks]
"""

from __future__ import annotations

import argparse
import sys

import capstone
import numpy as np
from capstone import arm_const as A
from unicorn import UC_HOOK_CODE
from unicorn import arm_const as U

from m33_rule_shares import code_reader
from tinysim.cost.classes import InsnClass as C
from tinysim.cost.classify.cortex_m import decode_thumb
from tinysim.cost.profile import ExecutionProfile
from tinysim.cost.timing import cortex_m4
from tinysim.harness.runner import Runner
from tinysim.harness.runs import RunnerOptions
from tinysim.image import load_image
from tinysim.pipeline.emulated_dut import open_emulated
from tinysim.platform import load_platform

PRESET = cortex_m4.PRESETS[0]
APPLIED = {"store then load": C.STORE_LOAD_STALL, "loaded address": C.LOAD_ADDR_STALL,
           "indexed store chain": C.STORE_WB_STALL, "NOP absorbed": C.NOP_ABSORBED}
_PIPELINED = (C.LOAD_PIPELINED, C.FP_LOAD_PIPELINED, C.STORE_PIPELINED)


def candidates(insns) -> np.ndarray:
    """Per block: [pipelined loads/stores, of them 32-bit loads at an odd halfword, imm-offset
    STR pipelined after a load, one-cycle store followed by VLDR / VLDM]."""
    out = np.zeros(4, dtype=np.int64)
    prev, prev_cls = None, None
    for ins in insns:
        cls = cortex_m4.pipelined_class(prev, prev_cls, ins)
        if cls in _PIPELINED:
            out[0] += 1
            out[1] += cls != C.STORE_PIPELINED and ins.size == 4 and ins.addr % 4 == 2
            out[2] += cls == C.STORE_PIPELINED and ins.cls == C.STORE
        if cls in (C.FP_LOAD, C.FP_LOAD_DOUBLE, C.FP_LOAD_MULTIPLE) and \
                prev_cls in (C.STORE, C.STORE_PIPELINED):
            out[3] += 1
        prev, prev_cls = ins, cls
    return out


_REGS = {**{f"r{i}": getattr(U, f"UC_ARM_REG_R{i}") for i in range(13)},
         "sb": U.UC_ARM_REG_R9, "sl": U.UC_ARM_REG_R10, "fp": U.UC_ARM_REG_R11,
         "ip": U.UC_ARM_REG_R12, "sp": U.UC_ARM_REG_SP, "lr": U.UC_ARM_REG_LR}


def pipelined_pairs(profile, read):
    """(prev address, address) of every pipelined pair in the profile's executed blocks, and the
    decoded instructions by address."""
    pairs, insns_at = set(), {}
    for row in profile.blocks:
        code = read(int(row["addr"]), int(row["size"])) if int(row["count"]) else b""
        prev, prev_cls = None, None
        for ins in decode_thumb(code, int(row["addr"])).insns if code else ():
            cls = cortex_m4.pipelined_class(prev, prev_cls, ins)
            if cls in _PIPELINED:
                pairs.add((prev.addr, ins.addr))
                insns_at[prev.addr], insns_at[ins.addr] = prev, ins
            prev, prev_cls = ins, cls
    return pairs, insns_at


def _address_of(md, ins, read):
    """A function of the register file giving `ins`'s access address (post-indexed: the base)."""
    ci = next(md.disasm(read(ins.addr, ins.size), ins.addr))
    m = next(op.mem for op in ci.operands if op.type == A.ARM_OP_MEM)
    base, index = ci.reg_name(m.base), ci.reg_name(m.index) if m.index else None
    disp = 0 if "]," in ci.op_str else m.disp      # post-indexed: the access uses the base
    if base == "pc":
        fixed = ((ins.addr + 4) & ~3) + disp
        return lambda uc: fixed
    return lambda uc: (uc.reg_read(_REGS[base]) + disp + (
        uc.reg_read(_REGS[index]) << m.lshift if index else 0)) & 0xFFFFFFFF


def block_crossings(image, platform, profile, read):
    """{(block of the first access, block of the second): pairs} over one quick window."""
    pairs, insns_at = pipelined_pairs(profile, read)
    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    md.detail = True
    address = {a: _address_of(md, ins, read) for a, ins in insns_at.items()}
    firsts = {}
    for a, b in pairs:
        firsts.setdefault(b, []).append(a)
    blocks = [(m.base, m.base + m.size, m.alias_of or m.name) for m in platform.memories]
    last, counts = {}, {}

    def hook(uc, addr, _size, _user):
        ea = address[addr](uc)
        blk = next((name for lo, hi, name in blocks if lo <= ea < hi), "other")
        last[addr] = blk
        for a in firsts.get(addr, ()):
            if a in last:
                counts[(last[a], blk)] = counts.get((last[a], blk), 0) + 1

    quick_window_with_hooks(image, platform, address, hook)
    return counts


def quick_window_with_hooks(image, platform, addresses, hook) -> None:
    """Boot `image`, put a code hook on each of `addresses` and run one quick performance window
    (as `tinysim validate --quick`)."""
    transport, client, meter = open_emulated(platform, image)
    try:
        for a in addresses:
            transport.machine.uc.hook_add(UC_HOOK_CODE, hook, begin=a, end=a)
        Runner(client, RunnerOptions(quick=True, seed=0), meter=meter).performance(client.profile())
    finally:
        transport.close()


# Single word / halfword transfers (bytes accessed) whose unaligned forms cost extra cycles.
_SIZED = {"ldr": 4, "str": 4, "ldrt": 4, "strt": 4, "ldrh": 2, "ldrsh": 2, "strh": 2,
          "ldrht": 2, "ldrsht": 2, "strht": 2}


_CONDS = {"eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt",
          "gt", "le"}


def _unconditional(mnemonic: str) -> str:
    """`ldrne.w` -> `ldr` (the IT condition and the width suffix dropped)."""
    base = mnemonic.split(".")[0]
    return base[:-2] if base not in _SIZED and base[-2:] in _CONDS else base


def trm_unaligned_penalty(address: int, size: int) -> int:
    """Cortex-M4 TRM 3.3.2: extra cycles of a `size`-byte access at `address` (0 when aligned)."""
    if size == 2:
        return address & 1
    return 2 if address & 1 else (1 if address & 2 else 0)


def unaligned_cycles(image, platform, profile, read) -> tuple:
    """(penalty cycles over the profile's executions, unaligned accesses in the run, sized
    accesses in the run): each hooked instruction's penalty per execution in one quick window,
    times the executions of its block in the profile."""
    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    md.detail = True
    sized, count_of = {}, {}
    for row in profile.blocks:
        count = int(row["count"])
        code = read(int(row["addr"]), int(row["size"])) if count else b""
        for ins in decode_thumb(code, int(row["addr"])).insns if code else ():
            size = _SIZED.get(_unconditional(ins.mnemonic))
            if size and not {"sp", "pc"} & set(ins.addr_regs):
                sized[ins.addr] = (_address_of(md, ins, read), size)
                count_of[ins.addr] = count_of.get(ins.addr, 0) + count
    seen, penalty = {}, {}

    def hook(uc, addr, _size, _user):
        address, size = sized[addr]
        seen[addr] = seen.get(addr, 0) + 1
        extra = trm_unaligned_penalty(address(uc), size)
        if extra:
            penalty[addr] = penalty.get(addr, 0) + extra

    quick_window_with_hooks(image, platform, sized, hook)
    cycles = sum(count_of[a] * p / seen[a] for a, p in penalty.items())
    return cycles, len(penalty), sum(seen.values())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("profile")
    ap.add_argument("image")
    ap.add_argument("--platform", default="nucleo-l4r5zi-p")
    ap.add_argument("--blocks", action="store_true",
                    help="run the image and sort the pipelined pairs by memory block")
    ap.add_argument("--unaligned", action="store_true",
                    help="run the image and charge the TRM's unaligned-access cycles (analysis)")
    args = ap.parse_args(argv)
    profile = ExecutionProfile.load(args.profile)
    platform = load_platform(args.platform)
    read = code_reader(load_image(args.image, platform))
    static = np.zeros(len(C), dtype=np.float64)
    cand = np.zeros(4, dtype=np.float64)
    for row in profile.blocks:
        count = int(row["count"])
        code = read(int(row["addr"]), int(row["size"])) if count else b""
        if not code:
            continue
        insns = decode_thumb(code, int(row["addr"])).insns
        static += count * PRESET.block_terms(insns)[0]
        cand += count * candidates(insns)
    cycles = float(profile.meta.get("counter_cycles") or 0)
    if not cycles:
        print(f"{args.profile}: no counter_cycles in its meta", file=sys.stderr)
        return 1
    cyc = PRESET.cycles()
    pct = lambda n: 100 * n / cycles  # noqa: E731
    applied = {k: pct(static[c] * cyc[c]) for k, c in APPLIED.items()}
    print(f"{args.profile}: {cycles:.0f} cycles; applied "
          + ", ".join(f"{k} {v:+.2f}%" for k, v in applied.items())
          + f" (sum {sum(applied.values()):+.2f}%); not applied, at most: one memory block "
          f"+{pct(cand[0]):.2f}%, unaligned 32-bit load +{pct(cand[1]):.2f}%, LDR;STR #imm 1 IPC "
          f"-{pct(cand[2]):.2f}%, store then VLDR/VLDM +{pct(cand[3]):.2f}%; same-base indexed "
          f"load chain at load_wb_chain = 1 (the default is {cyc[C.LOAD_WB_STALL]:g}) "
          f"+{pct(static[C.LOAD_WB_STALL]):.2f}%")
    if args.blocks:
        counts = block_crossings(args.image, platform, profile, read)
        total, cross = sum(counts.values()), sum(n for (x, y), n in counts.items() if x != y)
        print(f"  one memory block, run: {total} pipelined pairs, {cross} across two blocks "
              f"({100 * cross / max(total, 1):.1f}%; +{pct(cross):.2f}% of the profile's cycles "
              "if the run's window is the profile's); "
              + ", ".join(f"{x}->{y} {n}" for (x, y), n in sorted(counts.items())))
    if args.unaligned:
        extra, where, total = unaligned_cycles(args.image, platform, profile, read)
        print(f"  unaligned data accesses (TRM 3.3.2), run: {total} word/halfword accesses "
              f"hooked, {where} instructions made unaligned ones; +{pct(extra):.2f}% of the "
              "profile's cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
