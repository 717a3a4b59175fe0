"""The register-table base every peripheral model derives from.

A model declares `REGISTERS`, a table in the reference manual's own names: offset, name, reset
value, access and the writable-bit mask. Plain registers just store what is written. A model
gives a register behaviour by defining `read_<NAME>(self) -> int` and/or
`write_<NAME>(self, value, mask)` (`mask` = the bits this bus access wrote, so byte and
half-word stores behave). A register marked `UNMODELLED` (named in the manual, behaviour not
emulated) reads its reset value, ignores writes, and every access to it, or to an offset no
row covers, is reported to the host so users see what their firmware touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

RW, RO, WO, W1C, UNMODELLED = "rw", "ro", "wo", "w1c", "unmodelled"


@dataclass(frozen=True)
class Reg:
    offset: int
    name: str
    reset: int = 0
    access: str = RW
    wmask: int = 0xFFFFFFFF  # bits software can change (the rest keep their value)


class Host:
    """What a peripheral may ask of the machine. The machine implements it; tests use `NullHost`."""

    def now(self) -> int:  # current cycle count from the cost model
        return 0

    def set_irq(self, irq: int, level: bool, source: str = "") -> None:
        """A level-sensitive line into the interrupt controller. Sources sharing one line pass
        their name as `source`: the line is high while any of them holds it."""

    def pend_irq(self, irq: int) -> None:  # a one-shot (pulse) event
        pass

    def uart_tx(self, periph: "Peripheral", byte: int) -> None:
        pass

    def request_stop(self, reason: str) -> None:  # e.g. "idle": firmware polls for input that never comes
        pass

    def unmodelled(self, periph: "Peripheral", register: str, kind: str) -> None:
        pass

    def cycle_counter_read(self) -> None:  # the firmware timestamps itself (DWT CYCCNT, mtime)
        pass

    def exceptions_changed(self) -> None:  # enable/pend/priority state changed: re-arbitrate
        pass

    def pin_driven(self, periph: "Peripheral", pin: str, level: int) -> None:  # a GPIO write set/reset a pin
        pass

    def timers_changed(self) -> None:  # a timer was (re)programmed: its next event may be sooner
        pass

    def registers_set(self, periph: "Peripheral") -> None:  # `Peripheral.set` bypassed the model's write
        pass

    def clock_hz(self) -> float:  # the core clock: converts device time to cycles
        return 0.0

    def advance_to(self, cycle: int) -> None:  # a spinning core: let device time pass to `cycle`
        pass

    def clock_changed(self) -> None:  # the clock tree or voltage range changed: re-read the core clock
        pass

    def flash_changed(self, icache_reset: bool = False, dcache_reset: bool = False) -> None:
        pass  # flash wait states / prefetch / caches changed (a disabled cache was reset)

    def kernel_clock_hz(self, name: str) -> Optional[float]:  # a UART's kernel clock from the RCC
        return None

    def peripheral(self, name: str) -> Optional["Peripheral"]:  # another model (a DMA's request source)
        return None

    def bus_read(self, addr: int, size: int) -> Optional[int]:  # a bus master's read; None = bus error
        return None

    def bus_write(self, addr: int, size: int, value: int) -> bool:  # a bus master's write; False = error
        return False

    def warn(self, note: str) -> None:  # a note for the run's warnings (each text once)
        pass


class NullHost(Host):
    """A host for testing a peripheral alone: a settable clock, and records of what was raised."""

    def __init__(self):
        self.cycles = 0
        self.clock = 0.0  # 0: lines without a clock are instantaneous
        self.irqs: Dict[int, bool] = {}
        self.pulses: list = []
        self.tx = bytearray()
        self.stops: list = []
        self.unmodelled_log: list = []
        self.timestamps = 0
        self.clock_changes = 0
        self.flash_changes: list = []
        self.devices: Dict[str, "Peripheral"] = {}   # other models, by name (and on the bus)
        self.memory: Dict[int, bytearray] = {}        # RAM regions a bus master sees, by base

    def peripheral(self, name):
        return self.devices.get(name)

    def _target(self, addr: int, size: int):
        for p in self.devices.values():
            if p.base <= addr < p.base + p.size:
                return p, addr - p.base
        for base, mem in self.memory.items():
            if base <= addr and addr + size <= base + len(mem):
                return mem, addr - base
        return None, 0

    def bus_read(self, addr, size):
        t, off = self._target(addr, size)
        if isinstance(t, Peripheral):
            return t.read(off, size)
        return None if t is None else int.from_bytes(t[off:off + size], "little")

    def bus_write(self, addr, size, value):
        t, off = self._target(addr, size)
        if isinstance(t, Peripheral):
            t.write(off, size, value)
        elif t is not None:
            t[off:off + size] = (value & _SIZE_MASK[size]).to_bytes(size, "little")
        return t is not None

    def now(self) -> int:
        return self.cycles

    def clock_changed(self) -> None:
        self.clock_changes += 1

    def flash_changed(self, icache_reset=False, dcache_reset=False) -> None:
        self.flash_changes.append((icache_reset, dcache_reset))

    def clock_hz(self) -> float:
        return self.clock

    def advance_to(self, cycle: int) -> None:
        self.cycles = max(self.cycles, cycle)

    def set_irq(self, irq, level, source=""):
        self.irqs[irq] = level

    def pend_irq(self, irq):
        self.pulses.append(irq)

    def uart_tx(self, periph, byte):
        self.tx.append(byte)

    def request_stop(self, reason):
        self.stops.append(reason)

    def unmodelled(self, periph, register, kind):
        self.unmodelled_log.append((periph.name, register, kind))

    def cycle_counter_read(self):
        self.timestamps += 1


_SIZE_MASK = {1: 0xFF, 2: 0xFFFF, 4: 0xFFFFFFFF}


class Peripheral:
    """One peripheral instance at `base`. Subclasses set `REGISTERS` and optional `DEFAULTS` params."""

    REGISTERS: Tuple[Reg, ...] = ()
    DEFAULTS: Dict[str, object] = {}

    def __init__(self, name: str, base: int, size: int, irq: Optional[int] = None,
                 params: Optional[dict] = None, host: Optional[Host] = None):
        self.name = name
        self.base = base
        self.size = size
        self.irq = irq
        self.params = {**self.DEFAULTS, **(params or {})}
        self.host = host or NullHost()
        self._regs: Dict[int, Reg] = {r.offset: r for r in self.registers()}
        self._readers: Dict[int, Callable[[], int]] = {}
        self._writers: Dict[int, Callable[[int, int], None]] = {}
        for off, reg in self._regs.items():
            if hasattr(self, "read_" + reg.name):
                self._readers[off] = getattr(self, "read_" + reg.name)
            if hasattr(self, "write_" + reg.name):
                self._writers[off] = getattr(self, "write_" + reg.name)
        self.values: Dict[int, int] = {}
        self.reset()

    # A model whose table depends on params (e.g. number of IRQs) overrides this.
    def registers(self) -> Tuple[Reg, ...]:
        return self.REGISTERS

    def reset(self) -> None:
        self.values = {off: reg.reset for off, reg in self._regs.items()}

    # ---- named access for models and tests --------------------------------------------
    def offset_of(self, name: str) -> int:
        for off, reg in self._regs.items():
            if reg.name == name:
                return off
        raise KeyError(f"{type(self).__name__} has no register {name}")

    def get(self, name: str) -> int:
        return self.values[self.offset_of(name)]

    def set(self, name: str, value: int) -> None:
        self.values[self.offset_of(name)] = value & 0xFFFFFFFF
        self.host.registers_set(self)

    def reg_read(self, name: str) -> int:
        """A bus read of a whole register by name (what the CPU would see)."""
        return self.read(self.offset_of(name), 4)

    def reg_write(self, name: str, value: int) -> None:
        self.write(self.offset_of(name), 4, value)

    # ---- bus access -----------------------------------------------------------------------
    def read(self, offset: int, size: int) -> int:
        word = offset & ~3
        shift = (offset & 3) * 8
        reg = self._regs.get(word)
        if reg is None:
            self.host.unmodelled(self, f"+{word:#05x}", "read")
            return 0
        if reg.access == UNMODELLED:
            self.host.unmodelled(self, reg.name, "read")
            value = reg.reset
        elif reg.access == WO:
            reader = self._readers.get(word)
            value = reader() if reader else 0
        else:
            reader = self._readers.get(word)
            value = reader() if reader else self.values[word]
        return (value >> shift) & _SIZE_MASK[size]

    def write(self, offset: int, size: int, value: int) -> None:
        word = offset & ~3
        shift = (offset & 3) * 8
        reg = self._regs.get(word)
        if reg is None:
            self.host.unmodelled(self, f"+{word:#05x}", "write")
            return
        if reg.access == UNMODELLED:
            self.host.unmodelled(self, reg.name, "write")
            return
        mask = _SIZE_MASK[size] << shift
        value = (value << shift) & mask
        writer = self._writers.get(word)
        if writer is not None:
            writer(value, mask)
        elif reg.access == RO:
            return
        elif reg.access == W1C:
            self.values[word] &= ~(value & reg.wmask)
        else:
            self.store(word, value, mask)

    def store(self, word: int, value: int, mask: int) -> None:
        """Default write behaviour: change the written, writable bits."""
        m = mask & self._regs[word].wmask
        self.values[word] = (self.values[word] & ~m) | (value & m)

    def store_named(self, name: str, value: int, mask: int) -> int:
        off = self.offset_of(name)
        self.store(off, value, mask)
        return self.values[off]

    # ---- time -----------------------------------------------------------------------------
    def next_event(self, now: int) -> Optional[int]:
        """Cycle count of this model's next interrupt-raising event after `now`, or None."""
        return None

    def tick(self, now: int) -> None:
        """Bring the model's state up to cycle `now` (raise what fell due)."""

    def quiescent(self) -> bool:
        """True only while `next_event` returns None and `tick` does nothing whatever the time,
        in a state that only a register write the model reports with `Host.timers_changed` (or
        `set`) can leave: the run loop then leaves it out of its walk at every stop. A stopped
        timer; never a model that host input or another model can start (a UART, a DMA)."""
        return False

    def clocks_changed(self) -> None:
        """The clock tree changed (the machine's `Host.clock_changed`): drop what was derived
        from the core clock or this model's kernel clock."""

    def can_wake(self) -> bool:
        """Whether host input could raise this model's interrupt (a UART with RX interrupt on)."""
        return False
