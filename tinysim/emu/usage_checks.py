"""The UsageFaults silicon raises and Unicorn 2.1.4 does not: UNALIGNED and DIVBYZERO
(ARM DDI 0403E.e B3.2.15 "UsageFault Status Register"; A3.2.1 "Alignment support").

- LDRD/STRD, LDM/STM, LDREX/STREX(H), VLDR/VSTR, VLDM/VSTM to an address that is not word
  (LDREXH/STREXH: halfword) aligned always UsageFault (A3.2.1: "... always generates an alignment
  fault"), whatever CCR.UNALIGN_TRP says. SP- and PC-based forms cannot be misaligned (SP[1:0] is
  0, B1.4.1; literal addresses are Align(PC, 4) + imm*4) and are not checked.
- With CCR.UNALIGN_TRP = 1 (B3.2.8) also LDR/STR/LDRH/STRH/LDRSH and their T variants.
- With CCR.DIV_0_TRP = 1, SDIV/UDIV with a zero divisor (A7.7.127, A7.7.195); with it clear the
  result is 0, which Unicorn already gives.

Two ways, chosen per process by what the engine does (`engine_raises_unaligned`, a one-LDRD
probe, ~1 ms):

- Engine: a Unicorn build with third_party/unicorn/0007-*.patch raises the always-checked
  alignment faults itself (the access is marked aligned-only, so it faults in the engine's slow
  path before anything is loaded or stored, with PC and IT state of the instruction) and hands
  INTR_UNALIGNED to the interrupt hook, where `engine_fault` notes it. Those get no hook at all;
  UNALIGN_TRP and DIV_0_TRP (CCR lives in tinysim's SCB model, not in the engine) still do.
- Hooks (the stock wheel, and the trap groups on any engine): when a block is first described
  (`inspect`, before it runs) a native scan of its Thumb encodings (native/fault_checks.c,
  ts_check_scan; no disassembler) lists the instructions that may need a check for the CCR bits
  set now; only those are decoded with capstone's details (from the IT instruction before them,
  for their condition), and each one that can fault this way gets a native UC_HOOK_CODE limited
  to its own address (native/fault_checks.c, ts_check_hook). On a fault the callback calls
  `_on_fault` here, which makes the access fail (the touched pages lose read/write permission
  for that one access), so Unicorn stops on the instruction itself with nothing written, also
  inside an IT block where a code hook cannot stop the engine; `take()` then restores the pages
  and hands the fault to the engine. A block decoded for fewer trap groups than CCR now enables
  is decoded again (`set_groups`).

Cost (bench/usage_checks_ab.py: checks on vs off, each window a fresh process, median of 5, one
`infer 1` window / ten inferences, load average 2-4 on 2 cores; session 13). The benchmark images
check only LDRD/STRD: kws01 8 of them, 47,260 executions per inference; ic01 3, 64,032; vww01 8,
159,966; ad01 none. Before (every candidate block decoded with capstone's details, 10-20 ms per
window): stock wheel +8.5 % / +3.4 % / +7.3 % (kws01 / ic01 / vww01, infer 1), 0001-0005 build
+11.6 % / +8.8 % / +10.0 %. Now, hooks: stock +2.8 % / +1.7 % / +2.4 % (ten inferences: kws01
+3.0 %, vww01 +1.0 %; a hook call costs ~30 ns there), 0001-0005 build +2.4 % / +3.5 % / +1.7 %
(ten inferences +6.6 % / +6.7 %: ~17 ns a hook call against an inference 3-4x faster than stock).
Engine (0001-0005 + 0007): no hook registered; +2.0 % / +1.5 % / -1.2 % for tinysim's side
(ten inferences +0.7 % / +1.7 %), and against the 0001-0005 build with checks off -1.1 % / +1.9 %
(kws01 / vww01, ten inferences): within the noise.

Unicorn calls a code hook on an IT-conditional instruction only when its condition passes
(also in a block that starts inside an IT block, decoded here without its IT instruction; tested
by tests/emu/test_exception_state.py and test_usage_faults.py); the check tests the condition
again when capstone saw it.

Limit: a division by zero trapped inside an IT block stops only after the IT block (the engine
cannot be stopped there and a division has no memory access to make fail), so the later
instructions of that IT block have run and the division's result (0) is written. With hooks, the
access made to fail still reaches Unicorn's UC_HOOK_MEM_READ/WRITE hooks (they run before its
protection check), so a memory-hook counting mode (exact D-cache, data regions) sees one access
of a faulting instruction that the engine way, which faults before any hook, does not.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

import capstone
from capstone import arm_const as C
from unicorn import UC_PROT_EXEC
from unicorn import arm_const as A
from unicorn.unicorn_py3.arch.types import uc_hook_h

from .counter.native import fn_addr, load_native, unicorn_lib
from .engine_probes import engine_raises_unaligned

UNALIGNED, DIVBYZERO = "unaligned", "divbyzero"
_KIND_CODE = {1: UNALIGNED, 2: DIVBYZERO}
_UC_HOOK_CODE = 4
PAGE = 0x1000

# Always checked: multi-word, exclusive and FP transfers (A3.2.1). Value: bytes per register.
_ALWAYS = {C.ARM_INS_LDRD: 4, C.ARM_INS_STRD: 4, C.ARM_INS_LDM: 4, C.ARM_INS_LDMDB: 4,
           C.ARM_INS_STM: 4, C.ARM_INS_STMDB: 4, C.ARM_INS_LDREX: 4, C.ARM_INS_STREX: 4,
           C.ARM_INS_LDREXH: 2, C.ARM_INS_STREXH: 2, C.ARM_INS_VLDR: 4, C.ARM_INS_VSTR: 4,
           C.ARM_INS_VLDMIA: 4, C.ARM_INS_VLDMDB: 4, C.ARM_INS_VSTMIA: 4, C.ARM_INS_VSTMDB: 4}
_MULTI = {C.ARM_INS_LDM, C.ARM_INS_LDMDB, C.ARM_INS_STM, C.ARM_INS_STMDB, C.ARM_INS_VLDMIA,
          C.ARM_INS_VLDMDB, C.ARM_INS_VSTMIA, C.ARM_INS_VSTMDB}
_DECREMENT = {C.ARM_INS_LDMDB, C.ARM_INS_STMDB, C.ARM_INS_VLDMDB, C.ARM_INS_VSTMDB}
# Checked only with CCR.UNALIGN_TRP: single word and halfword transfers (bytes accessed).
_WITH_UNALIGN_TRP = {C.ARM_INS_LDR: 4, C.ARM_INS_STR: 4, C.ARM_INS_LDRT: 4, C.ARM_INS_STRT: 4,
                     C.ARM_INS_LDRH: 2, C.ARM_INS_STRH: 2, C.ARM_INS_LDRSH: 2, C.ARM_INS_LDRHT: 2,
                     C.ARM_INS_STRHT: 2, C.ARM_INS_LDRSHT: 2}
_DIVIDES = {C.ARM_INS_SDIV, C.ARM_INS_UDIV}

# Group bits of native/fault_checks.c's ts_check_scan.
_GROUP_BITS = {"always": 1, "unalign_trp": 2, "div0_trp": 4}
_SCAN_MAX = 64  # candidates per block; a block with more is decoded whole
_CS_NAMES = {"sb": "r9", "sl": "r10", "fp": "r11", "ip": "r12"}


class _Check(ctypes.Structure):  # native/fault_checks.c, struct ts_check
    _fields_ = [("reg_read", ctypes.c_void_p), ("on_fault", ctypes.c_void_p),
                ("base", ctypes.c_int32), ("index", ctypes.c_int32), ("offset", ctypes.c_int32),
                ("shift", ctypes.c_uint32), ("mask", ctypes.c_uint32), ("kind", ctypes.c_uint32),
                ("cond", ctypes.c_int32), ("apsr", ctypes.c_int32), ("length", ctypes.c_uint32), ("calls", ctypes.c_uint64)]


_ON_FAULT = ctypes.CFUNCTYPE(None, ctypes.c_uint64, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32)


@dataclass(frozen=True)
class Spec:
    """What one instruction's check computes (see `_Check`)."""
    addr: int
    group: str  # "always" | "unalign_trp" | "div0_trp"
    base: int
    index: int
    offset: int
    shift: int
    mask: int
    kind: int
    cond: int
    length: int


@dataclass
class PendingFault:
    kind: str  # UNALIGNED | DIVBYZERO
    pc: int
    address: Optional[int]


def _uc_reg(md, cs_reg: int) -> Optional[int]:
    name = md.reg_name(cs_reg)
    name = _CS_NAMES.get(name, name)
    return getattr(A, f"UC_ARM_REG_{name.upper()}", None)


def decode(code: bytes, addr: int, md) -> List[Spec]:
    """The checkable instructions of a block, every group."""
    out = []
    for insn in md.disasm(code, addr):
        iid = insn.id
        if iid not in _ALWAYS and iid not in _WITH_UNALIGN_TRP and iid not in _DIVIDES:
            continue  # before any detail is read: decoding the details is the slow part
        cond = 14 if insn.cc in (C.ARM_CC_AL, C.ARM_CC_INVALID) else insn.cc - 1
        if iid in _DIVIDES:
            divisor = _uc_reg(md, insn.operands[2].reg)
            if divisor is not None:
                out.append(Spec(insn.address, "div0_trp", divisor, -1, 0, 0, 0, 2, cond, 0))
            continue
        group = "always" if iid in _ALWAYS else "unalign_trp" if iid in _WITH_UNALIGN_TRP else None
        if group is None:
            continue
        width = _ALWAYS.get(iid) or _WITH_UNALIGN_TRP[iid]
        ops = insn.operands
        if iid in _MULTI:
            base_cs, index, offset, shift = ops[0].reg, -1, 0, 0
            length = 4 * (len(ops) - 1)  # core or FPv4-SP S registers: one word each
            if iid in _DECREMENT:
                offset = -length
        else:
            mem = next((o for o in ops if o.type == C.ARM_OP_MEM), None)
            if mem is None:
                continue
            base_cs = mem.mem.base
            post = insn.post_index if hasattr(insn, "post_index") else False
            offset = 0 if post else mem.mem.disp * (-1 if mem.subtracted else 1)
            index = _uc_reg(md, mem.mem.index) if mem.mem.index else -1
            shift = mem.shift.value if index not in (-1, None) else 0
            if index is None:
                continue
            length = 8 if iid in (C.ARM_INS_LDRD, C.ARM_INS_STRD) else width
        if base_cs in (C.ARM_REG_SP, C.ARM_REG_PC):
            continue
        base = _uc_reg(md, base_cs)
        if base is None:
            continue
        out.append(Spec(insn.address, group, base, index, offset, shift, width - 1, 1, cond, length))
    return out


class UsageChecks:
    """The native checks of one machine: installed per instruction as blocks are described."""

    def __init__(self, uc, on_fault, engine_raises: Optional[bool] = None):
        """`on_fault(stop_engine: bool)` tells the machine a check fired (from inside the hook).
        `engine_raises`: the engine raises the always-checked alignment faults itself (default:
        `engine_raises_unaligned()`), so they get no hook; tests force False to run the hooks."""
        self.uc = uc
        self._engine_raises = engine_raises_unaligned() if engine_raises is None else engine_raises
        self._notify = on_fault
        self.md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
        self.md.detail = True
        self._lib = load_native()
        self._uclib = unicorn_lib()
        self._on_fault_cb = _ON_FAULT(self._on_fault)
        self._reg_read = fn_addr(self._uclib.uc_reg_read)
        self.groups: Set[str] = {"always"}
        self._hooked = self._hooked_groups()
        self._mem_read = ctypes.c_void_p(fn_addr(self._uclib.uc_mem_read))
        self._found = (ctypes.c_int32 * (2 * _SCAN_MAX))()
        self._scan_fn = self._lib.ts_check_scan
        self._scan_fn.restype = ctypes.c_int
        self._scan_fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint32,
                                  ctypes.c_uint32, ctypes.POINTER(ctypes.c_int32), ctypes.c_int]
        # block -> (the hooked groups it was decoded for, its specs in those groups)
        self._blocks: Dict[Tuple[int, int], Tuple[frozenset, List[Spec]]] = {}
        self._hooks: Dict[int, Tuple[_Check, int, str]] = {}  # insn address -> (struct, handle, group)
        self._retired: List[_Check] = []  # checks dropped by the last set_groups (see there)
        self.pending: Optional[PendingFault] = None
        self._protected: List[Tuple[int, int, int]] = []  # (page, size, perms) to restore

    # ---- installing -----------------------------------------------------------------------
    @property
    def engine_raises(self) -> bool:
        return self._engine_raises

    @engine_raises.setter
    def engine_raises(self, value: bool) -> None:
        """Tests force the hooks on an engine that raises the faults itself (before running)."""
        self._engine_raises = value
        self._hooked = self._hooked_groups()

    def inspect(self, addr: int, size: int) -> bool:
        """Decode a new block; True if it needed new hooks (its translation must be redone).
        Every block is remembered with the groups it was decoded for, so that `set_groups` can
        decode it again when CCR enables more."""
        key = (addr, size)
        hooked = self._hooked
        known = self._blocks.get(key)
        if known is None or not hooked <= known[0]:
            known = self._blocks[key] = (hooked, self._decode(addr, size) if hooked else [])
        return self._install(known[1]) if known[1] else False

    def _decode(self, addr: int, size: int) -> List[Spec]:
        """The specs of the block's instructions in the groups enabled now. The native scan
        (fault_checks.c, no disassembler) finds the candidates; only they are decoded with
        capstone's details, from the IT instruction before them when they are in its block."""
        found = self._scan(addr, size)
        if found is not None and not found:
            return []
        try:
            code = bytes(self.uc.mem_read(addr, size))
        except Exception:  # noqa: BLE001 - an unreadable block faults on its own
            return []
        if found is None:  # the scan could not run (a very long block, many candidates)
            return [s for s in decode(code, addr, self.md) if s.group in self._hooked]
        specs: Dict[int, Spec] = {}
        for off, it in found:
            wide = (code[off + 1] >> 3) >= 0x1D  # A5.1: a 32-bit instruction's first halfword
            start = it if it >= 0 else off
            for s in decode(code[start:off + (4 if wide else 2)], addr + start, self.md):
                if s.addr == addr + off and s.group in self._hooked:
                    specs[s.addr] = s
        return list(specs.values())

    def _scan(self, addr: int, size: int) -> Optional[List[Tuple[int, int]]]:
        """(offset, offset of its IT or -1) of each candidate; None if the scan could not run."""
        n = self._scan_fn(self._mem_read, self.uc._uch, addr, size, self._group_bits, self._found, _SCAN_MAX)
        if n < 0:
            return None
        return [(self._found[2 * i], self._found[2 * i + 1]) for i in range(n)]

    def _hooked_groups(self) -> frozenset:
        """The enabled groups tinysim checks with hooks (the engine may raise "always" itself)."""
        hooked = frozenset(self.groups - {"always"} if self._engine_raises else self.groups)
        self._group_bits = sum(_GROUP_BITS[g] for g in hooked)  # for ts_check_scan
        return hooked

    def _install(self, specs: List[Spec]) -> bool:
        added = False
        for s in specs:
            if s.group not in self._hooked or s.addr in self._hooks:
                continue
            k = _Check(self._reg_read, ctypes.cast(self._on_fault_cb, ctypes.c_void_p).value,
                       s.base, s.index, s.offset, s.shift, s.mask, s.kind, s.cond, A.UC_ARM_REG_APSR,
                       s.length)
            handle = uc_hook_h()
            err = self._uclib.uc_hook_add(self.uc._uch, ctypes.byref(handle), _UC_HOOK_CODE,
                                          ctypes.c_void_p(fn_addr(self._lib.ts_check_hook)),
                                          ctypes.cast(ctypes.pointer(k), ctypes.c_void_p),
                                          ctypes.c_uint64(s.addr), ctypes.c_uint64(s.addr))
            if err != 0:
                raise RuntimeError(f"unicorn refused a UsageFault check hook at {s.addr:#x}: "
                                   f"{self._uclib.uc_strerror(err).decode()}")
            self._hooks[s.addr] = (k, handle.value, s.group)
            added = True
        return added

    def set_groups(self, unalign_trp: bool, div0_trp: bool) -> bool:
        """CCR.UNALIGN_TRP / DIV_0_TRP changed: add or drop those checks. True if hooks were
        added or dropped: the translated code must then be flushed, in both cases. On the patched
        engine a dropped check was still called from blocks translated while it existed, after
        uc_hook_del: a DIV_0_TRP cleared again still trapped (q = 7 where QEMU gives 0), or the
        freed check crashed the process (tests/emu/test_exception_model_qemu.py). The dropped
        checks' structures are kept alive until the next call: by then the caller has flushed
        the translations that could still call them."""
        groups = {"always"} | ({"unalign_trp"} if unalign_trp else set()) | ({"div0_trp"} if div0_trp else set())
        if groups == self.groups:
            return False
        dropped = False
        self._retired = []
        for addr, (k, handle, group) in list(self._hooks.items()):
            if group not in groups:
                self._uclib.uc_hook_del(self.uc._uch, ctypes.c_size_t(handle))
                self._retired.append(k)
                del self._hooks[addr]
                dropped = True
        self.groups = groups
        self._hooked = self._hooked_groups()
        added = False
        for addr, size in list(self._blocks):
            added |= self.inspect(addr, size)
        return added or dropped

    @property
    def n_hooks(self) -> int:
        return len(self._hooks)

    def executions(self) -> Dict[int, int]:
        """How often each registered check ran (instruction address -> calls)."""
        return {addr: k.calls for addr, (k, _h, _g) in self._hooks.items()}

    # ---- a fault ----------------------------------------------------------------------------
    def _on_fault(self, pc: int, kind: int, address: int, length: int) -> None:
        if self.pending is not None:
            return
        name = _KIND_CODE.get(kind, UNALIGNED)
        self.pending = PendingFault(name, pc, address if name == UNALIGNED else None)
        self._notify(not (name == UNALIGNED and self._deny(address, length)))

    def engine_fault(self, pc: int) -> None:
        """The engine raised INTR_UNALIGNED at `pc` (the 0007 patch's alignment faults; QEMU's
        own for VLLDM/VLSTM): note it as a check would, with the address the instruction
        computed, and stop. After a check that already fired there (hook mode on such an
        engine) the check's fault stands."""
        if self.pending is None:
            self.pending = PendingFault(UNALIGNED, pc, self._address_at(pc))
        self._notify(True)

    def _address_at(self, pc: int) -> Optional[int]:
        """The data address of the (not executed) load/store at `pc`, for the fault report."""
        try:
            code = bytes(self.uc.mem_read(pc, 4))
        except Exception:  # noqa: BLE001 - the report then names no address
            return None
        spec = next((s for s in decode(code, pc, self.md) if s.addr == pc and s.kind == 1), None)
        if spec is None:
            return None
        a = self.uc.reg_read(spec.base) + spec.offset
        if spec.index >= 0:
            a += self.uc.reg_read(spec.index) << spec.shift
        return a & 0xFFFFFFFF

    def _deny(self, address: int, length: int) -> bool:
        """Make [address, address+length) unreadable and unwritable until `take()`."""
        pages = range(address & ~(PAGE - 1), (address + max(length, 1) - 1 & ~(PAGE - 1)) + PAGE, PAGE)
        regions = list(self.uc.mem_regions())
        for page in pages:
            perms = next((p for b, e, p in regions if b <= page <= e), None)
            if perms is None:
                return False
        for page in pages:
            perms = next(p for b, e, p in regions if b <= page <= e)
            self.uc.mem_protect(page, PAGE, perms & UC_PROT_EXEC)
            self._protected.append((page, PAGE, perms))
        return True

    def take(self) -> Optional[PendingFault]:
        """The fault the last run stopped on (None if none), with the pages restored."""
        for page, size, perms in reversed(self._protected):
            self.uc.mem_protect(page, size, perms)
        self._protected.clear()
        fault, self.pending = self.pending, None
        return fault
