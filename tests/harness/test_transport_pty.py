"""`tinysim serve --pty` end to end through real pyserial on the real pty, and the transports'
line handling. The served DUT is the host-native harness build (boards/host), so these run
without the emulator; tests/harness/test_dut_emulated.py serves the emulated firmware."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinysim.cli import main as cli_main
from tinysim.errors import ProtocolError
from tinysim.harness.protocol import DutClient
from tinysim.harness.transports import TRANSPORTS, ProcessTransport, SerialTransport, TransportClosed

REPO = Path(__file__).resolve().parents[2]
HOST_BOARD = REPO / "tinysim" / "firmware" / "boards" / "host"
needs_gcc = pytest.mark.skipif(
    shutil.which("gcc") is None or shutil.which("make") is None,
    reason="needs the host C compiler: apt-get install gcc make",
)


@pytest.fixture(scope="module")
def host_dut(tmp_path_factory):
    out = tmp_path_factory.mktemp("dut-host")
    subprocess.run(["make", "-s", "-C", str(HOST_BOARD), f"OUT={out}", "MODEL=KWS01"],
                   check=True, capture_output=True)
    return out / "dut"


def start_serve(*args):
    """Start `tinysim serve --pty ...`; returns (process, device path from its first stdout line)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tinysim", "serve", "--pty", *args],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    path = proc.stdout.readline().strip()
    if not path:
        proc.kill()
        pytest.fail(f"serve printed no device path; stderr: {proc.stderr.read()}")
    return proc, path


def stop_serve(proc):
    proc.terminate()
    try:
        return proc.wait(timeout=10)
    finally:
        proc.stdout.close()
        proc.stderr.close()


@needs_gcc
def test_serve_pty_end_to_end_with_pyserial(host_dut, tmp_path):
    link = tmp_path / "tinysim-dut"
    proc, path = start_serve("--exec", str(host_dut), "--link", str(link))
    try:
        assert path.startswith("/dev/")
        assert os.path.realpath(link) == path
        data = bytes((i * 5) % 256 for i in range(490))
        with SerialTransport(str(link), 115200) as port:
            client = DutClient(port, timeout=5)
            assert client.name() == "tinysim"
            assert client.profile() == "kws01"
            client.load(data)
            assert client.db_print() == data
            result = client.infer(3, 1)
        total = int(np.frombuffer(data, dtype=np.int8).astype(np.int64).sum())
        assert result.raw == [((total + 37 * i + 128) % 256) - 128 for i in range(12)]
        # A second client (e.g. the runner after a manual check) gets the same DUT, still in sync.
        with SerialTransport(path, 115200) as port:
            assert DutClient(port, timeout=5).results() == (result.results, result.raw)
    finally:
        assert stop_serve(proc) == 0
    assert not os.path.lexists(link)  # the symlink goes away with the server


@needs_gcc
def test_serve_replaces_a_stale_link_but_not_a_file(host_dut, tmp_path):
    stale = tmp_path / "stale"
    os.symlink("/nonexistent", stale)
    proc, path = start_serve("--exec", str(host_dut), "--link", str(stale))
    try:
        assert os.path.realpath(stale) == path
    finally:
        stop_serve(proc)
    regular = tmp_path / "file"
    regular.write_text("keep me")
    proc = subprocess.run(
        [sys.executable, "-m", "tinysim", "serve", "--pty", "--exec", str(host_dut), "--link", str(regular)],
        cwd=REPO, capture_output=True, text=True, timeout=30,
    )
    assert proc.returncode == 2
    assert f"--link {regular}: exists and is not a symlink" in proc.stderr
    assert regular.read_text() == "keep me"


@pytest.mark.parametrize(
    "argv,message",
    [
        (["serve"], "serve needs --pty"),
        (["serve", "--pty"], "serve needs --platform and --elf"),
        (["serve", "--pty", "--elf", "x.elf", "--exec", "dut"], "either --elf"),
    ],
)
def test_serve_argument_errors(capsys, argv, message):
    assert cli_main(argv) == 2
    assert message in capsys.readouterr().err


def test_serial_port_that_does_not_exist():
    with pytest.raises(ProtocolError) as err:
        SerialTransport("/dev/tinysim-no-such-port", 115200)
    assert "cannot open serial port /dev/tinysim-no-such-port" in str(err.value)


def test_process_transport_lines_strip_cr_and_nul():
    program = "import sys; sys.stdout.buffer.write(b'\\0m-one\\r\\n\\r\\nm-t\\0wo\\r\\npartial')"
    with ProcessTransport([sys.executable, "-c", program]) as t:
        assert t.read_line(5) == "m-one"
        assert t.read_line(5) == ""
        assert t.read_line(5) == "m-two"
        with pytest.raises(TransportClosed, match="exited with status 0|closed its output"):
            t.read_line(5)  # "partial" never gets its newline


def test_transport_registry_names():
    assert {"serial", "process", "emulated"} <= set(TRANSPORTS)
    assert TRANSPORTS.get("process") is ProcessTransport


def test_client_reports_a_dut_process_that_exited():
    transport = ProcessTransport([sys.executable, "-c", "pass"])
    transport._proc.wait()
    with pytest.raises(ProtocolError) as err:
        DutClient(transport, timeout=5).command("name")
    assert "command 'name': the DUT went away" in str(err.value)
    assert "exited with status 0" in str(err.value)
    transport.close()
