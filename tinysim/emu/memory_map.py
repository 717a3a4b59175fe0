"""The machine's memory: RAM and flash mapped from the platform, the firmware's segments loaded,
the peripherals created and their MMIO windows mapped onto one bus, and the stack (painted at
reset for the high-water mark, guarded against overflow). Mixed into `Machine`."""

from __future__ import annotations

import ctypes
from typing import List, Optional, Tuple

from unicorn import UC_PROT_EXEC, UC_PROT_READ, UC_PROT_WRITE

from ..errors import FirmwareError, PlatformError
from . import bit_band
from .peripherals import model_class
from .peripherals.base import Peripheral
from .peripherals.bus import MmioBus

PAGE = 0x1000
STACK_PAINT = 0xC5  # byte pattern painted over the stack at reset; the high-water mark is where it ends


def _align_up(value: int, align: int = PAGE) -> int:
    return (value + align - 1) & ~(align - 1)


class MemoryMap:
    """Memory map, peripherals on the MMIO bus, and the stack of a Machine."""

    # ---- construction ---------------------------------------------------------------------
    def create_uc(self):
        raise NotImplementedError

    def core_peripherals(self) -> List[Peripheral]:
        """Peripherals every core of this architecture has (Cortex-M PPB); none by default."""
        return []

    def _map_memories(self) -> None:
        mems = self.platform.memories
        for m in mems:
            if m.alias_of:
                continue
            size = _align_up(m.size)
            buf = (ctypes.c_ubyte * size)()
            self._buffers[m.name] = buf
            self.uc.mem_map_ptr(m.base, size, self._perms(m), ctypes.addressof(buf))
        for m in mems:
            if not m.alias_of:
                continue
            target = next((t for t in mems if t.name == m.alias_of), None)
            if target is None or target.name not in self._buffers:
                raise FirmwareError(f"platform {self.platform.name}: memory {m.name} aliases unknown {m.alias_of}")
            size = min(_align_up(m.size), len(self._buffers[target.name]))
            self.uc.mem_map_ptr(m.base, size, self._perms(target), ctypes.addressof(self._buffers[target.name]))

    @staticmethod
    def _perms(mem) -> int:
        # Flash is read/execute: a store to flash is a firmware bug (silicon needs the unlock
        # sequence and the FLASH_CR programming flow, which the benchmark never uses).
        if mem.kind in ("flash", "rom"):
            return UC_PROT_READ | UC_PROT_EXEC
        # RAM starts without EXEC, a Unicorn speed matter only: Unicorn 2.1.4 sends every
        # store to an executable RAM page through its translated-code invalidation
        # (notdirty_write -> tb_invalidate_phys_page_fast), about a third of a store's cost
        # (bench/store_cost.py). Silicon executes from SRAM, so the first instruction fetch
        # from RAM makes it executable (make_ram_executable, from the fetch-protection hook).
        return UC_PROT_READ | UC_PROT_WRITE

    def make_ram_executable(self, addr: int) -> bool:
        """An instruction fetch from non-executable `addr`: if it is in a RAM of the platform,
        give every RAM mapping EXEC (the other permissions kept, e.g. a stack guard's missing
        WRITE) and return True; False for anything else (a real fault)."""
        mem = self.platform.region_of(addr)
        if mem is None or self._perms(self._storage_of(mem)) & UC_PROT_EXEC:
            return False
        ram = [(m.base, m.base + _align_up(m.size)) for m in self.platform.memories
               if not self._perms(self._storage_of(m)) & UC_PROT_EXEC]
        for begin, last, perms in list(self.uc.mem_regions()):
            if not perms & UC_PROT_EXEC and any(lo <= begin and last < hi for lo, hi in ram):
                self.uc.mem_protect(begin, last - begin + 1, perms | UC_PROT_EXEC)
        return True

    def _storage_of(self, mem):
        """The memory an alias views (itself when it is no alias)."""
        return next((t for t in self.platform.memories if t.name == mem.alias_of), mem) \
            if mem.alias_of else mem

    def _load_segments(self) -> None:
        for m in self.platform.memories:
            if not m.alias_of and m.name in self._buffers:
                ctypes.memset(self._buffers[m.name], 0, len(self._buffers[m.name]))
        for m in self.platform.memories:
            for addr, value, size in m.words:      # documented contents (device signature, ...)
                self.uc.mem_write(addr, value.to_bytes(size, "little"))
        for seg in self.firmware.segments:
            if seg.data:
                self.uc.mem_write(seg.paddr, seg.data)

    def _create_peripherals(self) -> None:
        for p in self.core_peripherals():
            self.peripherals[p.name] = p
        for spec in self.platform.peripherals:
            try:
                cls = model_class(spec.model)
            except PlatformError as err:  # name the platform file and key the model came from
                raise PlatformError(f"{spec.where}: {err}" if spec.where else str(err)) from None
            params = dict(spec.params)
            if "clock_hz" in getattr(cls, "DEFAULTS", {}):
                params.setdefault("clock_hz", self.platform.clock_hz)  # timers that scale cycles
            try:
                self.peripherals[spec.name] = cls(spec.name, spec.base, spec.size, spec.irq, params, host=self)
            except PlatformError as err:  # a bad param: name the file and the peripheral entry
                where = spec.where.rsplit(".", 1)[0] if spec.where else f"peripheral {spec.name}"
                raise PlatformError(f"{where} ({spec.name}, {spec.model}): {err}") from None

    def _map_mmio(self) -> None:
        spans = sorted(((p.base & ~(PAGE - 1), _align_up(p.base + p.size), p) for p in self.peripherals.values()),
                       key=lambda s: s[0])
        groups: List[List] = []
        for start, end, p in spans:
            if groups and start <= groups[-1][1]:
                groups[-1][1] = max(groups[-1][1], end)
                groups[-1][2].append(p)
            else:
                groups.append([start, end, [p]])
        self.buses = []
        for start, end, members in groups:
            bus = MmioBus(self, start, end, members)
            self.buses.append(bus)
            self.uc.mmio_map(start, end - start, bus.read, None, bus.write, None)

    def _map_bit_band(self) -> None:
        """The core's bit-band alias windows (bit_band.py) over the mapped SRAM and peripheral
        windows of the bit-band regions, when the SoC's core has the feature."""
        self._bit_band = []
        if "bit-band" not in self.platform.core.features:
            return
        uc = self.uc
        memories = [(m.base, m.base + _align_up(m.size)) for m in self.platform.memories]
        self._bit_band += bit_band.map_bit_band(uc, bit_band.SRAM_REGION, bit_band.SRAM_ALIAS, memories,
                                                *bit_band.ram_access(uc))
        for bus in self.buses:
            def bus_read(addr, size, bus=bus):
                return bus.read(uc, addr - bus.base, size, None)

            def bus_write(addr, size, value, bus=bus):
                bus.write(uc, addr - bus.base, size, value, None)

            self._bit_band += bit_band.map_bit_band(
                uc, bit_band.PERIPHERAL_REGION, bit_band.PERIPHERAL_ALIAS, [(bus.base, bus.end)],
                bus_read, bus_write)

    # ---- stack --------------------------------------------------------------------------
    def _stack_region(self) -> Optional[Tuple[int, int]]:
        """(lowest valid stack address, initial SP) from the board linker script's symbols."""
        lo = self.firmware.symbol("__stack_limit")
        hi = self.firmware.symbol("_estack")
        if lo is None or hi is None or not lo < hi:
            return None
        return lo, hi

    def _paint_stack(self) -> None:
        if self._stack:
            lo, hi = self._stack
            mem = self.platform.region_of(lo)
            if mem is None or mem.kind != "sram" or not mem.contains(lo, hi - lo):
                raise FirmwareError(
                    f"{self.firmware.path}: its stack [__stack_limit {lo:#010x}, _estack {hi:#010x}) "
                    f"is not inside one SRAM of platform {self.platform.name} "
                    f"({self.platform.soc_source_path}: "
                    + ", ".join(f"{m.name} [{m.base:#010x}, {m.end:#010x})"
                                for m in self.platform.storage("sram")) +
                    "); rebuild the firmware for this platform or fix the SoC's [[memory]] sizes")
            self.uc.mem_write(lo, bytes([STACK_PAINT]) * (hi - lo))

    def stack_peak_bytes(self) -> Optional[int]:
        """Deepest stack use so far: the first byte from the bottom the firmware overwrote."""
        if not self._stack:
            return None
        lo, hi = self._stack
        data = bytes(self.uc.mem_read(lo, hi - lo))
        stripped = len(data) - len(data.lstrip(bytes([STACK_PAINT])))
        return (hi - lo) - stripped

    def stack_guard(self) -> Optional[Tuple[int, int]]:
        """The address range just below the stack: a write there is a stack overflow."""
        if not self._stack:
            return None
        lo = self._stack[0]
        mem = self.platform.region_of(lo - 1) if lo else None
        if mem is None:
            return None
        # Guard up to 1 KiB below the stack, never reaching into .bss (the linker scripts keep
        # the free gap between _ebss and __stack_limit; with no gap there is nothing to guard).
        floor = max(mem.base, lo - 0x400)
        for name in ("_ebss", "__bss_end__", "_end", "end"):
            end_bss = self.firmware.symbol(name)
            if end_bss is not None and end_bss <= lo:
                floor = max(floor, end_bss)
                break
        return (floor, lo) if floor < lo else None
