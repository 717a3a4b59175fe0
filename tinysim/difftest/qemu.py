"""Run assembled sequences under QEMU through its gdbstub (GDB remote serial protocol spoken
directly over a loopback TCP socket; one QEMU process serves a whole batch).

Per sequence: write the RAM window, the registers and PC, set one breakpoint at the sequence's
end, continue, read registers and the window back. Requests that need no answer in between are
pipelined. A run that stops anywhere else (the exception vectors all point at a breakpointed
address) is a fault; QEMU is then restarted so the next sequence starts from a clean core.
Every wait is bounded; `close()` (or the context manager) kills QEMU."""

from __future__ import annotations

import shutil
import socket
import struct
import subprocess
import time
from typing import Dict, List, Optional, Sequence

from . import riscv as rvgen
from . import thumb as armgen
from .common import Assembled, Final, Seq


class GdbError(RuntimeError):
    pass


class Gdb:
    """A minimal GDB remote protocol client (acks sent, ignored on receipt)."""

    def __init__(self, port: int, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise GdbError(f"cannot connect to the QEMU gdbstub on 127.0.0.1:{port}")
                time.sleep(0.05)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.sock.sendall(b"+")

    @staticmethod
    def frame(cmd: str) -> bytes:
        data = cmd.encode()
        return b"$" + data + b"#" + b"%02x" % (sum(data) & 0xFF)

    def send(self, cmds: Sequence[str]) -> None:
        self.sock.sendall(b"".join(self.frame(c) for c in cmds))

    def recv(self, timeout: float = 5.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            i = self.buf.find(b"$")
            if i >= 0:
                j = self.buf.find(b"#", i)
                if j >= 0 and len(self.buf) >= j + 3:
                    pkt = self.buf[i + 1:j].decode()
                    self.buf = self.buf[j + 3:]
                    self.sock.sendall(b"+")
                    return pkt
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from the QEMU gdbstub")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(1 << 16)
            except socket.timeout:
                raise TimeoutError("no answer from the QEMU gdbstub") from None
            if not data:
                raise GdbError("QEMU closed the gdb connection")
            self.buf += data

    def many(self, cmds: Sequence[str], timeout: float = 5.0) -> List[str]:
        self.send(cmds)
        return [self.recv(timeout) for _ in cmds]

    def cmd(self, c: str, timeout: float = 5.0) -> str:
        return self.many([c], timeout)[0]

    def interrupt(self) -> None:
        self.sock.sendall(b"\x03")

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def _hex32(v: int) -> str:
    return struct.pack("<I", v & 0xFFFFFFFF).hex()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Arch:
    """Per-ISA layout: QEMU command line, register file in the 'g' packet, fixed memory."""
    name: str
    qemu: str
    layout: object  # the generator module (addresses)


class QemuRunner:
    """`QemuRunner("thumb")`, then `.load(assembled)` and `.run(seq)` per sequence."""

    def __init__(self, isa: str, run_timeout: float = 3.0):
        self.isa = isa
        self.run_timeout = run_timeout
        self.proc: Optional[subprocess.Popen] = None
        self.gdb: Optional[Gdb] = None
        self.asm: Optional[Assembled] = None
        self.restarts = 0
        if isa == "thumb":
            self.g = armgen
            self.argv = ["qemu-system-arm", "-M", "mps2-an386", "-cpu", "cortex-m4"]
            self.nregs = 17  # r0-r15, xpsr
        else:
            self.g = rvgen
            self.argv = ["qemu-system-riscv32", "-M", "virt", "-bios", "none",
                         "-cpu", "rv32,c=true,m=true,a=true,f=false,d=false"]
            self.nregs = 33  # x0-x31, pc

    @staticmethod
    def missing(isa: str) -> Optional[str]:
        exe = "qemu-system-arm" if isa == "thumb" else "qemu-system-riscv32"
        return None if shutil.which(exe) else exe

    # ---- process ------------------------------------------------------------------------
    def start(self) -> None:
        self.close()
        port = _free_port()
        self.proc = subprocess.Popen(self.argv + ["-nographic", "-monitor", "none", "-serial", "none",
                                                  "-S", "-gdb", f"tcp:127.0.0.1:{port}"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        try:
            try:
                self.gdb = Gdb(port)
            except GdbError:
                code = self.proc.poll()
                if code is not None:
                    raise GdbError(f"{self.argv[0]} exited with status {code} before its gdbstub "
                                   f"listened: {' '.join(self.argv)}") from None
                raise
            self.gdb.cmd("qSupported:xmlRegisters=arm,riscv")
            # QEMU answers p/P (single registers: xPSR, d0-d15, fpscr) only once the client
            # has read the target description
            self.gdb.cmd("qXfer:features:read:target.xml:0,ffb")
            self._setup()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.gdb is not None:
            self.gdb.close()
            self.gdb = None
        if self.proc is not None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            self.proc = None

    def __enter__(self) -> "QemuRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def write_mem(self, addr: int, data: bytes, chunk: int = 1024) -> List[str]:
        return [f"M{addr + k:x},{len(data[k:k + chunk]):x}:{data[k:k + chunk].hex()}"
                for k in range(0, len(data), chunk)]

    def read_mem(self, addr: int, size: int, chunk: int = 1024) -> List[str]:
        return [f"m{addr + k:x},{min(chunk, size - k):x}" for k in range(0, size, chunk)]

    def _check(self, replies: List[str], what: str) -> None:
        bad = [r for r in replies if r.startswith("E") and len(r) == 3]
        if bad:
            raise GdbError(f"QEMU gdbstub refused {what}: {bad[0]}")

    def _setup(self) -> None:
        g, gdb = self.g, self.gdb
        cmds = []
        if self.isa == "thumb":
            vec = struct.pack("<I", g.SP_INIT) + struct.pack("<I", g.FAULT_ADDR | 1) * 63
            cmds += self.write_mem(0, vec)
            cmds += self.write_mem(g.FAULT_ADDR, bytes.fromhex("fee7") * 8)  # b .
            cmds += self.write_mem(g.FLASH_DATA, g.flash_data())
            cmds += self.write_mem(g.STUB_ADDR, g.STUB_CODE)
        else:
            cmds += self.write_mem(g.FAULT_ADDR, bytes.fromhex("01a0") * 8)  # c.j .
            cmds += self.write_mem(g.STUB_ADDR, g.STUB_CODE)
            cmds += self.write_mem(g.FLASH_DATA, g.flash_data())
        cmds.append(f"Z0,{g.FAULT_ADDR:x},2")
        self._check(gdb.many(cmds), "the setup writes")
        # run the setup stub once (the debugger cannot write the SCS): Arm enables the FPU
        # (CPACR = 0x00F00000, str r1, [r0]; dsb; isb), RISC-V points mtvec at the fault loop
        if self.isa == "thumb":
            regs = [0xE000ED88, 0x00F00000] + [0] * 11 + [g.SP_INIT, 0, g.STUB_ADDR]
            end, pc_index = g.STUB_ADDR + 10, 15
            self._check([gdb.cmd("P19=" + _hex32(1 << 24))], "the xPSR write")
        else:
            regs = [0] * 33
            regs[5], regs[32] = g.FAULT_ADDR, g.STUB_ADDR
            end, pc_index = g.STUB_ADDR + 4, 32
        self._check(gdb.many(["G" + "".join(_hex32(v) for v in regs), f"Z0,{end:x},2"]), "the stub")
        gdb.send(["c"])
        stop = gdb.recv(5.0)
        pc = self._regs_from_g(gdb.cmd("g"))[pc_index] & ~1
        gdb.cmd(f"z0,{end:x},2")
        if pc != end:
            raise GdbError(f"QEMU: the setup stub stopped at {pc:#x} ({stop})")
        if self.asm is not None:
            self._check(gdb.many(self.write_mem(self.asm.base, self.asm.code)), "the code write")

    def load(self, asm: Assembled) -> None:
        self.asm = asm
        if self.gdb is None:
            self.start()
        else:
            self._check(self.gdb.many(self.write_mem(asm.base, asm.code)), "the code write")

    def _regs_from_g(self, g: str) -> List[int]:
        vals = [struct.unpack("<I", bytes.fromhex(g[8 * k:8 * k + 8]))[0] for k in range(self.nregs)]
        if self.isa == "thumb":  # xPSR is the last register of the 'g' reply
            vals[16] = struct.unpack("<I", bytes.fromhex(g[-8:]))[0]
        return vals

    # ---- one sequence -------------------------------------------------------------------
    def run(self, seq: Seq, preset: Optional[Dict[str, int]] = None) -> Final:
        """Run one sequence of the loaded batch; `preset` overrides initial registers (tests)."""
        for attempt in range(2):
            if self.gdb is None:
                self.start()
            try:
                return self._run(seq, preset)
            except (TimeoutError, GdbError, OSError):
                self.restarts += 1
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _run(self, seq: Seq, preset) -> Final:
        g, gdb = self.g, self.gdb
        start, end = self.asm.spans[seq.index]
        init = seq.init
        regs = dict(init.regs)
        regs.update(preset or {})
        cmds = self.write_mem(g.RAM_WIN, init.mem)
        if self.isa == "thumb":
            # a partial G writes r0-r15; xPSR is register 25 (after the legacy FPA slots that
            # QEMU keeps in the 'g' layout of M-profile cores)
            core = [regs[f"r{i}"] for i in range(13)] + [regs["sp"], regs["lr"], start]
            cmds.append("G" + "".join(_hex32(v) for v in core))
            cmds.append("P19=" + _hex32(init.flags | 1 << 24))
            for k in range(16):
                lo, hi = init.sregs[2 * k], init.sregs[2 * k + 1]
                cmds.append(f"P{26 + k:x}=" + _hex32(lo) + _hex32(hi))
        else:
            core = [0] + [regs[f"x{i}"] for i in range(1, 32)] + [start]
            cmds.append("G" + "".join(_hex32(v) for v in core))
        cmds.append(f"Z0,{end:x},2")
        self._check(gdb.many(cmds), "the sequence setup")
        gdb.send(["c"])
        try:
            gdb.recv(self.run_timeout)
        except TimeoutError:
            gdb.interrupt()
            gdb.recv(2.0)
            raise
        reads = ["g"] + self.read_mem(g.RAM_WIN, len(init.mem))
        if self.isa == "thumb":
            reads += [f"p{26 + k:x}" for k in range(16)] + ["p2a"]
        replies = gdb.many(reads + [f"z0,{end:x},2"])
        self._check(replies, "the state read")
        vals = self._regs_from_g(replies[0])
        nmem = len(reads) - 1 - (17 if self.isa == "thumb" else 0)
        mem = bytes.fromhex("".join(replies[1:1 + nmem]))
        out: Dict[str, int] = {}
        if self.isa == "thumb":
            for i in range(13):
                out[f"r{i}"] = vals[i]
            out["sp"], out["lr"], out["pc"] = vals[13], vals[14], vals[15] & ~1
            out["apsr"] = vals[16] & 0xF80F0000
            for k in range(16):
                d = bytes.fromhex(replies[1 + nmem + k])
                out[f"s{2 * k}"], out[f"s{2 * k + 1}"] = struct.unpack("<II", d[:8])
            out["fpscr"] = struct.unpack("<I", bytes.fromhex(replies[1 + nmem + 16]))[0]
            pc = out["pc"]
        else:
            for i in range(1, 32):
                out[f"x{i}"] = vals[i]
            out["pc"] = pc = vals[32]
        fault = None
        if pc != end:
            fault = f"stopped at {pc:#x}" + (" (exception vector)" if pc == g.FAULT_ADDR else "")
            self.close()  # the core is in handler mode now: start clean for the next one
        return Final(out, mem, fault)
