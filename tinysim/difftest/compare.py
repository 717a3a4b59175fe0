"""Compare final states, run batches in every engine, shrink divergences.

    from tinysim.difftest.compare import run_campaign
    report = run_campaign("thumb", count=5000, seed=1)
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from . import riscv as rvgen
from . import thumb as armgen
from .common import INVERSE, Final, Seq, assemble
from .qemu import QemuRunner
from .unicorn_modes import MODES, UnicornRunner

GEN = {"thumb": armgen, "rv32": rvgen}
PROLOGUE = ("insn", armgen.PROLOGUE)  # sets FPSCR from r0: never shrunk away


def diff_states(ref: Final, got: Final, mem_base: int = 0) -> Dict[str, Tuple[object, object]]:
    """Fields that differ: registers (incl. apsr = NZCVQ+GE, s0-s31, fpscr), memory bytes
    (as "mem[addr]"), and whether/where the run faulted."""
    out: Dict[str, Tuple[object, object]] = {}
    if (ref.fault is None) != (got.fault is None):
        out["fault"] = (ref.fault, got.fault)
        return out
    if ref.fault is not None:  # both faulted: the state after a fault is not comparable
        return out
    for k, v in ref.regs.items():
        if got.regs.get(k) != v:
            out[k] = (v, got.regs.get(k))
    if ref.mem != got.mem:
        for i, (a, b) in enumerate(zip(ref.mem, got.mem)):
            if a != b:
                out[f"mem[{mem_base + i:#x}]"] = (a, b)
    return out


def _fmt(v) -> str:
    return f"{v:#010x}" if isinstance(v, int) else str(v)


@dataclass
class Divergence:
    isa: str
    mode: str
    seed: int
    index: int
    fields: Dict[str, Tuple[object, object]]
    original: Seq
    minimal: Optional[Seq] = None
    minimal_fields: Optional[Dict[str, Tuple[object, object]]] = None
    raw_agrees: Optional[bool] = None  # for hook modes: raw Unicorn matched QEMU on this sequence

    def format(self) -> str:
        seq = self.minimal or self.original
        fields = self.minimal_fields or self.fields
        lines = [f"[{self.isa} seed={self.seed} #{self.index}] mode={self.mode}: QEMU vs Unicorn differ in "
                 f"{', '.join(sorted(fields)[:12])}"
                 + ("" if self.raw_agrees is None else
                    f" (raw Unicorn {'agrees with' if self.raw_agrees else 'also differs from'} QEMU)"),
                 f"  sequence ({seq.n_insns()} instructions{', shrunk from ' + str(self.original.n_insns()) if self.minimal else ''}):"]
        lines += ["    " + ln for ln in seq.lines()]
        used = " ".join(seq.text().replace(",", " ").replace("{", " ").replace("}", " ")
                        .replace("[", " ").replace("]", " ").split())
        init = seq.init
        regs = [f"{k}={v:#x}" for k, v in init.regs.items() if k in used.split()]
        lines.append("  initial: " + " ".join(regs))
        if seq.isa == "thumb":
            lines.append(f"           apsr={init.flags:#010x} fpscr={init.regs['r0']:#010x}" +
                         "".join(f" s{k}={init.sregs[k]:#010x}" for k in range(32) if f"s{k}" in used.split()))
        lines.append("  field        QEMU          Unicorn")
        for k in sorted(fields)[:24]:
            a, b = fields[k]
            lines.append(f"  {k:<12} {_fmt(a):<13} {_fmt(b)}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        seq = self.minimal or self.original
        fields = self.minimal_fields or self.fields
        return {"isa": self.isa, "mode": self.mode, "seed": self.seed, "index": self.index,
                "raw_agrees": self.raw_agrees, "sequence": seq.lines(),
                "fields": {k: [_fmt(a), _fmt(b)] for k, (a, b) in sorted(fields.items())[:24]}}


class Engines:
    """QEMU + one Unicorn engine per mode, loaded with the same assembled batch."""

    def __init__(self, isa: str, modes: Sequence[str] = MODES):
        self.isa = isa
        self.g = GEN[isa]
        self.qemu = QemuRunner(isa)
        self.modes = list(modes)
        self.uni = {m: UnicornRunner(isa, m) for m in self.modes}

    def assemble(self, seqs: Sequence[Seq]):
        return assemble(self.isa, seqs, self.g.CODE_BASE, self.g.ASM_HEADER, self.g.ASM_TAIL)

    def load(self, asm) -> None:
        self.qemu.load(asm)
        for u in self.uni.values():
            u.load(asm)

    def run(self, seq: Seq, preset=None, unicorn_preset=None) -> Tuple[Final, Dict[str, Final]]:
        ref = self.qemu.run(seq, preset)
        return ref, {m: u.run(seq, unicorn_preset if unicorn_preset is not None else preset)
                     for m, u in self.uni.items()}

    def close(self) -> None:
        self.qemu.close()
        for u in self.uni.values():
            u.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _candidates(seq: Seq) -> List[Seq]:
    """Every sequence with one instruction (or one IT-block member, or one whole group) less;
    pinned items (FPSCR prologue, base-register resets) stay."""
    out = []
    items = seq.items
    pinned = GEN[seq.isa].pinned
    for i, it in enumerate(items):
        if it[0] == "label" or pinned(it):
            continue
        out.append(seq.with_items(items[:i] + items[i + 1:]))
        if it[0] == "it" and len(it[2]) > 1:
            for j in range(len(it[2])):
                body = it[2][:j] + it[2][j + 1:]
                if not body[0][0]:  # the first instruction of an IT block is always "then"
                    body = [(True, t) if k == 0 else (not th, t) for k, (th, t) in enumerate(body)]
                    cond = armgen_inverse(it[1])
                    out.append(seq.with_items(items[:i] + [("it", cond, body)] + items[i + 1:]))
                else:
                    out.append(seq.with_items(items[:i] + [("it", it[1], body)] + items[i + 1:]))
    return out


def armgen_inverse(cond: str) -> str:
    return INVERSE[cond]


def shrink(engines: Engines, seq: Seq, mode: str, fields: Dict, max_rounds: int = 60,
           raw_must_agree: bool = False) -> Tuple[Seq, Dict]:
    """Greedy delta debugging: drop one instruction at a time (keeping IT blocks and branch
    targets valid) while the same mode still diverges from QEMU in an overlapping set of fields
    and neither engine faults (unless the original divergence was a fault). With
    `raw_must_agree` (a hook-mode divergence where raw Unicorn matched QEMU), raw Unicorn must
    keep matching QEMU on the candidate, so the minimal sequence still isolates the hook mode."""
    want_fault = "fault" in fields
    base = engines.g.RAM_WIN
    cur, cur_fields = seq, fields
    for _ in range(max_rounds):
        cands = _candidates(cur)
        if not cands:
            break
        for k, c in enumerate(cands):
            c.index = 10_000_000 + k
        asm = engines.assemble(cands)
        engines.qemu.load(asm)
        uni = engines.uni[mode]
        uni.load(asm)
        raw = engines.uni.get("raw") if raw_must_agree and mode != "raw" else None
        if raw is not None:
            raw.load(asm)
        found = None
        for c in cands:
            if c.index not in asm.spans:
                continue
            ref = engines.qemu.run(c)
            got = uni.run(c)
            d = diff_states(ref, got, base)
            if not d:
                continue
            if not want_fault and (ref.fault or got.fault):
                continue
            if raw is not None and diff_states(ref, raw.run(c), base):
                continue
            if set(d) & set(cur_fields) or (want_fault and "fault" in d):
                found = (c, d)
                break
        if found is None:
            break
        cur, cur_fields = found
    cur = Seq(cur.isa, seq.index, cur.items, cur.init)
    return cur, cur_fields


@dataclass
class Campaign:
    isa: str
    seed: int
    count: int = 0
    rejected: int = 0
    modes: List[str] = field(default_factory=list)
    divergences: Dict[str, int] = field(default_factory=dict)
    examples: List[Divergence] = field(default_factory=list)
    qemu_faults: int = 0
    qemu_restarts: int = 0
    wall_s: float = 0.0

    def to_json(self) -> dict:
        return {"isa": self.isa, "seed": self.seed, "sequences": self.count,
                "assembler_rejected": self.rejected, "modes": self.modes,
                "divergences": self.divergences, "qemu_faults": self.qemu_faults,
                "qemu_restarts": self.qemu_restarts, "wall_s": round(self.wall_s, 2),
                "examples": [d.to_json() for d in self.examples]}


def run_campaign(isa: str, count: int, seed: int = 1, modes: Sequence[str] = MODES,
                 batch: int = 2000, shrink_examples: int = 3,
                 log: Optional[Callable[[str], None]] = None) -> Campaign:
    """Generate `count` sequences, run them in QEMU and in every mode, count divergences per
    mode and shrink the first `shrink_examples` of each mode (and each differing field set)."""
    t0 = time.monotonic()
    g = GEN[isa]
    camp = Campaign(isa, seed, modes=list(modes), divergences={m: 0 for m in modes})
    pending: List[Tuple[Seq, str, Dict, bool]] = []
    seen = set()
    with Engines(isa, modes) as eng:
        for lo in range(0, count, batch):
            seqs = [g.generate(seed, i) for i in range(lo, min(count, lo + batch))]
            asm = eng.assemble(seqs)
            camp.rejected += len(asm.rejected)
            eng.load(asm)
            for s in seqs:
                if s.index not in asm.spans:
                    continue
                ref, got = eng.run(s)
                camp.count += 1
                camp.qemu_faults += ref.fault is not None
                raw_d = diff_states(ref, got["raw"], g.RAM_WIN) if "raw" in got else None
                for m, fin in got.items():
                    d = diff_states(ref, fin, g.RAM_WIN)
                    if not d:
                        continue
                    camp.divergences[m] += 1
                    key = (m, tuple(sorted(k if not k.startswith("mem[") else "mem" for k in d))[:4])
                    n_mode = sum(1 for p in pending if p[1] == m)
                    if key not in seen and n_mode < shrink_examples:
                        seen.add(key)
                        pending.append((s, m, d, raw_d is not None and not raw_d))
            if log:
                log(f"{isa}: {camp.count} sequences, divergences {camp.divergences}, "
                    f"{time.monotonic() - t0:.1f} s")
        for s, m, d, raw_ok in pending:
            dv = Divergence(isa, m, seed, s.index, d, s, raw_agrees=None if m == "raw" else raw_ok)
            try:
                dv.minimal, dv.minimal_fields = shrink(eng, s, m, d, raw_must_agree=bool(raw_ok))
            except Exception as err:  # noqa: BLE001 - keep the unshrunk report
                if log:
                    log(f"shrinking #{s.index} failed: {err!r}")
            camp.examples.append(dv)
        camp.qemu_restarts = eng.qemu.restarts
    camp.wall_s = time.monotonic() - t0
    return camp


# ---- fault probes -----------------------------------------------------------------------------
# Accesses ARMv7-M always faults on (A3.2.1: LDRD/STRD, LDM/STM, VLDR/VSTR/VLDM/VSTM, PUSH/POP
# need word alignment whatever CCR.UNALIGN_TRP says) next to ones it must not fault on. Bare
# Unicorn (every mode) executes all of them; QEMU raises the UsageFault (escalated to HardFault).
FAULT_PROBES = {
    "thumb": [
        ("ldrd unaligned", ["add.w r10, r10, #1", "ldrd r1, r2, [r10]"], True),
        ("strd unaligned", ["add.w r10, r10, #2", "strd r1, r2, [r10]"], True),
        ("ldm unaligned", ["add.w r10, r10, #1", "ldm.w r10, {r1, r2}"], True),
        ("stmdb unaligned", ["add.w r10, r10, #2", "stmdb r10, {r1, r2}"], True),
        ("vldr unaligned", ["add.w r10, r10, #1", "vldr s1, [r10, #4]"], True),
        ("vstm unaligned", ["add.w r10, r10, #3", "vstmia r10, {s1-s2}"], True),
        ("ldr unaligned (allowed)", ["ldr.w r1, [r10, #1]"], False),
        ("strh unaligned (allowed)", ["strh.w r1, [r10, #3]"], False),
        ("udiv by zero, DIV_0_TRP clear", ["udiv r1, r4, r3"], False),
    ],
}


def probe_faults(isa: str = "thumb", modes: Sequence[str] = ("raw",)) -> List[dict]:
    """Run the fault probes in QEMU and Unicorn; one row per probe: whether silicon (per the
    ARMv7-M ARM) faults, and what each engine did."""
    g = GEN[isa]
    rows = []
    init = g.init_state(random.Random(99))
    init.regs.update(r10=g.BASE_LO, r3=0, r4=5)
    seqs = [Seq(isa, k, [("insn", armgen.PROLOGUE)] + [("insn", t) for t in body], init)
            for k, (_, body, _) in enumerate(FAULT_PROBES[isa])]
    with Engines(isa, modes) as eng:
        asm = eng.assemble(seqs)
        if asm.rejected:
            raise RuntimeError(f"fault probes rejected by the assembler: {asm.rejected}")
        eng.load(asm)
        for (name, body, faults), s in zip(FAULT_PROBES[isa], seqs):
            ref, got = eng.run(s)
            rows.append({"probe": name, "code": body, "architecture_faults": faults,
                         "qemu_faults": ref.fault is not None,
                         **{f"unicorn_{m}_faults": f.fault is not None for m, f in got.items()}})
    return rows
