"""The same DUT harness, cross-compiled for each board port (Cortex-M4F and both RV32IMC boards) and
run in the emulator through EmulatedTransport (and through `tinysim serve --pty`). The model is the host port's stub
(boards/host/stub_model.c), so every output is predictable; test_dut_host.py covers the
protocol case by case natively, this file checks the firmware build behaves the same."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinysim.errors import ProtocolError

pytestmark = pytest.mark.toolchain

REPO = Path(__file__).resolve().parents[2]
FIRMWARE = REPO / "tinysim" / "firmware"
PLATFORM = "nucleo-l4r5zi"
# One board per engine and float flavour: FPv4 hardware float, and RV32 soft-float on two SoCs.
PLATFORMS = ["nucleo-l4r5zi", "gd32vf103-longan", "esp32c3-devkitm"]


def _emulator_ready():
    try:
        import tinysim.emu.counter  # noqa: F401  (the native counter extension)
        import tinysim.pipeline.session  # noqa: F401
        return True
    except ImportError:
        return False


if not _emulator_ready():
    pytest.skip("the emulator's native counter is not built: pip install -e .", allow_module_level=True)

from tinysim.harness.protocol import DutClient  # noqa: E402
from tinysim.harness.transports import SerialTransport  # noqa: E402
from tinysim.pipeline.emulated_transport import EmulatedTransport  # noqa: E402


class StubFirmware(dict):
    """{"KWS01": elf, "AD01": elf} for one platform."""

    platform = PLATFORM


@pytest.fixture(scope="module", params=PLATFORMS)
def elfs(request, tmp_path_factory):
    from tinysim.firmware.build import build_elf

    out = tmp_path_factory.mktemp(f"dut-{request.param}")
    sources = sorted((FIRMWARE / "harness").glob("*.c")) + [FIRMWARE / "boards" / "host" / "stub_model.c"]
    includes = [FIRMWARE / "harness", FIRMWARE / "boards" / "host" / "stub"]
    built = StubFirmware(
        (model, build_elf(request.param, sources, includes, {f"STUB_{model}": "1"}, out / f"dut-{model.lower()}.elf"))
        for model in ("KWS01", "AD01")
    )
    built.platform = request.param
    return built


def boot(elf, platform=PLATFORM):
    transport = EmulatedTransport(platform, elf)
    client = DutClient(transport)
    return client, client.wait_ready()


def stub_raw(inputs_int8, n_out):
    total = int(np.sum(np.asarray(inputs_int8, dtype=np.int64)))
    return [((total + 37 * i + 128) % 256) - 128 for i in range(n_out)]


def test_boot_and_identity(elfs):
    client, banner = boot(elfs["KWS01"], elfs.platform)
    assert banner[0] == "m-timestamp-mode-performance"
    assert banner[1].startswith("m-lap-us-") and banner[2] == "m-init-done"
    assert client.name() == "tinysim"
    assert client.profile() == "kws01"


def test_infer_outputs_and_timed_window_snapshots(elfs):
    client, _ = boot(elfs["KWS01"], elfs.platform)
    data = bytes((i * 11 + 1) % 256 for i in range(490))
    client.load(data)
    assert client.db_print() == data
    result = client.infer(3, 1)
    assert result.raw == stub_raw(np.frombuffer(data, dtype=np.int8), 12)
    assert result.elapsed_us > 0  # virtual time advanced across the three stub inferences
    # The emulator snapshotted its counters when the firmware read the clock for m-lap-us.
    assert len(result.timestamps) >= 2


def test_virtual_time_is_deterministic(elfs):
    """Same ELF, same input -> the same timestamps to the microsecond (virtual time)."""
    runs = []
    for _ in range(2):
        client, banner = boot(elfs["KWS01"], elfs.platform)
        client.load(bytes(range(256)) + bytes(234))
        result = client.infer(2, 1)
        runs.append((banner[1], result.t1_us, result.t2_us, result.raw))
    assert runs[0] == runs[1]


def test_malformed_input_on_the_firmware(elfs):
    from test_dut_host import MALFORMED

    client, _ = boot(elfs["KWS01"], elfs.platform)
    for command, error in MALFORMED:
        with pytest.raises(ProtocolError) as err:
            client.command(command)
        assert error in str(err.value), command
    with pytest.raises(ProtocolError, match=r"Invalid hex digit 'zz'"):
        client.command("db load 2")
        client.command("db zz01")
    assert client.name() == "tinysim"


def test_ad_quantization_on_the_fpu(elfs):
    """The Cortex-M4F's single-precision divide and the harness's rounding give TFLite's int8."""
    from test_dut_host import STUB, reference_mse, tflite_quantize

    spec = STUB["AD01"]
    rng = np.random.default_rng(99)
    x = rng.normal(0.0, 4.0, 640).astype(np.float32)
    ties = [np.float32((k + 0.5) * 0.1) for k in range(-60, 60)]
    ties = [t for t in ties if float(t / np.float32(spec["in_scale"])) % 1.0 == 0.5]
    x[: len(ties)] = ties
    client, _ = boot(elfs["AD01"], elfs.platform)
    client.load(x.astype("<f4").tobytes())
    result = client.infer(1, 0)
    expected_q = tflite_quantize(x, spec["in_scale"], spec["in_zp"])
    assert result.raw == expected_q.tolist()
    assert result.results[0] == pytest.approx(reference_mse(expected_q, x), abs=0.0006)


def test_serve_pty_emulated_end_to_end(elfs):
    proc = subprocess.Popen(
        [sys.executable, "-m", "tinysim", "serve", "--pty", "--platform", elfs.platform, "--elf", str(elfs["KWS01"])],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        path = proc.stdout.readline().strip()
        assert path.startswith("/dev/"), proc.stderr.read() if not path else path
        data = bytes(range(200)) + bytes(range(200)) + bytes(90)
        with SerialTransport(path, 115200) as port:
            client = DutClient(port, timeout=60, infer_timeout=120)
            assert client.name() == "tinysim"
            assert client.profile() == "kws01"
            client.load(data)
            result = client.infer(2, 1)
        assert result.raw == stub_raw(np.frombuffer(data, dtype=np.int8), 12)
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
        proc.stdout.close()
        proc.stderr.close()


# -- the real workloads: compiled model + harness + board port, against the TFLite interpreter --

MODELS = REPO / "models"


def _model_quant(model_h: Path, which: str):
    """(scale, zero point) of the model's INPUT or OUTPUT, read from the generated model.h."""
    import re

    text = model_h.read_text()
    scale = float(re.search(rf"TS_MODEL_{which}_SCALE\s+([-0-9.eE+]+)f", text).group(1))
    zero_point = int(re.search(rf"TS_MODEL_{which}_ZERO_POINT\s+\(?(-?\d+)\)?", text).group(1))
    return scale, zero_point


@pytest.mark.tflite
@pytest.mark.parametrize(
    "platform,workload",
    # ad01's 266k weights do not fit the GD32VF103's 128 KB flash (the link fails), so it is not here.
    [(p, "kws01") for p in PLATFORMS]
    + [(PLATFORM, "ad01"), ("esp32c3-devkitm", "ad01")]
    + [pytest.param(PLATFORM, w, marks=pytest.mark.slow) for w in ("ic01", "vww01")],
)
def test_real_workload_is_bit_exact_with_tflite(tmp_path, platform, workload):
    """db bytes -> th_load_tensor -> compiled model -> m-results-raw equals the interpreter's int8
    output for the same input (converted on the host as the runner does)."""
    from tinysim.compiler import compile_model
    from tinysim.compiler.interp import run_interpreter
    from tinysim.firmware.build import build_benchmark
    from tinysim.harness.datasets import input_to_model_tensor

    tflite = MODELS / f"{workload}.tflite"
    compile_model(tflite, tmp_path / "c", model_id=workload)
    elf = build_benchmark(tmp_path / "c", platform, tmp_path / f"{workload}.elf")
    rng = np.random.default_rng(2024)
    quant = None
    if workload == "kws01":
        data = rng.integers(-128, 128, 490).astype(np.int8).tobytes()
    elif workload == "ad01":
        data = rng.normal(0.0, 3.0, 640).astype("<f4").tobytes()
        quant = _model_quant(tmp_path / "c" / "model.h", "INPUT")
    else:
        size = 3072 if workload == "ic01" else 27648
        data = rng.integers(0, 256, size).astype(np.uint8).tobytes()

    client, _ = boot(elf, platform)
    assert client.profile() == workload
    client.load(data)
    result = client.infer(1, 0)
    x = input_to_model_tensor(workload, data, quant)
    expected = run_interpreter(tflite, x[None])[0]
    assert result.raw == expected.tolist()
    assert result.elapsed_us > 0
    if workload == "ad01":
        from test_dut_host import reference_mse

        out_scale, out_zp = _model_quant(tmp_path / "c" / "model.h", "OUTPUT")
        floats = np.frombuffer(data, "<f4")
        assert result.results[0] == pytest.approx(reference_mse(expected, floats, out_scale, out_zp), abs=0.0006)
    else:
        assert len(result.results) == expected.size
