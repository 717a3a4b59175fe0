"""The Cortex-M MPU enforced (ARM DDI 0403E.e B3.5; ARMv8-M DDI 0553 B3.10): an access the MPU
refuses raises MemManage (DACCVIOL with MMFAR for a load or store, IACCVIOL for a fetch), taken
through the firmware's handler or escalated (fault_entry.py). What it refuses comes from
mpu_rules.py for the current state: the register values, the privilege (Handler mode, or Thread
mode with CONTROL.nPRIV clear) and whether the MPU is active at the execution priority.

How, without slowing code the MPU lets run:
- loads and stores: memory hooks over the denied spans only (inside the platform's memories);
  the hook checks the access exactly, and on a refusal stops the engine on the instruction (a
  load leaves its register unwritten; the engine completes a store, whose bytes are put back
  before the handler runs). Peripheral windows check in their bus's guard, before the model
  sees the access, and unmapped addresses in the unmapped-access hook (the MPU's fault comes
  before the bus's). All cost nothing while the MPU refuses nothing (or is off);
- fetches: a code hook over each span the MPU does not let execute, which only an instruction
  there calls: it stops the engine before that instruction runs. Not Unicorn's page
  protection: the engine checks it once per page, when it first translates from the page, so a
  page shared by code the MPU lets run and a span it refuses would pass unchecked.
The state is brought up to date before each engine start (`before_engine_start`); whatever may
change it while code runs stops the engine at the next block: an MPU register write
(`mpu_changed`), an exception entry or return that changes the privilege or the priority, and
the instructions that write CONTROL or FAULTMASK (MSR, CPS with F: Unicorn ends their block).

Exception stacking and unstacking (tinysim writes and reads the frame itself) are checked too,
but not taken as silicon takes them (MemManage MSTKERR / MUNSTKERR, the exception entry going on
with a derived fault): a frame the MPU refuses stops the run with a report saying so, rather
than the run going on as if no guard were there. Not modelled: lazy FP state preservation
(MLSPERR), the bit-band alias windows.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from unicorn import (UC_HOOK_CODE, UC_HOOK_MEM_READ, UC_HOOK_MEM_WRITE, UC_MEM_FETCH_PROT, UC_MEM_READ_UNMAPPED,
                     UC_MEM_WRITE, UC_MEM_WRITE_UNMAPPED)
from unicorn import arm_const as A

from . import faults, mpu_rules
from .engine_probes import engine_keeps_it_state, engine_sees_late_memory_hooks
from .fault_status import CFSR_DACCVIOL, CFSR_IACCVIOL, CFSR_MMARVALID, MEMMANAGE, ArchFault
from .thumb_walk import thumb_instructions

EPSR_T = 1 << 24   # the value the IT-state resync writes to EPSR: T = 1, IT = 0 (B1.4.2)

# ARMv7-M A7.7.83 MSR (register): 11110 0 1110 0 Rn | 10 0 0 mask 0 0 SYSm; SYSm 19 FAULTMASK,
# 20 CONTROL (ARMv8-M adds 0x80 for the Non-secure aliases). A7.7.27 CPS: 1011 0110 011 im 0 0 I F.
_MSR_MASK, _MSR, _MSR2_MASK, _MSR2 = 0xFFF0, 0xF380, 0xD000, 0x8000
_MPU_SYSM = (19, 20, 0x93, 0x94)
_CPS_MASK, _CPS = 0xFFEC, 0xB660


def thumb_mpu_state_writes(code: bytes) -> List[int]:
    """Offsets of the instructions in Thumb code that may change what the MPU checks: MSR to
    CONTROL or FAULTMASK, CPS touching FAULTMASK."""
    out = []
    if b"\xb6" not in code and b"\xf3" not in code:
        return out   # the first halfword of both has this high byte
    for off, hw, hw2 in thumb_instructions(code):
        if hw2 is not None:
            if (hw & _MSR_MASK) == _MSR and (hw2 & _MSR2_MASK) == _MSR2 and (hw2 & 0xFF) in _MPU_SYSM:
                out.append(off)
        elif (hw & _CPS_MASK) == _CPS and hw & 1:
            out.append(off)
    return out


class MpuEnforcement:
    """Mixed into CortexMMachine, ahead of Machine (its `_on_protected` comes first)."""

    mpu = None   # the core.mpu peripheral, or None: no MPU on this SoC

    def _init_mpu(self) -> None:
        self._mpu_key: Optional[tuple] = None        # the state the engine enforces now
        self._mpu_denied: List[Tuple[int, int, int]] = []
        self._mpu_hooks: List[int] = []
        self._mpu_covered: set = set()                # (first, end, hook type) of each hook
        self._mpu_refused: Optional[tuple] = None     # (pc, address, size, write, bytes before)
        self._mpu_fetch_refused: Optional[int] = None  # the address of an instruction refused
        self._mpu_state_hooks: set = set()

    # ---- what changes the state ----------------------------------------------------------
    def mpu_changed(self) -> None:
        """An MPU register write (the Mpu model calls it): the checks are brought up to date
        at the next block (silicon: after the DSB and ISB the firmware must issue)."""
        if self.emulating:
            self.request_stop("mpu")

    def note_mpu_state(self) -> None:
        """After an exception entry or return: a stop when the MPU's checks change with it."""
        if self.mpu is not None and (self.mpu.ctrl & 1 or self._mpu_key is not None) \
                and self.emulating and self._mpu_state() != self._mpu_key:
            self.request_stop("mpu")

    def _hook_mpu_state_writes(self, addr: int, code: bytes) -> bool:
        """A block about to be translated: each instruction in it that may change the MPU's
        checks gets a code hook (True if one did: translate the block again)."""
        if self.mpu is None:
            return False
        new = [addr + off for off in thumb_mpu_state_writes(code) if addr + off not in self._mpu_state_hooks]
        for a in new:
            self._mpu_state_hooks.add(a)
            self.uc.hook_add(UC_HOOK_CODE, self._on_mpu_state_write, begin=a, end=a)
        return bool(new)

    def _on_mpu_state_write(self, uc, address, size, _user) -> None:
        if self.mpu.ctrl & 1 or self._mpu_key is not None:
            self.request_stop("mpu")   # Unicorn ends the block after the MSR or CPS: stop there

    def _mpu_state(self) -> Optional[tuple]:
        """What the MPU checks now: None when nothing, else (its registers, privileged)."""
        mpu = self.mpu
        if mpu is None or not mpu.ctrl & 1:
            return None
        config, privileged = mpu.config(), self.privileged()
        if not self._mpu_active(config, privileged):
            return None
        return config, privileged

    def _mpu_active(self, config: mpu_rules.MpuConfig, privileged: bool) -> bool:
        """mpu_rules.active at the execution priority, found without the mask registers'
        unprivileged read-back (cortex_m._mask): only privileged code can have set FAULTMASK,
        and an unprivileged Thread runs at priority 0 or above."""
        if not config.enabled or config.ctrl & mpu_rules.CTRL_HFNMIENA:
            return config.enabled
        s = self.exc
        below_zero = any(s.priority_of(e) < 0 for e in s.active) or \
            (privileged and bool(self.reg32(A.UC_ARM_REG_FAULTMASK) & 1))
        return not below_zero

    # ---- bringing the engine in line -----------------------------------------------------
    def before_engine_start(self) -> None:
        if self.mpu is None or (not self.mpu.ctrl & 1 and self._mpu_key is None):
            return
        state = self._mpu_state()
        if state == self._mpu_key:
            return
        before = set(self._mpu_covered)
        self._mpu_release()
        self._mpu_key = state
        if state is not None:
            self._mpu_denied = mpu_rules.denied(state[0], state[1])
            self._mpu_apply()
        # Code translated before a hook was added does not call it: code hooks are emitted at
        # translation on every engine, memory hooks on the stock one (engine_probes.py). Drop
        # the translations when a hook covers something new (a removed one costs nothing).
        new = {c for c in self._mpu_covered - before
               if c[2] == UC_HOOK_CODE or not engine_sees_late_memory_hooks()}
        if new:
            self.uc.ctl_flush_tb()

    def _memories(self) -> List[Tuple[int, int]]:
        return [(m.base, m.end) for m in self.platform.memories]

    def _mpu_apply(self) -> None:
        uc, memories = self.uc, self._memories()
        kinds = ((UC_HOOK_MEM_READ, mpu_rules.READ, self._on_mpu_data, 7),
                 (UC_HOOK_MEM_WRITE, mpu_rules.WRITE, self._on_mpu_data, 7),
                 (UC_HOOK_CODE, mpu_rules.EXEC, self._on_mpu_fetch, 3))
        for begin, end, refused in self._mpu_denied:
            for lo, hi in memories:
                lo, hi = max(lo, begin), min(hi, end)
                if lo >= hi:
                    continue
                # from lo - 7 (lo - 3): an access (an instruction) starting below may reach in
                for kind, bit, callback, reach in kinds:
                    if refused & bit:
                        first = max(0, lo - reach)
                        self._mpu_hooks.append(uc.hook_add(kind, callback, begin=first, end=hi - 1))
                        self._mpu_covered.add((first, hi, kind))
        if any(r & (mpu_rules.READ | mpu_rules.WRITE) for _b, _e, r in self._mpu_denied):
            for bus in self.buses:
                bus.guards.append(self._mpu_mmio)

    def _mpu_release(self) -> None:
        """Undo what the last state put in the engine."""
        for h in self._mpu_hooks:
            self.uc.hook_del(h)
        self._mpu_hooks.clear()
        self._mpu_covered.clear()
        self._mpu_denied = []
        for bus in self.buses:
            if self._mpu_mmio in bus.guards:
                bus.guards.remove(self._mpu_mmio)

    # ---- the checks ----------------------------------------------------------------------
    def _refuses(self, addr: int, size: int, what: int, privileged: Optional[bool] = None) -> bool:
        """Whether the MPU, as it stands now, refuses `what` on any byte of [addr, addr+size):
        the exact answer (FAULTMASK or the privilege may have changed since the last sync).
        `privileged`: the access's privilege when it is not the running code's (a frame)."""
        if self.mpu is None or not self.mpu.ctrl & 1:
            return False
        if privileged is None and not any(b < addr + size and addr < e and r & what
                                          for b, e, r in self._mpu_denied):
            return False
        config = self.mpu.config()
        if privileged is None:
            privileged = self.privileged()
        if not self._mpu_active(config, privileged):
            return False
        # regions start and end on 32-byte boundaries: those and the two ends decide
        points = {addr, addr + size - 1, *range((addr + 31) & ~31, addr + size, 32)}
        return any(not mpu_rules.allowed(config, a, privileged) & what for a in points)

    def mpu_refuses_frame(self, frame: int, size: int, write: bool, privileged: bool) -> bool:
        """Exception entry (write) or return (read) of a frame at `frame`, with the privilege of
        the code interrupted or returned to (B1.5.6 PushStack, B1.5.8 PopStack)."""
        return self._refuses(frame, size, mpu_rules.WRITE if write else mpu_rules.READ, privileged)

    def _on_mpu_data(self, uc, access, addr, size, value, _user) -> None:
        if not engine_keeps_it_state():
            # on every call: the IT state a memory hook leaks (engine_probes.py, counter_hooks.c)
            uc.reg_write(A.UC_ARM_REG_EPSR, EPSR_T)
        write = access == UC_MEM_WRITE
        if not self._refuses(addr, size, mpu_rules.WRITE if write else mpu_rules.READ):
            return
        before = bytes(uc.mem_read(addr, size)) if write else None
        self._refuse(addr, size, write, before)
        uc.emu_stop()

    def _mpu_mmio(self, addr: int, write: bool) -> Optional[int]:
        """A peripheral window's guard: None lets the access through; else the engine stops on
        it and a read returns what the destination register holds (it stays unchanged)."""
        if not self._refuses(addr, 1, mpu_rules.WRITE if write else mpu_rules.READ):
            return None
        pc = self._refuse(addr, 4, write, None)
        self.uc.emu_stop()
        return 0 if write else self._load_destination(pc)

    def _refuse(self, addr: int, size: int, write: bool, before: Optional[bytes]) -> int:
        pc = self.reg32(A.UC_ARM_REG_PC)
        if self._mpu_refused is None:
            self._mpu_refused = (pc, addr, size, write, before)
        self._stop_reason = "mpufault"   # over any other: the access must not go unreported
        return pc

    def _on_mpu_fetch(self, uc, address, size, _user) -> None:
        if not self._refuses(address, size, mpu_rules.EXEC):
            return
        if self._mpu_fetch_refused is None:
            self._mpu_fetch_refused = address
        self._stop_reason = "mpufault"
        uc.emu_stop()   # before the instruction runs

    def _on_unmapped(self, uc, access, addr, size, value, _user):
        """Nothing there, but the MPU is asked first (B3.5: its fault comes before the bus's)."""
        if self._mpu_denied and self._stop_reason != "usagefault":
            what = {UC_MEM_READ_UNMAPPED: mpu_rules.READ, UC_MEM_WRITE_UNMAPPED: mpu_rules.WRITE}.get(
                access, mpu_rules.EXEC)
            if self._refuses(addr, max(size, 1), what):
                kind = faults.MPU_FETCH if what == mpu_rules.EXEC else faults.MPU_VIOLATION
                self._mem_fault = (kind, addr, size)
                return False
        return super()._on_unmapped(uc, access, addr, size, value, _user)

    def _on_protected(self, uc, access, addr, size, value, _user):
        """A store the MPU refused already (to flash, say) is not the bus's to report: handled,
        and take_mpu_fault puts the bytes back."""
        if self._stop_reason == "mpufault" and access != UC_MEM_FETCH_PROT:
            return True
        return super()._on_protected(uc, access, addr, size, value, _user)

    def take_mpu_fault(self) -> Optional[str]:
        if self._mpu_fetch_refused is not None:
            addr, self._mpu_fetch_refused, self._mpu_refused = self._mpu_fetch_refused, None, None
            report = self.make_fault(faults.MPU_FETCH, f"instruction fetch from {addr:#010x} refused by the MPU",
                                     pc=addr, address=addr)
            return self.raise_fault(ArchFault(MEMMANAGE, CFSR_IACCVIOL, addr), report)
        pc, addr, size, write, before = self._mpu_refused
        self._mpu_refused = None
        if before is not None:
            self.uc.mem_write(addr, before)   # the engine completed the refused store
        who = "privileged" if self.privileged() else "unprivileged"
        report = self.make_fault(
            faults.MPU_VIOLATION, f"{who} {size}-byte {'write to' if write else 'read of'} {addr:#010x} "
            "refused by the MPU", pc=pc, address=addr)
        return self.raise_fault(ArchFault(MEMMANAGE, CFSR_DACCVIOL | CFSR_MMARVALID, pc, mmfar=addr), report)
