"""An emulated MLPerf Tiny interface board (the STM32H573I-DK "enhanced" IO manager) between the
host and an emulated DUT's UART.

In the runner's energy flow the host never talks to the DUT directly: the DUT is powered by the
energy monitor, and an interface board relays its commands over a UART (the runner's
io_manager.py / io_manager_enhanced.py). What the board answers is its firmware's CLI
(mlcommons/tiny benchmark/interface/Application/CLI/InterfaceMenu.cpp and Menu.cpp,
Application/Test/DeviceUnderTest.cpp), commands ending with `%`:

- `name` -> `tinyML Enhanced Interface Board`, `m-ready`;
- `dut <cmd>` -> `m-dut-passthrough(<cmd>)`, `m-ready`; then `<cmd>%` goes to the DUT's UART, and
  every line the DUT sends back (up to and including its `m-ready`) comes to the host as
  `[dut]: <line>`; DUT output outside a passthrough is not relayed (the firmware reads the DUT
  only while it waits for an answer);
- `setbaud <n>` -> `setbaud(<n>)`, `m-ready` (the firmware then stores the rate and resets);
  `checkbaud` -> `checkbaud(<n>)`, `m-ready`; anything else -> `m-ready`.
Lines end with "\\r\\n". A command that arrives while a passthrough waits for the DUT is queued,
as the firmware's menu loop handles one command at a time. `ls`, `play`, `record_detections`
and `print_detections` need the board's SD card and I2S audio (streaming wakeword only): they
answer an `e-[...]` line saying so, then `m-ready`.
"""

from __future__ import annotations

from typing import Callable, List, Optional

NAME = "tinyML Enhanced Interface Board"
END = "m-ready"
PREFIX = "[dut]: "
NOT_EMULATED = ("ls", "play", "record_detections", "print_detections", "print_dutycycle")


class IoManager:
    """The interface board's CLI. `send_to_dut(bytes)` puts bytes on the DUT's RX line;
    `dut_baud()` is the rate the DUT's UART runs at (None: unknown); replies for the host
    are returned by `host_bytes` / `dut_bytes`."""

    def __init__(self, send_to_dut: Callable[[bytes], None], dut_baud: Callable[[], Optional[float]],
                 baud: int = 115200):
        self.send_to_dut = send_to_dut
        self.dut_baud = dut_baud
        self.baud = int(baud)
        self.passthrough = False      # waiting for the DUT's m-ready
        self.warnings: List[str] = []
        self._inbox = bytearray()
        self._dut_line = bytearray()

    def host_bytes(self, data: bytes) -> bytes:
        """Bytes from the host; returns what the board answers now."""
        self._inbox += data
        return self._run_queued()

    def _run_queued(self) -> bytes:
        out = bytearray()
        while not self.passthrough:
            cut = self._inbox.find(b"%")
            if cut < 0:
                break
            line = self._inbox[:cut].decode("ascii", "replace").strip()
            del self._inbox[:cut + 1]
            out += self._command(line)
        return bytes(out)

    def _command(self, line: str) -> bytes:
        word, _, arg = line.partition(" ")
        if word == "dut" and arg:
            self.passthrough = True
            self._dut_line.clear()
            self.send_to_dut(f"{arg}%".encode())
            return _lines(f"m-dut-passthrough({arg})", END)
        if word == "name":
            return _lines(NAME, END)
        if word == "setbaud":
            try:
                self.baud = int(arg)
            except ValueError:
                return _lines(f"e-[setbaud {arg}: not a number]", END)
            actual = self.dut_baud()
            if actual and abs(actual - self.baud) > 0.03 * self.baud:
                self.warnings.append(f"setbaud {self.baud}: the DUT's UART runs at {actual:.0f} baud; on a "
                                     "real bench the two would not understand each other")
            return _lines(f"setbaud({arg})", END)
        if word == "checkbaud":
            return _lines(f"checkbaud({self.baud})", END)
        if word in NOT_EMULATED:
            return _lines(f"e-[{word}: needs the interface board's SD card / audio path, not emulated by tinysim]", END)
        return _lines(END)

    def dut_bytes(self, data: bytes) -> bytes:
        """Bytes the DUT transmitted; returns the relayed lines (and any queued command's reply)."""
        if not self.passthrough:
            return b""
        out = bytearray()
        for i in range(len(data)):
            self._dut_line += data[i:i + 1]
            if self._dut_line.endswith(b"\r\n"):
                line = self._dut_line[:-2].decode("ascii", "replace")
                self._dut_line.clear()
                out += _lines(PREFIX + line)
                if line == END:
                    # The rest of this chunk left the DUT before any queued command reached it:
                    # output outside a passthrough, which the firmware does not read.
                    self.passthrough = False
                    out += self._run_queued()
                    break
        return bytes(out)


def _lines(*lines: str) -> bytes:
    return "".join(f"{line}\r\n" for line in lines).encode()
