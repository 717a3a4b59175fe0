"""DutClient against misbehaving DUTs. The test double is a small Python program on the master side
of a real pty (what a USB-serial board looks like to the host), scripted per test; the client
talks to it through SerialTransport / pyserial exactly as to hardware."""

import os
import subprocess
import sys
import textwrap
import tty

import pytest

from tinysim.errors import ProtocolError
from tinysim.harness.protocol import DutClient, InferResult
from tinysim.harness.transports import SerialTransport

# The fake DUT: reads '%'-terminated commands from the pty master (fd argv[2]) and answers from SCRIPT,
# a dict {command: list of lines}; a command missing from SCRIPT gets no answer at all (a hang).
# A line "<exit>" makes the DUT die on the spot.
FAKE_DUT = textwrap.dedent(
    r"""
    import json, os, sys
    script = json.loads(sys.argv[1])
    fd = int(sys.argv[2])
    buf = b""
    while True:
        data = os.read(fd, 1024)
        if not data:
            break
        buf += data
        while b"%" in buf:
            cmd, buf = buf.split(b"%", 1)
            for line in script.get(cmd.decode(), []):
                if line == "<exit>":
                    sys.exit(0)
                os.write(fd, line.encode("latin-1") + b"\r\n")
    """
)

GOOD_INFER = [
    "m-warmup-start-1", "m-warmup-done", "m-infer-start-10", "m-lap-us-1000", "m-lap-us-251000",
    "m-infer-done", "m-results-[0.000,0.250,0.750]", "m-results-raw-[-128,-64,64]", "m-ready",
]


@pytest.fixture
def fake_dut():
    """fake_dut(script) -> DutClient on a pty whose other end runs the scripted fake DUT."""
    started = []

    def start(script, timeout=0.5):
        import json

        master, slave = os.openpty()
        tty.setraw(slave)
        proc = subprocess.Popen(
            [sys.executable, "-c", FAKE_DUT, json.dumps(script), str(master)],
            pass_fds=(master,), stdin=subprocess.DEVNULL,
        )
        os.close(master)
        transport = SerialTransport(os.ttyname(slave), 115200)
        started.append((proc, transport, slave))
        return DutClient(transport, timeout=timeout, infer_timeout=timeout)

    yield start
    for proc, transport, slave in started:
        transport.close()
        os.close(slave)
        proc.kill()
        proc.wait()


def test_a_well_behaved_fake_passes(fake_dut):
    client = fake_dut({
        "name": ["m-name-dut-[acme]", "m-ready"],
        "profile": ["m-profile-[ULPMark for tinyML Firmware V0.0.1]", "m-model-[ic01]", "m-ready"],
        "infer 10 1": GOOD_INFER,
    })
    assert client.name() == "acme"
    assert client.profile() == "ic01"
    result = client.infer(10, 1)
    assert isinstance(result, InferResult)
    assert (result.t1_us, result.t2_us, result.elapsed_us) == (1000, 251000, 250000)
    assert result.throughput == pytest.approx(40.0)
    assert result.results == [0.0, 0.25, 0.75]
    assert result.raw == [-128, -64, 64]


def test_extra_lines_nul_and_trailing_comma_are_tolerated(fake_dut):
    """Real DUTs print TFLM warnings, stray NULs, and VWW's reference a trailing comma."""
    client = fake_dut({
        "name": ["\0\0m-name-dut-[acme]\0", "4 bytes lost due to alignment", "m-ready"],
        "results": ["Initialized", "m-results-[0.941406,0.058594,]", "m-ready"],
    })
    assert client.name() == "acme"
    assert client.results() == ([0.941406, 0.058594], None)


def test_counter_wrap_between_timestamps(fake_dut):
    lines = list(GOOD_INFER)
    lines[3], lines[4] = "m-lap-us-4294967000", "m-lap-us-704"
    client = fake_dut({"infer 10 1": lines})
    assert client.infer(10, 1).elapsed_us == 1000


def test_hang_raises_naming_the_command(fake_dut):
    client = fake_dut({"name": ["m-name-dut-[acme]", "m-ready"]})
    client.name()
    with pytest.raises(ProtocolError) as err:
        client.infer(10, 1)
    message = str(err.value)
    assert "'infer 10 1'" in message and "no answer within 0.5 s" in message
    assert "m-name-dut-[acme]" in message  # the last lines seen are part of the report


def test_hang_mid_answer(fake_dut):
    client = fake_dut({"infer 10 1": GOOD_INFER[:4]})  # stops after the first timestamp
    with pytest.raises(ProtocolError, match=r"'infer 10 1': 4 line\(s\) but no m-ready .*m-lap-us-1000"):
        client.infer(10, 1)


def test_line_noise_suggests_the_baud_rate(fake_dut):
    client = fake_dut({"name": ["\x8f\xfe\x00\x1b~", "\xff"]})  # what a baud mismatch looks like
    with pytest.raises(ProtocolError, match="wrong baud rate"):
        client.name()


def test_error_line_raises_with_the_dut_text(fake_dut):
    client = fake_dut({"db load 5000": ["e-[Supplied buffer size 5000 exceeds maximum of 490]", "m-ready"]})
    with pytest.raises(ProtocolError, match=r"'db load 5000': the DUT reported e-\[Supplied buffer size"):
        client.load(bytes(5000))


@pytest.mark.parametrize(
    "bad,what",
    [
        ("m-lap-us-12x4", "garbled timestamp line"),
        ("m-lap-us-", "garbled timestamp line"),
        ("m-lap-us-99999999999", "garbled timestamp line"),
    ],
)
def test_garbled_timestamp(fake_dut, bad, what):
    lines = list(GOOD_INFER)
    lines[4] = bad
    client = fake_dut({"infer 10 1": lines})
    with pytest.raises(ProtocolError, match=what):
        client.infer(10, 1)


def test_timestamps_outside_the_window(fake_dut):
    lines = list(GOOD_INFER)
    lines[2], lines[3] = lines[3], lines[2]  # m-lap-us before m-infer-start
    client = fake_dut({"infer 10 1": lines})
    with pytest.raises(ProtocolError, match="between m-infer-start and m-infer-done"):
        client.infer(10, 1)


def test_garbled_results(fake_dut):
    lines = list(GOOD_INFER)
    lines[6] = "m-results-[0.1,zz,0.3]"
    client = fake_dut({"infer 10 1": lines})
    with pytest.raises(ProtocolError, match=r"garbled results line m-results-\[0.1,zz,0.3\]"):
        client.infer(10, 1)


def test_raw_results_outside_int8(fake_dut):
    lines = list(GOOD_INFER)
    lines[7] = "m-results-raw-[1,300]"
    client = fake_dut({"infer 10 1": lines})
    with pytest.raises(ProtocolError, match="outside int8"):
        client.infer(10, 1)


@pytest.mark.parametrize("drop", ["m-warmup-done", "m-infer-done", "m-infer-start-10"])
def test_missing_protocol_line(fake_dut, drop):
    client = fake_dut({"infer 10 1": [l for l in GOOD_INFER if l != drop]})
    with pytest.raises(ProtocolError, match=f"missing '{drop}'"):
        client.infer(10, 1)


def test_nonsense_answer(fake_dut):
    client = fake_dut({"name": ["hello there", "m-ready"], "profile": ["m-model-[kws01]", "m-ready"]})
    with pytest.raises(ProtocolError, match=r"'name': expected one line like"):
        client.name()
    with pytest.raises(ProtocolError, match=r"'profile': expected one line like .*m-profile"):
        client.profile()


def test_reset_mid_run(fake_dut):
    """A DUT that reboots during infer (brown-out, watchdog) prints its boot banner again."""
    client = fake_dut({
        "infer 10 1": ["m-warmup-start-1", "m-timestamp-mode-performance", "m-lap-us-3",
                       "m-init-done", "m-ready"],
    })
    with pytest.raises(ProtocolError, match=r"'infer 10 1': the DUT reset while answering"):
        client.infer(10, 1)


def test_dut_dies(fake_dut):
    client = fake_dut({"name": ["m-name-dut-[acme]", "<exit>"]})
    with pytest.raises(ProtocolError, match=r"'name'"):
        client.name()


def test_load_checks_the_handshake(fake_dut):
    client = fake_dut({
        "db load 40": ["m-[Expecting 40 bytes]", "m-ready"],
        "db " + bytes(31).hex(): ["m-load-done", "m-ready"],  # "done" one chunk early
    })
    with pytest.raises(ProtocolError, match="m-load-done came before the last chunk"):
        client.load(bytes(40))
    client = fake_dut({"db load 40": ["m-[Expecting 41 bytes]", "m-ready"]})
    with pytest.raises(ProtocolError, match="expects 41 bytes, not 40"):
        client.load(bytes(40))


def test_commands_with_framing_characters_are_refused(fake_dut):
    client = fake_dut({})
    for text in ("name%", "name\r", "db\n"):
        with pytest.raises(ValueError):
            client.command(text)
