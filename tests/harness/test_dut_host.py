"""Protocol conformance of the C DUT harness, built natively with the host gcc (boards/host) and
driven through ProcessTransport. The model is the host port's stub (see stub_model.c), whose
outputs the tests predict exactly; the harness code is the same that goes into the firmware."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tinysim.errors import ProtocolError
from tinysim.harness.protocol import DutClient
from tinysim.harness.transports import ProcessTransport

HOST_BOARD = Path(__file__).resolve().parents[2] / "tinysim" / "firmware" / "boards" / "host"
pytestmark = pytest.mark.skipif(
    shutil.which("gcc") is None or shutil.which("make") is None,
    reason="needs the host C compiler: apt-get install gcc make",
)

# Mirrors boards/host/stub/model.h.
STUB = {
    "KWS01": dict(id="kws01", n_in=490, n_out=12, out_scale=0.00390625, out_zp=-128),
    "VWW01": dict(id="vww01", n_in=27648, n_out=2, out_scale=0.00390625, out_zp=-128),
    "AD01": dict(id="ad01", n_in=640, n_out=640, in_scale=0.1, in_zp=3, out_scale=0.1, out_zp=3),
}


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    out = {}
    for model in STUB:
        target = tmp_path_factory.mktemp(f"dut-{model.lower()}")
        subprocess.run(
            ["make", "-s", "-C", str(HOST_BOARD), f"OUT={target}", f"MODEL={model}"],
            check=True, capture_output=True, text=True,
        )
        out[model] = target / "dut"
    return out


@pytest.fixture
def dut(builds):
    """A booted kws01-shaped DUT; yields (client, boot lines)."""
    with ProcessTransport([builds["KWS01"]]) as transport:
        client = DutClient(transport, timeout=5)
        yield client, client.wait_ready()


def open_dut(builds, model):
    transport = ProcessTransport([builds[model]])
    client = DutClient(transport, timeout=5)
    client.wait_ready()
    return client


def raw_exchange(client, text):
    """Send a command and return the DUT's exact bytes up to and including m-ready\\r\\n."""
    client.transport.write(text.encode() + b"%")
    data = b""
    while not data.endswith(b"m-ready\r\n"):
        chunk = client.transport.read_bytes(5)
        assert chunk, f"no complete answer to {text!r}, got {data!r}"
        data += chunk
    return data


def stub_raw(inputs_int8, n_out):
    """stub_model.c: output[i] = (int8)(sum(inputs) + 37 i)."""
    total = int(np.sum(np.asarray(inputs_int8, dtype=np.int64)))
    return [((total + 37 * i + 128) % 256) - 128 for i in range(n_out)]


# -- boot and the simple commands --------------------------------------------------------------


def test_boot_banner(dut):
    _, boot = dut
    assert boot[0] == "m-timestamp-mode-performance"
    assert boot[1].startswith("m-lap-us-") and boot[1][len("m-lap-us-"):].isdigit()
    assert boot[2:] == ["m-init-done"]


def test_name_profile_exact_bytes(dut):
    client, _ = dut
    assert raw_exchange(client, "name") == b"m-name-dut-[tinysim]\r\nm-ready\r\n"
    assert raw_exchange(client, "profile") == (
        b"m-profile-[ULPMark for tinyML Firmware V0.0.1]\r\nm-model-[kws01]\r\nm-ready\r\n"
    )
    assert client.name() == "tinysim"
    assert client.profile() == "kws01"


def test_help_lists_every_command(dut):
    client, _ = dut
    data = raw_exchange(client, "help")
    assert data.count(b"\n") == data.count(b"\r\n")  # every line ends \r\n
    text = data.decode()
    assert text.startswith("ULPMark for tinyML Firmware V0.0.1\r\n")
    for cmd in ("name", "profile", "timestamp", "db load", "db print", "infer", "results"):
        assert cmd in text


def test_timestamp_is_monotonic(dut):
    client, _ = dut
    t1 = client.timestamp()
    t2 = client.timestamp()
    assert t2 >= t1


# -- db ------------------------------------------------------------------------------------------


def test_db_load_roundtrip_in_31_byte_chunks(dut):
    client, _ = dut
    data = bytes((i * 7 + 3) % 256 for i in range(490))
    client.load(data)
    assert client.db_print() == data


def test_db_print_format_and_uppercase_hex(dut):
    client, _ = dut
    assert raw_exchange(client, "db load 10") == b"m-[Expecting 10 bytes]\r\nm-ready\r\n"
    assert raw_exchange(client, "db 00FFaB7c0102") == b"m-ready\r\n"
    assert raw_exchange(client, "db 03040506") == b"m-load-done\r\nm-ready\r\n"
    assert raw_exchange(client, "db print") == (
        b"m-buffer-00-ff-ab-7c-01-02-03-04\r\nm-buffer-05-06\r\nm-ready\r\n"
    )


def test_db_load_resets_the_write_position(dut):
    client, _ = dut
    client.load(b"\x01\x02\x03")
    client.load(b"\x09\x08")
    assert client.db_print() == b"\x09\x08"


def test_longest_db_chunk_fits_the_command_buffer(dut):
    client, _ = dut
    data = bytes(range(38))  # "db " + 76 hex digits = 79 characters
    client.command("db load 38")
    assert client.command("db " + data.hex()) == ["m-load-done"]
    assert client.db_print() == data


# -- infer and results ----------------------------------------------------------------------------


def test_infer_sequence_and_outputs(dut):
    client, _ = dut
    data = bytes((i * 13) % 256 for i in range(490))
    client.load(data)
    result = client.infer(4, 2)
    assert [line for line in result.lines if not line.startswith(("m-lap-us-", "m-results"))] == [
        "m-warmup-start-2", "m-warmup-done", "m-infer-start-4", "m-infer-done",
    ]
    assert result.lines[3].startswith("m-lap-us-") and result.lines[4].startswith("m-lap-us-")
    assert result.lines[6].startswith("m-results-[") and result.lines[7].startswith("m-results-raw-[")
    assert result.t2_us >= result.t1_us
    expected = stub_raw(np.frombuffer(data, dtype=np.int8), 12)
    assert result.raw == expected
    spec = STUB["KWS01"]
    assert result.results == [round((q - spec["out_zp"]) * spec["out_scale"], 3) for q in expected]
    assert client.results() == (result.results, result.raw)


def test_results_print_three_decimals(dut):
    client, _ = dut
    client.load(bytes(490))
    line = [l for l in client.infer(1, 0).lines if l.startswith("m-results-[")][0]
    for field in line[len("m-results-["):-1].split(","):
        whole, frac = field.split(".")
        assert whole.isdigit() and len(frac) == 3


def test_infer_defaults_match_eembc(dut):
    """EEMBC's parser runs 1 inference after 10 warm-ups when the arguments are omitted."""
    client, _ = dut
    client.load(bytes(490))
    lines = client.command("infer")
    assert lines[0] == "m-warmup-start-10" and "m-infer-start-1" in lines
    lines = client.command("infer 3")
    assert lines[0] == "m-warmup-start-10" and "m-infer-start-3" in lines


def test_vww_input_is_uint8_minus_128(builds):
    client = open_dut(builds, "VWW01")
    try:
        assert client.profile() == "vww01"
        pixels = np.arange(27648, dtype=np.int64) % 251
        client.load(pixels.astype(np.uint8).tobytes())
        assert client.infer(1, 0).raw == stub_raw(pixels - 128, 2)
    finally:
        client.transport.close()


def tflite_quantize(x, scale, zero_point):
    """TFLite reference AffineQuantize: round(x / scale) (std::round, halves away from zero) + zp."""
    q = np.float32(x) / np.float32(scale)
    q64 = q.astype(np.float64)
    rounded = np.sign(q64) * np.floor(np.abs(q64) + 0.5)
    return np.clip(rounded + zero_point, -128, 127).astype(np.int64)


def run_ad(builds, x):
    client = open_dut(builds, "AD01")
    try:
        client.load(np.asarray(x, dtype="<f4").tobytes())
        return client.infer(1, 0)
    finally:
        client.transport.close()


def reference_mse(q, x, out_scale=STUB["AD01"]["out_scale"], out_zp=STUB["AD01"]["out_zp"]):
    """MSE as the MLPerf AD reference accumulates it: float32, in element order."""
    total = np.float32(0)
    for qi, xi in zip(q, x):
        deq = np.float32(np.float32(int(qi) - out_zp) * np.float32(out_scale))
        diff = np.float32(deq - np.float32(xi))
        total = np.float32(total + diff * diff)
    return float(total / np.float32(len(x)))


def test_ad_quantizes_floats_like_tflite_and_reports_mse(builds):
    spec = STUB["AD01"]
    scale = np.float32(spec["in_scale"])
    rng = np.random.default_rng(1234)
    x = rng.normal(0.0, 4.0, 640).astype(np.float32)
    # Exact ties (x / scale == k + 0.5 in float32) must round away from zero, as std::round does.
    ties = [np.float32((k + 0.5) * 0.1) for k in range(-60, 60)]
    ties = [t for t in ties if float(t / scale) % 1.0 == 0.5]
    assert len(ties) >= 10
    x[: len(ties)] = ties
    x[200:204] = [30.0, -30.0, 12.7, -13.1]  # saturation on both sides
    result = run_ad(builds, x)
    expected_q = tflite_quantize(x, scale, spec["in_zp"])
    assert result.raw == expected_q.tolist()  # the stub autoencoder is the identity
    assert len(result.results) == 1
    assert result.results[0] == pytest.approx(reference_mse(expected_q, x), abs=0.0006)


def test_ad_huge_error_prints_as_a_number(builds):
    """An MSE beyond 2^32 still prints as plain digits (no printf, no "inf")."""
    x = np.zeros(640, dtype=np.float32)
    x[0] = 1e9
    result = run_ad(builds, x)
    assert result.raw[0] == 127
    expected = reference_mse(tflite_quantize(x, STUB["AD01"]["in_scale"], STUB["AD01"]["in_zp"]), x)
    assert expected > 2**32
    assert result.results[0] == pytest.approx(expected, rel=1e-6)


# -- malformed input: an e-[...] line, m-ready, and the DUT keeps working ------------------------

MALFORMED = [
    ("x" * 81, "e-[Command too long: more than 80 characters before '%']"),
    ("", "e-[Empty command]"),
    ("bogus", "e-[Unknown command: bogus]"),
    ("name now", "e-[Unexpected argument 'now' (see help%)]"),
    ("db", "e-[db needs a subcommand: load N, print, or hex data]"),
    ("db load", "e-[db load needs a byte count: db load N]"),
    ("db load 0", "e-[Command 'db load' must be >0 bytes]"),
    ("db load 491", "e-[Supplied buffer size 491 exceeds maximum of 490]"),
    ("db load 99999999999", "e-[Invalid byte count '99999999999' for db load]"),
    ("db load -4", "e-[Invalid byte count '-4' for db load]"),
    ("db load 1x", "e-[Invalid byte count '1x' for db load]"),
    ("db 0102", "e-[No buffer: send 'db load N' first]"),
    ("infer 0 1", "e-[Inference iterations must be >0]"),
    ("infer -3 1", "e-[Inference iterations must be >0]"),
    ("infer 1 -1", "e-[Inference warmup must be >=0]"),
    ("infer abc 1", "e-[Invalid inference count 'abc']"),
    ("infer 1 w", "e-[Invalid warmup count 'w']"),
    ("infer 1 1 1", "e-[Unexpected argument '1' (see help%)]"),
    ("infer 1 0", "e-[Input incomplete: 0 of 490 bytes loaded; send db load and the data first]"),
]


@pytest.mark.parametrize("command,error", MALFORMED, ids=[m[0][:20] or "empty" for m in MALFORMED])
def test_malformed_command_answers_error_then_ready(dut, command, error):
    client, _ = dut
    assert raw_exchange(client, command) == error.encode() + b"\r\nm-ready\r\n"
    with pytest.raises(ProtocolError, match=r"e-\["):
        client.command(command)
    assert client.name() == "tinysim"  # still alive and in sync


def test_exactly_80_characters_is_accepted(dut):
    client, _ = dut
    assert client.command("name" + " " * 76) == ["m-name-dut-[tinysim]"]


@pytest.mark.parametrize(
    "chunk,error",
    [
        ("0102zz", "e-[Invalid hex digit 'zz']"),
        ("01g2", "e-[Invalid hex digit 'g2']"),
        ("010", "e-[Insufficent number of hex digits]"),
    ],
)
def test_bad_hex_is_rejected_whole(dut, chunk, error):
    client, _ = dut
    client.command("db load 4")
    assert raw_exchange(client, "db " + chunk) == error.encode() + b"\r\nm-ready\r\n"
    assert client.db_print() == b""  # nothing of the bad chunk was stored
    assert client.command("db 0a0b0c0d") == ["m-load-done"]
    assert client.db_print() == bytes([10, 11, 12, 13])


def test_more_bytes_than_announced(dut):
    client, _ = dut
    client.command("db load 2")
    assert raw_exchange(client, "db 010203") == (
        b"m-load-done\r\ne-[Ignored 1 bytes beyond the 2 announced by db load]\r\nm-ready\r\n"
    )
    assert client.db_print() == b"\x01\x02"
    assert raw_exchange(client, "db 04") == (
        b"e-[Buffer already full: 2 bytes loaded; send 'db load N' to start over]\r\nm-ready\r\n"
    )


def test_cr_lf_and_nul_between_commands_are_ignored(dut):
    client, _ = dut
    client.transport.write(b"\r\n\0name%")
    assert client.transport.read_line(5) == "m-name-dut-[tinysim]"
    assert client.transport.read_line(5) == "m-ready"


def test_garbage_flood_never_hangs(dut):
    client, _ = dut
    rng = np.random.default_rng(7)
    noise = bytes(b for b in rng.integers(0, 256, 5000, dtype=np.uint8) if b != ord("%"))
    client.transport.write(noise + b"%")
    lines = []
    while "m-ready" not in lines:
        line = client.transport.read_line(5)
        assert line is not None, "the DUT stopped answering after garbage"
        lines.append(line)
    assert lines[0].startswith("e-[")
    assert client.name() == "tinysim"


def test_no_memory_or_undefined_behaviour_errors_under_sanitizers(tmp_path):
    """The malformed commands, random garbage and odd floats, with ASan + UBSan aborting on the
    first finding: the harness must exit cleanly (status 0 when its input ends)."""
    flags = "-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all"
    builds = {}
    for model in ("KWS01", "AD01"):
        proc = subprocess.run(
            ["make", "-s", "-C", str(HOST_BOARD), f"OUT={tmp_path / model}", f"MODEL={model}", f"CFLAGS={flags}"],
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            pytest.skip(f"no sanitizer runtime for the host gcc (apt-get install libasan8 libubsan1): {proc.stderr[-200:]}")
        builds[model] = tmp_path / model / "dut"

    transport = ProcessTransport([builds["KWS01"]])
    client = DutClient(transport, timeout=10)
    client.wait_ready()
    for command, _ in MALFORMED:
        with pytest.raises(ProtocolError):
            client.command(command)
    rng = np.random.default_rng(3)
    for i in range(100):
        prefix = [b"db ", b"db load ", b"infer ", b"", b"name "][i % 5]
        noise = bytes(b for b in rng.integers(0, 256, int(rng.integers(1, 200)), dtype=np.uint8) if b != ord("%"))
        transport.write(prefix + noise + b"%")
        lines = []
        while "m-ready" not in lines:
            line = transport.read_line(10)
            assert line is not None, f"no m-ready after {prefix + noise!r}"
            lines.append(line)
    client.load(bytes(490))
    client.infer(2, 1)
    transport.close()
    assert transport._proc.returncode == 0

    transport = ProcessTransport([builds["AD01"]])
    client = DutClient(transport, timeout=10)
    client.wait_ready()
    x = np.zeros(640, dtype="<f4")
    x[:7] = [np.nan, np.inf, -np.inf, 1e38, -1e38, 1e-45, -0.0]
    client.load(x.tobytes())
    result = client.infer(1, 0)
    assert result.raw[:7] == [-128, 127, -128, 127, -128, 3, 3]  # NaN -> -128, saturation, zero point
    transport.close()
    assert transport._proc.returncode == 0
