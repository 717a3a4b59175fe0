"""EmulatedTransport (run / bench / accuracy's transport) with an input longer than the machine's
1 s idle rule: the bytes still landing are the board's work, so the read does not end "idle" with
the rest of the line on the wire (the rule serve's board loop uses, issue 13)."""

from pathlib import Path

import pytest

from tinysim.pipeline.emulated_transport import EmulatedTransport

REPO = Path(__file__).resolve().parents[2]
PLATFORM = "nucleo-l4r5zi"
ELF = REPO / "firmware_images" / PLATFORM / "kws01.elf"


def test_an_input_longer_than_a_second_of_line_time_is_answered():
    t = EmulatedTransport(PLATFORM, ELF)
    try:
        boot = []
        while "m-ready" not in boot:
            boot.append(t.read_line(5))
        m = t.machine
        n = 13_000                      # 1.13 s of line time at 115200 baud (8N1: 10 bits a character)
        before = m.seconds_at(m.now())
        t.write(b"a" * n + b"%")
        first = t.read_line(5)
        assert first is not None and first.startswith("e-[Command too long"), first
        assert t.read_line(5) == "m-ready"
        assert m.seconds_at(m.now()) - before == pytest.approx((n + 1) * 10 / 115200, rel=0.02)
        assert not m.console().wire
    finally:
        t.close()
