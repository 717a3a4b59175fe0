"""`tinysim serve`'s board loop (tinysim.pipeline.serve_loop): the emulated board runs in device
time whether or not the client reads, and its summary splits active work from fast-forwarded
waiting. The board is the real kws01 image on the real pty, driven by pyserial."""

import os
import termios
import threading
import time
import tty
from pathlib import Path

import pytest

from tinysim.harness.protocol import DutClient
from tinysim.harness.transports import SerialTransport
from tinysim.pipeline.serve_loop import BoardServer
from tinysim.pipeline.session import build_session

REPO = Path(__file__).resolve().parents[2]
PLATFORM = "nucleo-l4r5zi"
ELF = REPO / "firmware_images" / PLATFORM / "kws01.elf"


@pytest.fixture
def served():
    """(BoardServer, pty path) with the loop running in a thread until the test ends."""
    board = BoardServer(build_session(ELF, PLATFORM).machine)
    boot = board.boot()
    assert boot[-1] == "m-ready", boot
    master, slave = os.openpty()
    tty.setraw(slave, termios.TCSANOW)
    stop = threading.Event()
    errors = []

    def loop():
        try:
            board.serve(master, stop=stop.is_set)
        except Exception as err:  # noqa: BLE001 - reported by the test
            errors.append(err)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield board, os.ttyname(slave)
    finally:
        stop.set()
        thread.join(timeout=30)
        os.close(master)
        os.close(slave)
    assert not errors, errors


def test_a_long_silent_inference_completes(served):
    """70 + 10 kws01 inferences are ~4 s of silent device time, far past the old 1 s read budget
    that froze the board (the official runner's `No response to command infer 70 10`)."""
    board, path = served
    with SerialTransport(path, 115200) as port:
        client = DutClient(port, timeout=30, infer_timeout=600)
        client.load(bytes(490))
        result = client.infer(70, 10)
    assert result.n == 70
    assert result.t2_us - result.t1_us > 1_000_000  # longer than a second of device time


def test_the_board_computes_while_the_client_does_not_read(served):
    board, path = served
    with SerialTransport(path, 115200) as port:
        client = DutClient(port, timeout=30, infer_timeout=600)
        client.load(bytes(490))
        before = board.device_time()
        port.write(b"infer 30 0%")
        deadline = time.monotonic() + 300
        while board.device_time().total_s - before.total_s < 1.0 and time.monotonic() < deadline:
            time.sleep(0.05)  # nobody reads the port meanwhile
        assert board.device_time().total_s - before.total_s >= 1.0, "the board stood still"
        lines = []
        while "m-ready" not in lines:
            line = port.read_line(600)
            assert line is not None, lines
            lines.append(line)
    assert "m-infer-done" in lines


def test_device_time_splits_active_and_waiting(served):
    board, path = served
    booted = board.device_time()
    # Boot ends in the firmware's idle wait: waiting time, no work.
    assert booted.waiting_s > 0
    assert booted.active_s + booted.waiting_s == pytest.approx(booted.total_s)
    with SerialTransport(path, 115200) as port:
        client = DutClient(port, timeout=30)
        for _ in range(5):
            assert client.name() == "tinysim"
    after = board.device_time()
    assert after.instructions > booted.instructions
    assert after.active_s > booted.active_s
    summary = after.summary(PLATFORM)
    assert "active" in summary and "waiting for input (fast-forwarded" in summary


def test_an_input_longer_than_the_idle_rule_is_delivered_whole():
    """13 000 bytes are 1.13 s of line time at 115200 baud: past the machine's 1 s idle rule,
    which would stop with the rest still on the wire. The whole line arrives, at the baud rate."""
    board = BoardServer(build_session(ELF, PLATFORM).machine)
    board.boot()
    n = 13_000
    before = board.device_time().total_s
    board.feed(b"a" * n + b"%")
    out = b""
    while board.busy and not board.reply_due:
        out += board.step()
    assert b"e-[Command too long" in out and out.endswith(b"m-ready\r\n")
    line_s = (n + 1) * 10 / 115200  # 8N1: 10 bit times a character
    assert board.device_time().total_s - before == pytest.approx(line_s, rel=0.02)
    assert not board.machine.console().wire


def test_a_long_write_through_the_pty_reaches_the_board_without_gaps(served):
    """The pty holds a few kB: a client's 13 000-byte write passes through it in pieces. The board
    gets them back to back, as from a host's serial driver, not with a sleep of the idle rule's
    second between pieces: the device time is the line's."""
    board, path = served
    n = 13_000
    with SerialTransport(path, 115200) as port:
        before = board.device_time()
        port.write(b"a" * n + b"%")
        lines = []
        while "m-ready" not in lines:
            line = port.read_line(600)
            assert line is not None, lines
            lines.append(line)
        after = board.device_time()
    assert lines[0].startswith("e-[Command too long")
    assert after.total_s - before.total_s == pytest.approx((n + 1) * 10 / 115200, rel=0.02)
    assert after.waiting_s == before.waiting_s
