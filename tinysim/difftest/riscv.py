"""Seeded generator of random, valid RV32IMC sequences (compressed forms included).

Register roles: x2 (sp), x3 (gp) and x8 (s0) are fixed base pointers into the RAM window, x9
(s1) a fixed base into the read-only flash data window (loads only); the others hold random
data. RV32 has no writeback addressing, so bases never move. Loads and stores are naturally
aligned (misaligned accesses are an execution-environment choice in the RISC-V spec). Division
by zero and signed overflow are defined (no trap) and are generated on purpose."""

from __future__ import annotations

import random
from typing import List, Optional

from .common import InitState, Item, Seq
from .thumb import rand32

FLASH_BASE, FLASH_SIZE = 0x80000000, 0x00400000  # QEMU virt RAM; the counter's "flash"
STUB_ADDR = 0x80000E00
STUB_CODE = bytes.fromhex("73905230" "13000000")  # csrw mtvec, t0 ; nop
FAULT_ADDR = 0x80000F00
CODE_BASE = 0x80001000
FLASH_DATA, FLASH_DATA_SIZE = 0x80300000, 0x400
RAM_BASE, RAM_SIZE = 0x80800000, 0x10000
RAM_WIN, RAM_WIN_SIZE = RAM_BASE, 0x800
STACK_GUARD = (0x8080E000, 0x8080F800)
BASES = {"x2": RAM_WIN + 0x400, "x3": RAM_WIN + 0x600, "x8": RAM_WIN + 0x200,
         "x9": FLASH_DATA + 0x200}
GP = [f"x{i}" for i in [1, 4, 5, 6, 7] + list(range(10, 32))]
CGP = [f"x{i}" for i in range(10, 16)]  # compressed-addressable and not reserved


class _Gen:
    def __init__(self, rng: random.Random, length: int):
        self.rng = rng
        self.length = length
        self.items: List[Item] = []
        self.skip: List[int] = []
        self.pending: List[int] = []
        self.labels = 0

    def gp(self) -> str:
        return self.rng.choice(GP)

    def src(self) -> str:
        return self.rng.choice(GP + ["x0", "x2", "x3", "x8", "x9"])

    def cg(self) -> str:
        return self.rng.choice(CGP)

    def emit(self, text: str) -> None:
        self.items.append(("insn", text))
        if self.skip:
            self.skip = [n - 1 for n in self.skip]
            while self.skip and self.skip[-1] <= 0:
                self.skip.pop()
                self.items.append(("label", self.pending.pop()))

    def alu(self) -> str:
        r = self.rng
        k = r.randrange(6)
        if k <= 1:
            op = r.choice(["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and"])
            return f"{op} {self.gp()}, {self.src()}, {self.src()}"
        if k == 2:
            op = r.choice(["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"])
            return f"{op} {self.gp()}, {self.src()}, {self.src()}"
        if k == 3:
            op = r.choice(["addi", "slti", "sltiu", "xori", "ori", "andi"])
            imm = r.choice([r.randrange(-2048, 2048), r.randrange(-32, 32), -1, 0, 2047, -2048])
            return f"{op} {self.gp()}, {self.src()}, {imm}"
        if k == 4:
            op = r.choice(["slli", "srli", "srai"])
            return f"{op} {self.gp()}, {self.src()}, {r.randrange(32)}"
        return f"{r.choice(['lui', 'auipc'])} {self.gp()}, {r.randrange(1 << 20)}"

    def compressed(self) -> str:
        r = self.rng
        k = r.randrange(12)
        if k == 0:
            rd = self.gp()
            return f"c.addi {rd}, {r.choice([i for i in range(-32, 32) if i])}"
        if k == 1:
            return f"c.li {self.gp()}, {r.randrange(-32, 32)}"
        if k == 2:
            return f"c.lui {r.choice([g for g in GP])}, {r.randrange(1, 32)}"
        if k == 3:
            return f"c.slli {self.gp()}, {r.randrange(1, 32)}"
        if k == 4:
            return f"c.{r.choice(['srli', 'srai'])} {self.cg()}, {r.randrange(1, 32)}"
        if k == 5:
            return f"c.andi {self.cg()}, {r.randrange(-32, 32)}"
        if k == 6:
            return f"c.mv {self.gp()}, {r.choice(GP + ['x2', 'x3', 'x8', 'x9'])}"
        if k == 7:
            return f"c.add {self.gp()}, {r.choice(GP + ['x2', 'x3', 'x8', 'x9'])}"
        if k == 8:
            return f"c.{r.choice(['sub', 'xor', 'or', 'and'])} {self.cg()}, {r.choice(CGP + ['x8', 'x9'])}"
        if k == 9:
            return f"c.addi4spn {self.cg()}, sp, {r.randrange(1, 256) * 4}"
        if k == 10:
            return "c.nop"
        return self.cmem()

    def cmem(self) -> str:
        r = self.rng
        k = r.randrange(4)
        if k == 0:
            return f"c.lw {self.cg()}, {r.randrange(32) * 4}({r.choice(['x8', 'x9'])})"
        if k == 1:
            return f"c.sw {r.choice(CGP + ['x8', 'x9'])}, {r.randrange(32) * 4}(x8)"
        if k == 2:
            return f"c.lwsp {self.gp()}, {r.randrange(64) * 4}(sp)"
        return f"c.swsp {r.choice(GP + ['x0', 'x2', 'x3', 'x8', 'x9'])}, {r.randrange(64) * 4}(sp)"

    def mem(self) -> str:
        r = self.rng
        size, op = r.choice([(1, "b"), (2, "h"), (4, "w"), (1, "bu"), (2, "hu")])
        off = r.randrange(-0x200 // size, 0x1F8 // size) * size
        if r.random() < 0.5:
            base = r.choice(["x2", "x3", "x8", "x9"])
            return f"l{op} {self.gp()}, {off}({base})"
        base = r.choice(["x2", "x3", "x8"])
        return f"s{op.rstrip('u')} {self.src()}, {off}({base})"

    def one(self) -> None:
        r = self.rng
        k = r.random()
        if k < 0.10 and not self.skip:
            self.labels += 1
            c = r.randrange(4)
            if c == 0:
                text = f"{r.choice(['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu'])} {self.src()}, {self.src()}, <L>"
            elif c == 1:
                text = f"{r.choice(['c.beqz', 'c.bnez'])} {r.choice(CGP + ['x8', 'x9'])}, <L>"
            elif c == 2:
                text = r.choice(["c.j <L>", "c.jal <L>", f"jal {r.choice(['x0', 'x1', self.gp()])}, <L>"])
            else:
                text = f"{r.choice(['beqz', 'bnez', 'bltz', 'bgez', 'blez', 'bgtz'])} {self.src()}, <L>"
            self.pending.append(self.labels)
            self.items.append(("br", text, self.labels))
            self.skip.append(r.randint(1, 4))
        elif k < 0.45:
            self.emit(self.alu())
        elif k < 0.75:
            self.emit(self.compressed())
        else:
            self.emit(self.mem())

    def run(self) -> List[Item]:
        while len(self.items) < self.length:
            self.one()
        while self.skip:
            self.skip.pop()
            self.items.append(("label", self.pending.pop()))
        return self.items


def init_state(rng: random.Random) -> InitState:
    regs = {f"x{i}": rand32(rng) for i in range(1, 32)}
    regs.update(BASES)
    mem = bytes(rng.getrandbits(8) for _ in range(RAM_WIN_SIZE))
    return InitState(regs, 0, (), mem)


def generate(seed: int, index: int, length: Optional[int] = None) -> Seq:
    rng = random.Random(f"rv32:{seed}:{index}")
    length = length or rng.randint(4, 24)
    init = init_state(rng)
    return Seq("rv32", index, _Gen(rng, length).run(), init)


def flash_data() -> bytes:
    rng = random.Random("rv32-flash-data")
    return bytes(rng.getrandbits(8) for _ in range(FLASH_DATA_SIZE))


def fixed_memory():
    """(address, bytes) written to both engines before a batch: the QEMU setup stub, the fault
    loop (c.j .) and the flash data window."""
    return [(STUB_ADDR, STUB_CODE), (FAULT_ADDR, bytes.fromhex("01a0") * 8),
            (FLASH_DATA, flash_data())]


def pinned(item) -> bool:
    return False  # bases never move on RV32: every instruction may go


ASM_HEADER = ".option rvc\n.text\n"
ASM_TAIL = "    nop"
