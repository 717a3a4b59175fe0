"""System Control Block at 0xE000ED00 plus the CoreDebug registers at 0xE000EDF0
(ARM DDI 0403 B3.2 table B3-4, C1.6; Cortex-M4 TRM r0p1 table 4-1 for reset values)."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, UNMODELLED, Peripheral, Reg
from .state import ExceptionState

ICSR_PENDSVSET, ICSR_PENDSVCLR = 1 << 28, 1 << 27
ICSR_PENDSTSET, ICSR_PENDSTCLR = 1 << 26, 1 << 25
ICSR_NMIPENDSET = 1 << 31
AIRCR_VECTKEY = 0x05FA
AIRCR_SYSRESETREQ = 1 << 2
AIRCR_VECTCLRACTIVE = 1 << 1
SCR_SEVONPEND = 1 << 4  # B3.2.7: an exception entering the Pending state is a WFE wake-up event
SHCSR_ENABLES = {16: 4, 17: 5, 18: 6}  # MEMFAULTENA, BUSFAULTENA, USGFAULTENA -> exception
# SHCSR's state bits (B3.2.13): exception -> bit of its active, and of its pending, state. ARMv8-M
# adds HARDFAULTACT (2) and NMIACT (5) to the active ones (ARMv8-M ARM D1.2.201, from memory).
SHCSR_ACTIVE = {4: 0, 5: 1, 6: 3, 11: 7, 12: 8, 14: 10, 15: 11}
SHCSR_ACTIVE_V8M = {**SHCSR_ACTIVE, 3: 2, 2: 5}
SHCSR_PENDED = {6: 12, 4: 13, 5: 14, 11: 15}
# ARMv8-M makes CCR.NONBASETHRDENA (bit 0) and STKALIGN (bit 9) RES1: set out of reset and kept
# by writes (QEMU's v8-M model, target/arm/cpu.c arm_cpu_reset and hw/intc/armv7m_nvic.c, does
# the same; tests/emu/firmware/semihost/fpu_id.c compares the two).
CCR_RES1_V8M = 0x201
CORTEX_M33_PARTNO = 0xD21


@PERIPHERALS.register("core.scb")
class Scb(Peripheral):
    # CPUID 0x410FC241: Arm, variant 0, Cortex-M4 (0xC24), revision 1 (Cortex-M4 TRM r0p1 §4.3.1).
    DEFAULTS = {"cpuid": 0x410FC241, "priority_bits": 4}
    REGISTERS = (
        Reg(0x00, "CPUID", 0x410FC241, RO),
        Reg(0x04, "ICSR"),
        Reg(0x08, "VTOR", 0, wmask=0xFFFFFF80),
        Reg(0x0C, "AIRCR", 0xFA050000),
        Reg(0x10, "SCR", 0, wmask=0x16),
        Reg(0x14, "CCR", 0x00000200, wmask=0x31B),  # STKALIGN set out of reset on r0p1
        Reg(0x18, "SHPR1"), Reg(0x1C, "SHPR2"), Reg(0x20, "SHPR3"),
        Reg(0x24, "SHCSR", 0, wmask=0x70000),
        Reg(0x28, "CFSR"), Reg(0x2C, "HFSR"), Reg(0x30, "DFSR"),
        Reg(0x34, "MMFAR"), Reg(0x38, "BFAR"), Reg(0x3C, "AFSR"),
        Reg(0x40, "ID_PFR0", 0x00000030, RO), Reg(0x44, "ID_PFR1", 0x00000200, RO),
        Reg(0x48, "ID_DFR0", 0x00100000, RO), Reg(0x4C, "ID_AFR0", 0, RO),
        Reg(0x50, "ID_MMFR0", 0x00100030, RO), Reg(0x54, "ID_MMFR1", 0, RO),
        Reg(0x58, "ID_MMFR2", 0x01000000, RO), Reg(0x5C, "ID_MMFR3", 0, RO),
        Reg(0x60, "ID_ISAR0", 0x01101110, RO), Reg(0x64, "ID_ISAR1", 0x02111000, RO),
        Reg(0x68, "ID_ISAR2", 0x21112231, RO), Reg(0x6C, "ID_ISAR3", 0x01111110, RO),
        Reg(0x70, "ID_ISAR4", 0x01310132, RO),
        Reg(0x88, "CPACR", 0, wmask=0x00F00000),  # CP10/CP11 access (the FPU)
        Reg(0xF0, "DHCSR", 0, UNMODELLED),
        Reg(0xF4, "DCRSR", 0, UNMODELLED),
        Reg(0xF8, "DCRDR", 0, UNMODELLED),
        Reg(0xFC, "DEMCR", 0, wmask=0x010F07F1),  # TRCENA bit 24 gates DWT/ITM
    )

    def __init__(self, *args, state: ExceptionState = None, **kwargs):
        self.state = state
        super().__init__(*args, **kwargs)
        if self.state is None:
            self.state = ExceptionState(int(self.params["priority_bits"]))
        self.fault_status = {}  # CFSR/HFSR/... values set when the engine records a fault

    def reset(self) -> None:
        super().reset()
        self.values[0x00] = int(self.params["cpuid"])  # the core's, not the table's M4 value
        if self.is_v8m():
            self.values[0x14] |= CCR_RES1_V8M

    def is_v8m(self) -> bool:
        """Whether the core is ARMv8-M (the Cortex-M33, the only one a platform file names)."""
        return (int(self.params["cpuid"]) >> 4 & 0xFFF) == CORTEX_M33_PARTNO

    # ICSR: pend bits for NMI, PendSV and SysTick, plus the read-only status fields.
    def read_ICSR(self):
        s = self.state
        value = 0
        if s.active:
            value |= s.active[-1] & 0x1FF
        if len(s.active) <= 1:
            value |= 1 << 11  # RETTOBASE
        pend = sorted((s.group_priority(e), e) for e in range(2, 256) if s.is_pending(e))
        if pend:
            value |= (pend[0][1] & 0x1FF) << 12
        if any(e >= 16 for e in range(16, 256) if s.is_pending(e)):
            value |= 1 << 22
        if s.is_pending(2):
            value |= ICSR_NMIPENDSET
        if s.is_pending(14):
            value |= ICSR_PENDSVSET
        if s.is_pending(15):
            value |= ICSR_PENDSTSET
        return value

    def write_ICSR(self, value, mask):
        s = self.state
        if value & ICSR_NMIPENDSET:
            s.pend(2)
        if value & ICSR_PENDSVSET:
            s.pend(14)
        if value & ICSR_PENDSVCLR:
            s.pending.discard(14)
        if value & ICSR_PENDSTSET:
            s.pend(15)
        if value & ICSR_PENDSTCLR:
            s.pending.discard(15)
        self.host.exceptions_changed()

    def read_AIRCR(self):
        return 0xFA050000 | (self.state.prigroup << 8)

    def write_AIRCR(self, value, mask):
        if (value >> 16) != AIRCR_VECTKEY:  # writes without the key are ignored (B3.2.6)
            return
        self.state.prigroup = (value >> 8) & 7
        self.host.exceptions_changed()
        if value & AIRCR_SYSRESETREQ:
            self.host.request_stop("reset")

    def _shpr_read(self, first):
        return sum(self.state.priority.get(first + k, 0) << (8 * k) for k in range(4))

    def _shpr_write(self, first, value, mask):
        for k in range(4):
            if mask >> (8 * k) & 0xFF:
                self.state.set_priority(first + k, value >> (8 * k))
        self.host.exceptions_changed()

    def read_SHPR1(self):
        return self._shpr_read(4)

    def write_SHPR1(self, value, mask):
        self._shpr_write(4, value, mask)

    def read_SHPR2(self):
        return self._shpr_read(8)

    def write_SHPR2(self, value, mask):
        self._shpr_write(8, value, mask)

    def read_SHPR3(self):
        return self._shpr_read(12)

    def write_SHPR3(self, value, mask):
        self._shpr_write(12, value, mask)

    def write_SCR(self, value, mask):
        self.store(0x10, value, mask)
        self.state.sev_on_pend = bool(self.values[0x10] & SCR_SEVONPEND)

    def read_SHCSR(self):
        """The enables as written, with the system exceptions' active and pending state (a
        firmware's fault dump prints them). Writes to the state bits are not modelled."""
        s = self.state
        active = SHCSR_ACTIVE_V8M if self.is_v8m() else SHCSR_ACTIVE
        value = self.values[0x24] & 0x70000
        for exc in s.active:
            value |= 1 << active[exc] if exc in active else 0
        for exc, bit in SHCSR_PENDED.items():
            if exc in s.pending:
                value |= 1 << bit
        return value

    def write_SHCSR(self, value, mask):
        self.store(0x24, value, mask)
        for bit, exc in SHCSR_ENABLES.items():
            if self.values[0x24] >> bit & 1:
                self.state.enabled.add(exc)
            else:
                self.state.enabled.discard(exc)

    def write_CPACR(self, value, mask):
        self.store(0x88, value, mask)
        changed = getattr(self.host, "cpacr_changed", None)
        if changed is not None:
            changed()

    def write_CCR(self, value, mask):
        self.store(0x14, value | (CCR_RES1_V8M if self.is_v8m() else 0), mask)
        changed = getattr(self.host, "ccr_changed", None)
        if changed is not None:
            changed(self.values[0x14])

    # Fault status registers read 0 unless the engine recorded a fault; they are write-1-to-clear.
    def _w1c(self, off, value):
        self.values[off] &= ~value

    def write_CFSR(self, value, mask):
        self._w1c(0x28, value)

    def write_HFSR(self, value, mask):
        self._w1c(0x2C, value)

    def write_DFSR(self, value, mask):
        self._w1c(0x30, value)

    @property
    def vtor(self) -> int:
        return self.values[0x08]

    @property
    def trcena(self) -> bool:
        return bool(self.values[0xFC] >> 24 & 1)
