"""Shared pieces: the sequence model (items, IT groups, forward branches), batch assembly and
the architectural state that the engines report."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

# ---- sequence model ---------------------------------------------------------------------------
# An item is one of
#   ("insn", text)                       text may hold "<c>" where an IT condition would go
#   ("it", cond, [(then, text), ...])    an IT block of 1-4 instructions (Thumb only)
#   ("br", text, label)                  a forward branch, text holds "<L>" for the label
#   ("label", label)                     a branch target (emits no code)
Item = tuple

INVERSE = {"eq": "ne", "ne": "eq", "cs": "cc", "cc": "cs", "mi": "pl", "pl": "mi", "vs": "vc",
           "vc": "vs", "hi": "ls", "ls": "hi", "ge": "lt", "lt": "ge", "gt": "le", "le": "gt"}


@dataclass
class InitState:
    """Initial architectural state of one sequence (the same in every engine)."""
    regs: Dict[str, int]          # "r0".."r12","sp","lr" (Arm) / "x1".."x31" (RISC-V)
    flags: int = 0                # Arm: APSR bits N Z C V Q GE (xPSR layout)
    sregs: Tuple[int, ...] = ()   # Arm: s0..s31 raw bits
    mem: bytes = b""              # the RAM window's contents


@dataclass
class Seq:
    isa: str
    index: int
    items: List[Item]
    init: InitState

    def lines(self, name: Optional[str] = None) -> List[str]:
        name = name or f"s{self.index}"
        out = []
        for it in self.items:
            kind = it[0]
            if kind == "insn":
                out.append("    " + it[1].replace("<c>", ""))
            elif kind == "it":
                cond, body = it[1], it[2]
                mask = "".join("t" if then else "e" for then, _ in body[1:])
                out.append(f"    it{mask} {cond}")
                for then, text in body:
                    out.append("    " + text.replace("<c>", cond if then else INVERSE[cond]))
            elif kind == "br":
                out.append("    " + it[1].replace("<L>", f"{name}_L{it[2]}"))
            elif kind == "label":
                out.append(f"{name}_L{it[1]}:")
        return out

    def text(self) -> str:
        return "\n".join(self.lines())

    def n_insns(self) -> int:
        n = 0
        for it in self.items:
            if it[0] in ("insn", "br"):
                n += 1
            elif it[0] == "it":
                n += 1 + len(it[2])
        return n

    def with_items(self, items: List[Item]) -> "Seq":
        return Seq(self.isa, self.index, fix_items(items), self.init)


def fix_items(items: List[Item]) -> List[Item]:
    """Drop branches whose label is gone and empty IT groups (keeps a shrunk sequence valid)."""
    labels = {it[1] for it in items if it[0] == "label"}
    return [it for it in items if not (it[0] == "br" and it[2] not in labels)
            and not (it[0] == "it" and not it[2])]


# ---- batch assembly ---------------------------------------------------------------------------
@dataclass
class Assembled:
    code: bytes                   # the .text image, loaded at `base`
    base: int
    spans: Dict[int, Tuple[int, int]]  # seq index -> (start, end) addresses; end = stop point
    rejected: Dict[int, str] = field(default_factory=dict)  # seq index -> assembler message


TOOLS = {
    "thumb": ("arm-none-eabi-as", ["-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard",
                                   "-mthumb", "-mimplicit-it=never"],
              "arm-none-eabi-objcopy", "arm-none-eabi-nm"),
    "rv32": ("riscv64-unknown-elf-as", ["-march=rv32imc", "-mabi=ilp32"],
             "riscv64-unknown-elf-objcopy", "riscv64-unknown-elf-nm"),
}


def tools_missing(isa: str) -> Optional[str]:
    for tool in (TOOLS[isa][0], TOOLS[isa][2], TOOLS[isa][3]):
        if shutil.which(tool) is None:
            return tool
    return None


def assemble(isa: str, seqs: Sequence[Seq], base: int, header: str, tail: str) -> Assembled:
    """Assemble every sequence into one image at `base` (each a label `sN` and `sN_end`).
    Sequences the assembler rejects are dropped (their message kept) and the rest re-assembled."""
    asm, flags, objcopy, nm = TOOLS[isa]
    rejected: Dict[int, str] = {}
    live = list(seqs)
    with tempfile.TemporaryDirectory(prefix="difftest-") as tmp:
        src, obj, binf = (os.path.join(tmp, n) for n in ("b.s", "b.o", "b.bin"))
        for _attempt in range(4):
            lines = header.splitlines()
            owner = {}
            for s in live:
                lines.append("    .balign 4")
                lines.append(f"s{s.index}:")
                for ln in s.lines():
                    lines.append(ln)
                    owner[len(lines)] = s.index
                lines.append(f"s{s.index}_end:")
                lines.extend(tail.splitlines())
            with open(src, "w") as f:
                f.write("\n".join(lines) + "\n")
            r = subprocess.run([asm, *flags, "-o", obj, src], capture_output=True, text=True)
            if r.returncode == 0:
                break
            bad = {}
            for m in re.finditer(r":(\d+): Error: (.*)", r.stderr):
                idx = owner.get(int(m.group(1)))
                if idx is not None:
                    bad.setdefault(idx, f"{lines[int(m.group(1)) - 1].strip()}: {m.group(2)}")
            if not bad:
                raise RuntimeError(f"{asm} failed:\n{r.stderr[:2000]}")
            rejected.update(bad)
            live = [s for s in live if s.index not in bad]
        else:
            raise RuntimeError(f"{asm}: still failing after dropping {len(rejected)} sequences")
        subprocess.run([objcopy, "-O", "binary", "-j", ".text", obj, binf], check=True)
        syms = subprocess.run([nm, obj], capture_output=True, text=True, check=True).stdout
        with open(binf, "rb") as f:
            code = f.read()
    addr = {}
    for ln in syms.splitlines():
        parts = ln.split()
        if len(parts) == 3:
            addr[parts[2]] = int(parts[0], 16)
    spans = {s.index: (base + addr[f"s{s.index}"], base + addr[f"s{s.index}_end"]) for s in live}
    return Assembled(code, base, spans, rejected)


# ---- final state ------------------------------------------------------------------------------
@dataclass
class Final:
    """What an engine reports after a sequence: registers by name, memory window, or a fault."""
    regs: Dict[str, int]
    mem: bytes
    fault: Optional[str] = None
