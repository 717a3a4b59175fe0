"""The emulated interface board (tinysim.pipeline.io_manager) alone: its CLI as the MLPerf Tiny
interface firmware answers it, and the DUT passthrough the runner's io_manager.py expects."""

from tinysim.pipeline.io_manager import IoManager


def make(baud=9600.0):
    sent = []
    return IoManager(sent.append, lambda: baud), sent


def lines(data: bytes):
    return data.decode().split("\r\n")[:-1]


def test_own_commands():
    io, sent = make()
    assert lines(io.host_bytes(b"name%")) == ["tinyML Enhanced Interface Board", "m-ready"]
    assert lines(io.host_bytes(b"setbaud 9600%")) == ["setbaud(9600)", "m-ready"]
    assert lines(io.host_bytes(b"checkbaud%")) == ["checkbaud(9600)", "m-ready"]
    assert lines(io.host_bytes(b"whatever%")) == ["m-ready"]
    assert lines(io.host_bytes(b"play a.wav%"))[0].startswith("e-[play: needs the interface board's SD card")
    assert sent == [] and io.warnings == []


def test_passthrough_relays_the_dut_lines_up_to_its_m_ready():
    io, sent = make()
    # What the runner's IOManager.send_command needs: exactly [m-dut-passthrough(...), m-ready] first.
    assert lines(io.host_bytes(b"dut name%")) == ["m-dut-passthrough(name)", "m-ready"]
    assert sent == [b"name%"]
    # A second command waits until the DUT has answered the first (one command at a time).
    assert io.host_bytes(b"dut profile%") == b""
    assert lines(io.dut_bytes(b"m-name-dut-[ST]\r\nm-re")) == ["[dut]: m-name-dut-[ST]"]
    out = lines(io.dut_bytes(b"ady\r\nlate boot noise\r\n"))
    assert out == ["[dut]: m-ready", "m-dut-passthrough(profile)", "m-ready"]
    assert sent == [b"name%", b"profile%"]
    assert lines(io.dut_bytes(b"m-model-[kws01]\r\nm-ready\r\n")) == ["[dut]: m-model-[kws01]", "[dut]: m-ready"]
    assert io.dut_bytes(b"unsolicited\r\n") == b""      # outside a passthrough nothing is relayed


def test_a_baud_rate_the_dut_does_not_run_at_is_reported():
    io, _ = make(baud=115200.0)
    assert lines(io.host_bytes(b"setbaud 9600%")) == ["setbaud(9600)", "m-ready"]
    assert "the DUT's UART runs at 115200 baud" in io.warnings[0]
