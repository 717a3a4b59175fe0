"""`serve --energy`'s bench (tinysim.pipeline.energy_rig) without the MLCommons runner: a plain
serial client on the two ptys sets the emulated LPM01A up as the runner does, runs `infer`
through the emulated interface board on ST's KWS energy build (../shared/published, skipped when
absent), and reads two timestamp events around the window and the samples between them, whose
sum is the cost model's energy for that window (bench's meter, in-process)."""

import os
import re
import termios
import threading
import tty
from pathlib import Path

import pytest
import serial

from tinysim.pipeline.emulated_dut import open_emulated
from tinysim.pipeline.energy_rig import EnergyRig, timestamp_pin
from tinysim.pipeline.session import build_session

REPO = Path(__file__).resolve().parents[2]
IMAGE = REPO.parent / "shared" / "published" / "mlperf-tiny-v1.3-st-nucleo-l4r5zi-p" / "kws" / "KWS_l4r5zip_Energy_9600.hex"
PLATFORM = "nucleo-l4r5zi-p"
SETUP = ["htc", "pwr off", "acqtime inf", "trigsrc sw", "eventsrc d7 fal", "output energy",
         "format ascii_dec", "freq 1k", "volt 3000m", "pwr on nostatus", "start"]


def _pty():
    master, slave = os.openpty()
    tty.setraw(slave, termios.TCSANOW)
    return master, slave, os.ttyname(slave)


def _read_until(port, marker: bytes, limit=600.0) -> bytes:
    port.timeout = limit
    data = port.read_until(marker)
    assert data.endswith(marker), data[-200:]
    return data


@pytest.mark.skipif(not IMAGE.is_file(), reason=f"needs ST's published energy build {IMAGE}")
def test_the_monitor_measures_the_window_the_firmware_timestamps():
    session = build_session(IMAGE, PLATFORM)
    rig = EnergyRig(session, pin=timestamp_pin(PLATFORM, None))
    assert rig.board.boot()[-1] == "m-ready"
    (io_m, io_s, io_path), (pm_m, pm_s, pm_path) = _pty(), _pty()
    stop = threading.Event()
    thread = threading.Thread(target=rig.serve, args=(io_m, pm_m, pm_s, stop.is_set), daemon=True)
    thread.start()
    try:
        with serial.Serial(pm_path, 3686400, timeout=60) as pm, serial.Serial(io_path, 115200, timeout=60) as io:
            for command in SETUP:
                pm.write(command.encode() + b"\r\n")
                assert pm.readline().strip() == f"ack {command}".encode()
            io.write(b"setbaud 9600%")
            assert _read_until(io, b"m-ready\r\n") == b"setbaud(9600)\r\nm-ready\r\n"
            io.write(b"dut infer 4 1%")
            reply = _read_until(io, b"[dut]: m-ready\r\n").decode()
            assert reply.startswith("m-dut-passthrough(infer 4 1)\r\nm-ready\r\n[dut]: m-warmup-start-1")
            # Everything the monitor streamed up to the DUT's m-ready has been sent before it.
            stream = b""
            pm.timeout = 0.5
            while chunk := pm.read(1 << 16):
                stream += chunk
    finally:
        stop.set()
        thread.join(timeout=60)
        for fd in (io_m, io_s, pm_m, pm_s):
            os.close(fd)
    lines = stream.decode().split("\r\n")
    samples, events = [], []
    for line in lines:
        if re.fullmatch(r"\d{4}[+-]\d{2}", line):
            samples.append(float(line.replace("+", "e+").replace("-", "e-")))
        elif m := re.fullmatch(r"event (\d+) ris", line):
            events.append((int(m.group(1)), len(samples)))
    assert [n for n, _ in events][-2:] == [len(events) - 1, len(events)]
    (_, start), (_, stop_index) = events[-2:]
    measured = sum(samples[start:stop_index])
    # The same window costed by bench's meter in a fresh session of the same image.
    transport, client, meter = open_emulated(PLATFORM, IMAGE)
    try:
        meter.arm()
        own = meter(client.infer(4, 1))
    finally:
        transport.close()
    window_s = own.cycles / 120e6
    assert (stop_index - start) / 1000 == pytest.approx(window_s, abs=2e-3)
    assert measured == pytest.approx(own.energy_j, abs=2e-3 * own.avg_power_w + 1e-3 * own.energy_j)


def test_a_performance_build_or_an_unknown_pin_is_refused(capsys):
    from tinysim.cli import main

    ad01 = REPO / "firmware_images" / "nucleo-l4r5zi" / "ad01.elf"
    assert main(["serve", "--pty", "--energy", "--platform", "nucleo-l4r5zi", "--elf", str(ad01)]) == 2
    assert "is a performance-mode build" in capsys.readouterr().err
    assert main(["serve", "--pty", "--energy", "--platform", "nucleo-l4r5zi", "--elf", str(ad01),
                 "--timestamp-pin", "gpio:PZ99"]) == 2
    assert "timestamp pin 'gpio:PZ99': gpio: no pin 'PZ99'" in capsys.readouterr().err
