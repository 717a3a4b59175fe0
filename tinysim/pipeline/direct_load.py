"""Load a DUT's input straight into the emulated firmware's memory instead of over its UART.

The protocol path sends an input as `db load N` and hex `db` lines of 31 bytes each, every byte
received by the emulated UART at the baud rate: for vww01 (27648 bytes, 893 commands) that is most
of an accuracy run's time. `DirectLoadClient.load` writes the bytes where the harness's `db`
handler would have put them (`db_storage`) and sets its counters (`db_size`, `db_pos`) as a
complete `db load` + data would leave them (tinysim/firmware/harness/ee_protocol.c), by ELF
symbol, while the firmware waits for input; `infer` and everything else still go through the
protocol. It is a tinysim harness shortcut: firmware built from another harness (no such symbols)
is refused with what to do.
"""

from __future__ import annotations

from ..errors import TinysimError
from ..harness.protocol import DutClient

# The harness's db buffer and counters (tinysim/firmware/harness/th_workload.c, ee_protocol.c).
STORAGE, SIZE, POSITION = "db_storage", "db_size", "db_pos"


class DirectLoadClient(DutClient):
    """A DutClient whose `load` writes the input into the emulated harness's db buffer."""

    def __init__(self, transport, **kwargs):
        super().__init__(transport, **kwargs)
        machine = transport.machine
        firmware = machine.firmware
        missing = [name for name in (STORAGE, SIZE, POSITION) if name not in firmware.symbols]
        if missing:
            raise TinysimError(
                f"{firmware.path}: no symbol {', '.join(missing)}: --direct writes inputs into the "
                "tinysim DUT harness's db buffer, which this image does not have (another harness, or "
                "stripped); drop --direct to send inputs over the emulated UART")
        self._machine = machine
        self._storage = firmware.symbols[STORAGE]
        self._counters = [firmware.symbols[SIZE], firmware.symbols[POSITION]]
        self.bytes_loaded = 0

    def load(self, data: bytes) -> None:
        data = bytes(data)
        if not data:
            raise ValueError("cannot load an empty input (the DUT refuses db load 0)")
        if len(data) > self._storage.size:
            raise TinysimError(f"{self._machine.firmware.path}: a {len(data)}-byte input does not fit "
                               f"{STORAGE} ({self._storage.size} bytes)")
        uc = self._machine.uc
        uc.mem_write(self._storage.addr, data)
        for counter in self._counters:
            uc.mem_write(counter.addr, len(data).to_bytes(counter.size, "little"))
        self.bytes_loaded += len(data)
        if self.log:
            self.log("host", f"(direct load of {len(data)} bytes into {STORAGE})")
