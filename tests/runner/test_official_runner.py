"""The official MLCommons runner (../shared/clients/mlcommons-tiny-runner, unmodified) drives the
emulated kws01 board through `tinysim runner`, end to end, in performance and accuracy modes.

The runner's own yaml options make the runs small: a test script written to a tmp dir, and a
dataset folder made by tinysim's dataset helper. What the runner reports (its results.json) is
checked against tinysim's own protocol client driving the same firmware in-process: the same
device time per inference and the same output vectors, so a bridge that dropped, reordered or
delayed anything would fail here.
"""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinysim.cli.cmd_runner import DEFAULT_RUNNER_DIR, RUNNER_DEPENDENCIES, runner_arguments
from tinysim.harness.datasets import load_dataset, make_dataset
from tinysim.harness.protocol import DutClient
from tinysim.pipeline.emulated_transport import EmulatedTransport

REPO = Path(__file__).resolve().parents[2]
PLATFORM = "nucleo-l4r5zi"
ELF = REPO / "firmware_images" / PLATFORM / "kws01.elf"

_missing = [pip for module, pip in RUNNER_DEPENDENCIES.items() if importlib.util.find_spec(module) is None]
needs_runner = pytest.mark.skipif(
    not (DEFAULT_RUNNER_DIR / "main.py").is_file() or bool(_missing),
    reason=(f"needs the MLCommons runner in {DEFAULT_RUNNER_DIR} (../shared/clients next to the repository)"
            if not (DEFAULT_RUNNER_DIR / "main.py").is_file()
            else f"the MLCommons runner needs: pip install {' '.join(_missing)}"),
)

PERFORMANCE_SCRIPT = """\
kws01:
  name: keyword_spotting
  model: kws01
  truth_file: y_labels.csv
  script:
    - loop 5:
      - download
      - infer 4 1
"""


def run_runner(tmp_path: Path, *runner_args: str, platform: str = PLATFORM, elf: Path = ELF,
               identities=("USB 0483:374B",)) -> dict:
    """`tinysim runner` -> the runner's results.json (and results.txt text) from its session."""
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "tinysim", "runner", "--platform", platform, "--elf", str(elf),
         "--out", str(out), "--", *runner_args],
        cwd=REPO, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, f"runner failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    sessions = sorted((out / "sessions").glob("*/results.json"))
    assert len(sessions) == 1, proc.stderr
    for identity in identities:   # the ptys stood in for the device list's devices (ST-LINK DUT, ...)
        assert identity in proc.stderr
    assert "waiting for input (fast-forwarded" in proc.stderr  # serve's summary splits device time
    return {"json": json.loads(sessions[0].read_text()),
            "text": (sessions[0].parent / "results.txt").read_text()}


def direct_client() -> DutClient:
    client = DutClient(EmulatedTransport(PLATFORM, ELF), timeout=60, infer_timeout=600)
    client.wait_ready()
    return client


@needs_runner
def test_runner_performance_mode(tmp_path):
    data = tmp_path / "datasets"
    dataset = make_dataset("kws01", data / "kws01", 5, seed=3)
    script = tmp_path / "perf.yaml"
    script.write_text(PERFORMANCE_SCRIPT)
    result = run_runner(tmp_path, "--mode=p", f"--dataset_path={data}", f"--test_script={script}")
    windows = [r["infer"] for r in result["json"] if "infer" in r]
    assert len(windows) == 5
    assert "Performance results for window 5" in result["text"]
    # The runner's device-time window (m-lap-us) is tinysim's own for the same input, to within
    # what the session's history changes (the SysTick phase, the learnt flash-cache miss rates).
    client = direct_client()
    for entry, window in zip(dataset.entries[:2], windows[:2]):
        client.load(entry.windows[0])
        own = client.infer(4, 1)
        assert window["elapsed_time"] == pytest.approx(own.t2_us - own.t1_us, rel=5e-3)
        assert window["throughput"] == pytest.approx(4e6 / window["elapsed_time"])
        assert window["results"] == pytest.approx(own.results, abs=1e-3)


@needs_runner
def test_runner_accuracy_mode(tmp_path):
    data = tmp_path / "datasets"
    make_dataset("kws01", data / "kws01", 12, seed=5)  # one input per class: the runner's AUC needs all 12
    result = run_runner(tmp_path, "--mode=a", f"--dataset_path={data}")  # the stock tests_accuracy.yaml
    scored = [r for r in result["json"] if "infer" in r]
    assert len(scored) == 12
    dataset = load_dataset("kws01", data / "kws01")
    client = direct_client()
    for entry, r in zip(dataset.entries[:3], scored[:3]):
        assert r["file"] == entry.file
        client.load(entry.windows[0])
        assert r["infer"]["results"] == pytest.approx(client.infer(1, 0).results, abs=1e-3)
    top1 = 100 * np.mean([int(np.argmax(r["infer"]["results"])) == int(r["class"]) for r in scored])
    assert f"Top 1% = {top1:2.1f}" in result["text"]


def test_runner_arguments_resolve_the_runners_files(tmp_path):
    folder = tmp_path / "runner"
    folder.mkdir()
    (folder / "devices_kws_ic_vww.yaml").write_text("[]")
    (folder / "tests_performance.yaml").write_text("{}")
    args = runner_arguments(["-m", "p", "-s", "data"], tmp_path, folder, "kws01")
    assert f"--device_list={folder / 'devices_kws_ic_vww.yaml'}" in args
    assert f"--test_script={folder / 'tests_performance.yaml'}" in args
    assert f"--dataset_path={tmp_path / 'data'}" in args
    (folder / "tests_energy.yaml").write_text("{}")
    assert f"--test_script={folder / 'tests_energy.yaml'}" in runner_arguments(["--mode=e"], tmp_path, folder, "kws01")


def test_runner_refuses_a_folder_without_main_py(tmp_path, capsys):
    from tinysim.cli import main as cli_main

    assert cli_main(["runner", "--platform", PLATFORM, "--elf", str(ELF), "--runner-dir", str(tmp_path)]) == 2
    assert f"runner folder {tmp_path}: no main.py there" in capsys.readouterr().err


# Energy mode needs an energy-mode build (m-timestamp-mode-energy, a GPIO timestamp): ST's published
# KWS build for the NUCLEO-L4R5ZI-P, read from ../shared/published, and ST's own device list for it
# (the LPM01A at 3 V, the board file's vdd_v; the stock lists say 1.8 V).
ST = REPO.parent / "shared" / "published" / "mlperf-tiny-v1.3-st-nucleo-l4r5zi-p"
ENERGY_IMAGE = ST / "kws" / "KWS_l4r5zip_Energy_9600.hex"
ENERGY_DEVICES = ST / "devices_l4r5zip.yaml"
ENERGY_SCRIPT = """\
kws01:
  name: keyword_spotting
  model: kws01
  truth_file: y_labels.csv
  script:
    - loop 2:
      - download
      - infer 20 1
"""


@needs_runner
def test_runner_energy_mode_measures_the_cost_models_energy(tmp_path):
    if not ENERGY_IMAGE.is_file() or not ENERGY_DEVICES.is_file():
        pytest.skip(f"needs ST's published energy build and device list in {ST} (the steering repo's shared/ "
                    "folder next to the repository)")
    from tinysim.pipeline.emulated_dut import open_emulated

    data = tmp_path / "datasets"
    dataset = make_dataset("kws01", data / "kws01", 2, seed=7)
    script = tmp_path / "energy.yaml"
    script.write_text(ENERGY_SCRIPT)
    result = run_runner(tmp_path, "--mode=e", f"--dataset_path={data}", f"--test_script={script}",
                        f"--device_list={ENERGY_DEVICES}", platform="nucleo-l4r5zi-p", elf=ENERGY_IMAGE,
                        identities=("USB 0483:374E", "USB 0483:5740"))  # interface board, LPM01A
    text = result["text"]
    per_inference = [float(x) for x in re.findall(r"Energy/Inf\s*:\s*([\d.]+) uJ/inf", text)]
    elapsed = [float(x) for x in re.findall(r"Elapsed time\s*:\s*([\d.]+)", text)]
    assert len(per_inference) == 2 and "Median energy cost is" in text
    # The same firmware, inputs and windows costed the way bench does (SimulationMeter, between the
    # timestamp pulls), in-process. The monitor cuts its windows at its 1 ms sample boundaries: up
    # to one sample period at each end, 2 ms of the window's power over its 20 inferences.
    transport, client, meter = open_emulated("nucleo-l4r5zi-p", ENERGY_IMAGE)
    try:
        for entry, runner_uj, window_s in zip(dataset.entries, per_inference, elapsed):
            client.load(entry.windows[0])
            meter.arm()
            own = meter(client.infer(20, 1))
            own_uj = own.energy_j / 20 * 1e6
            tolerance = 2e-3 * own.avg_power_w / 20 * 1e6 + 1e-3 * own_uj
            assert runner_uj == pytest.approx(own_uj, abs=tolerance)
            assert window_s == pytest.approx(own.cycles / 120e6, abs=2e-3)
    finally:
        transport.close()
