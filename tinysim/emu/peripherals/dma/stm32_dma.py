"""STM32L4 DMA controller (DMA1/DMA2: 7 channels each; RM0432 Rev 9 chapter "Direct memory access
controller (DMA)"; register map and bit positions recalled from memory, to verify).

Each channel moves CNDTR items between CPAR (peripheral) and CMAR (memory), direction CCR.DIR
(1: memory -> peripheral), sizes PSIZE/MSIZE (8/16/32 bits: the source item is read at its size
and written at the destination's, zero-extended or truncated as the manual's data-width table
gives for little-endian packing), PINC/MINC increments, CIRC reload, MEM2MEM (no request: runs at
once). The flags TCIF, HTIF, TEIF and GIF set and raise the channel's interrupt (params `irqs`, one
per channel) when CCR.TCIE/HTIE/TEIE allow; a bus error (an address nothing answers, or a write to
flash) sets TEIF and disables the channel, as the manual says.

Requests come through DMAMUX1 (`dmamux` param: its peripheral name; `mux_channel0`: the DMAMUX
channel of this controller's channel 1). A request named `<uart>:tx` is the USART/LPUART transmit
request (active while CR3.DMAT is set and the transmit data register is empty, RM0432 USART
"Transmission using DMA"); `<uart>:rx` the receive request (CR3.DMAR with a received byte). The
UART models are read through their public state (`tx_empty`, the receiver, `next_change`); each
transfer is a bus access to TDR/RDR, so the line is paced at the UART's baud rate in device time.
Transfers take no bus cycles of their own (the core is not slowed by DMA in this model).
"""

from __future__ import annotations

from typing import List, Optional

from .. import PERIPHERALS
from ..base import RO, WO, Peripheral, Reg

EN, TCIE, HTIE, TEIE, DIR, CIRC, PINC, MINC = 1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80
MEM2MEM = 1 << 14
GIF, TCIF, HTIF, TEIF = 1, 2, 4, 8
CR3_DMAR, CR3_DMAT = 1 << 6, 1 << 7    # USART/LPUART CR3 (RM0432 USART/LPUART register maps)
SIZES = (1, 2, 4, 4)                   # PSIZE/MSIZE 00 8-bit, 01 16-bit, 10 32-bit (11 reserved)


class _Channel:
    """What the controller keeps per channel besides the registers: the running pointers."""

    def __init__(self):
        self.par = self.mar = 0
        self.initial = 0      # CNDTR at enable: the circular reload value


@PERIPHERALS.register("dma.stm32_dma")
class Stm32Dma(Peripheral):
    # channels: DMA1 and DMA2 of the STM32L4+ have 7 channels each (RM0432 DMA chapter,
    # "DMA main features", recalled). irqs / dmamux / mux_channel0 are wiring, given by the SoC
    # file. The last three are not silicon figures but the emulator's rule for a core spinning on
    # a DMA flag, chosen, not measured: 4 polls (spin_polls) each within 64 core cycles of the
    # last (spin_gap_cycles; a flag-polling loop is a few instructions) mean the firmware waits,
    # so device time skips to the next transfer; 2000 polls (idle_polls) while the channel waits
    # for UART input that is not coming stop the run "idle" so the host can send it.
    DEFAULTS = {"channels": 7, "irqs": [], "dmamux": "dmamux1", "mux_channel0": 0,
                "spin_polls": 4, "spin_gap_cycles": 64, "idle_polls": 2000}

    def registers(self):
        # Reset values: every DMA register resets to 0x0000 0000 (RM0432 DMA register
        # descriptions, recalled). Writable bits: CCRx 14:0 (MEM2MEM, PL, MSIZE, PSIZE, MINC, PINC,
        # CIRC, DIR, TEIE, HTIE, TCIE, EN; bits 31:15 reserved), CNDTRx 15:0 (NDT).
        rows = [Reg(0x00, "ISR", 0, RO), Reg(0x04, "IFCR", 0, WO)]
        for ch in range(1, int(self.params["channels"]) + 1):
            b = 0x08 + 0x14 * (ch - 1)
            rows += [Reg(b, f"CCR{ch}", 0, wmask=0x7FFF), Reg(b + 4, f"CNDTR{ch}", 0, wmask=0xFFFF),
                     Reg(b + 8, f"CPAR{ch}"), Reg(b + 12, f"CMAR{ch}")]
        return tuple(rows)

    def reset(self):
        super().reset()
        self.chans: List[_Channel] = [_Channel() for _ in range(int(self.params["channels"]))]
        self._levels = {}
        self._last_poll: Optional[int] = None
        self._spin = self._empty_polls = 0
        self._reported = set()
        self._on = set()        # the enabled channels: the run loop asks at every stop

    # ---- registers -----------------------------------------------------------------------
    @staticmethod
    def _reg(ch: int, which: int) -> int:   # which: 0 CCR, 4 CNDTR, 8 CPAR, 12 CMAR
        return 0x08 + 0x14 * (ch - 1) + which

    def write(self, offset, size, value):
        word = offset & ~3
        if word >= 0x08:
            ch, which = (word - 0x08) // 0x14 + 1, (word - 0x08) % 0x14
            if ch <= len(self.chans) and which == 0:
                self._write_ccr(ch, offset, size, value)
                return
            if ch <= len(self.chans) and self.values[self._reg(ch, 0)] & EN:
                return   # CNDTR/CPAR/CMAR are read-only while the channel is enabled
        super().write(offset, size, value)

    def _write_ccr(self, ch, offset, size, value):
        off = self._reg(ch, 0)
        was = self.values[off] & EN
        super().write(offset, size, value)
        if self.values[off] & EN:
            self._on.add(ch)
        else:
            self._on.discard(ch)
        if self.values[off] & EN and not was:
            c = self.chans[ch - 1]
            c.par, c.mar = self.values[self._reg(ch, 8)], self.values[self._reg(ch, 12)]
            c.initial = self.values[self._reg(ch, 4)]
        self.service(self.host.now())

    def read_ISR(self):
        now = self.host.now()
        self.service(now)
        self._note_poll(now)
        return self.values[0x00]

    def write_IFCR(self, value, mask):
        self.values[0x00] &= ~(value & mask)
        for ch in range(1, len(self.chans) + 1):   # GIF is the OR of the others (RM: CGIF clears all)
            if value & mask & (GIF << 4 * (ch - 1)):
                self.values[0x00] &= ~(0xF << 4 * (ch - 1))
        self._update_irqs()

    def _note_poll(self, now: int) -> None:
        """A firmware spinning on a flag: device time goes to the next transfer; one waiting for
        input that is not coming: the machine stops "idle" so the host can send it."""
        gap = int(self.params["spin_gap_cycles"])
        self._spin = self._spin + 1 if self._last_poll is not None and now - self._last_poll <= gap else 0
        self._last_poll = now
        if self._spin >= int(self.params["spin_polls"]):
            due = self.next_event(now)
            if due is not None and due > now:
                self.host.advance_to(due)
                self.service(self.host.now())
                self._last_poll, self._spin = self.host.now(), 0
        if self._waiting_for_input():
            self._empty_polls += 1
            if self._empty_polls >= int(self.params["idle_polls"]):
                self._empty_polls = 0
                self.host.request_stop("idle")
        else:
            self._empty_polls = 0

    # ---- requests ------------------------------------------------------------------------
    def _source(self, ch: int):
        """(uart model, "tx"|"rx") for the channel's request, or None (memory to memory, or a
        request no model raises: reported once)."""
        mux = self.host.peripheral(str(self.params["dmamux"]))
        if mux is None:
            return None
        route = int(self.params["mux_channel0"]) + ch - 1
        name = mux.source(route)
        if name is None:
            if mux.request_id(route):
                self._report(f"CCR{ch}: DMAMUX request {mux.request_id(route)} (no model raises it)")
            return None
        periph, _, kind = name.partition(":")
        model = self.host.peripheral(periph)
        if model is None or kind not in ("tx", "rx"):
            self._report(f"CCR{ch}: DMAMUX request {name!r} (no such UART request)")
            return None
        return model, kind

    @staticmethod
    def _requesting(uart, kind: str) -> bool:
        cr3 = uart.get("CR3")
        if kind == "tx":
            return bool(cr3 & CR3_DMAT) and uart.tx_empty()
        uart.sync()
        return bool(cr3 & CR3_DMAR) and bool(uart.rx)

    def _active(self, ch: int) -> bool:
        return bool(self.values[self._reg(ch, 0)] & EN) and self.values[self._reg(ch, 4)] > 0

    def _waiting_for_input(self) -> bool:
        for ch in range(1, len(self.chans) + 1):
            if self._active(ch):
                src = self._source(ch)
                if src and src[1] == "rx" and not src[0].rx and not src[0].wire:
                    return True
        return False

    # ---- transfers -----------------------------------------------------------------------
    def service(self, now: int) -> None:
        """Every transfer whose request is active at `now`."""
        if not self._on:
            return
        for ch in range(1, len(self.chans) + 1):
            ccr = self.values[self._reg(ch, 0)]
            while self._active(ch):
                if not ccr & MEM2MEM:
                    src = self._source(ch)
                    if src is None or not self._requesting(*src):
                        break
                self._transfer(ch, ccr)
        self._update_irqs()

    def _transfer(self, ch: int, ccr: int) -> None:
        c = self.chans[ch - 1]
        psize, msize = SIZES[(ccr >> 8) & 3], SIZES[(ccr >> 10) & 3]
        to_periph = ccr & DIR and not ccr & MEM2MEM
        (src, ssize), (dst, dsize) = ((c.mar, msize), (c.par, psize)) if to_periph \
            else ((c.par, psize), (c.mar, msize))
        value = self.host.bus_read(src, ssize)
        ok = value is not None and self.host.bus_write(dst, dsize, value & ((1 << 8 * dsize) - 1))
        shift = 4 * (ch - 1)
        if not ok:
            self.values[self._reg(ch, 0)] &= ~EN
            self._on.discard(ch)
            self.values[0x00] |= (TEIF | GIF) << shift
            return
        if ccr & PINC:
            c.par += psize
        if ccr & MINC:
            c.mar += msize
        ndt = self.values[self._reg(ch, 4)] - 1
        if ndt == c.initial // 2:
            self.values[0x00] |= (HTIF | GIF) << shift
        if ndt == 0:
            self.values[0x00] |= (TCIF | GIF) << shift
            if ccr & CIRC and ccr & MEM2MEM:
                # RM0432 (DMA_CCRx.MEM2MEM): memory-to-memory mode cannot be used with circular
                # mode. Silicon's behaviour is undefined; here the channel stops after one pass
                # (without this, a circular memory-to-memory channel would never yield).
                self.host.unmodelled(self, f"CCR{ch}", "MEM2MEM with CIRC (not allowed; one pass done)")
                self.values[self._reg(ch, 0)] &= ~EN
                self._on.discard(ch)
            elif ccr & CIRC:
                ndt = c.initial
                c.par, c.mar = self.values[self._reg(ch, 8)], self.values[self._reg(ch, 12)]
        self.values[self._reg(ch, 4)] = ndt

    def _update_irqs(self) -> None:
        irqs = list(self.params["irqs"])
        for ch in range(1, min(len(self.chans), len(irqs)) + 1):
            flags = self.values[0x00] >> 4 * (ch - 1)
            ccr = self.values[self._reg(ch, 0)]
            level = bool(flags & TCIF and ccr & TCIE or flags & HTIF and ccr & HTIE
                         or flags & TEIF and ccr & TEIE)
            if self._levels.get(ch, False) != level:
                self._levels[ch] = level
                self.host.set_irq(int(irqs[ch - 1]), level)

    def _report(self, what: str) -> None:
        if what not in self._reported:
            self._reported.add(what)
            self.host.unmodelled(self, what, "write")

    # ---- time ----------------------------------------------------------------------------
    def next_event(self, now: int) -> Optional[int]:
        """When a waiting channel's UART next changes (a byte lands, the transmitter frees)."""
        if not self._on:
            return None
        best = None
        for ch in range(1, len(self.chans) + 1):
            if not self._active(ch) or self.values[self._reg(ch, 0)] & MEM2MEM:
                continue
            src = self._source(ch)
            if src is None:
                continue
            due = src[0].next_change(now)
            if due is not None and (best is None or due < best):
                best = due
        return best

    def tick(self, now: int) -> None:
        self.service(now)

    def can_wake(self) -> bool:
        """A channel receiving from a UART with its transfer-complete interrupt on: host input
        can wake a sleeping core."""
        for ch in range(1, len(self.chans) + 1):
            ccr = self.values[self._reg(ch, 0)]
            if self._active(ch) and ccr & (TCIE | HTIE):
                src = self._source(ch)
                if src and src[1] == "rx":
                    return True
        return False
