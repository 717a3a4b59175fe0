"""Bad input through `tinysim.cli.main`: every case exits 2 with a message naming the file, option
or field and what to do, and no Python traceback. Most cases used to escape as a raw exception
or be silently ignored; the rest had a message that named the wrong thing. Ctrl-C: exit 130,
finished results kept, no traceback."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tinysim.cli import main

from cli_support import emulation_available, sigint_default

REPO = Path(__file__).resolve().parents[2]
PLATFORM = "nucleo-l4r5zi"
KWS_ELF = REPO / "firmware_images" / PLATFORM / "kws01.elf"
AD_ELF = REPO / "firmware_images" / PLATFORM / "ad01.elf"
RV_ELF = REPO / "firmware_images" / "esp32c3-devkitm" / "kws01.elf"
HELLO = REPO / "firmware_images" / "tests" / PLATFORM / "hello.elf"

needs_emulator = pytest.mark.skipif(not emulation_available(),
                                    reason="the emulator (tinysim.emu) is not available")


def needs(*paths):
    missing = [str(p) for p in paths if not Path(p).is_file()]
    if missing:
        pytest.skip(f"needs the prebuilt images {missing}: tinysim build --prebuilt-tests / "
                    "firmware/images")


def fails(capsys, argv, *words):
    """Run argv; assert exit 2, each word in the error message, and no traceback."""
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    for w in words:
        assert w in err, f"{w!r} not in {err!r}"
    return err


# ---- platform files -----------------------------------------------------------------------------

def test_platform_path_that_is_a_directory(tmp_path, capsys):
    needs(HELLO)
    fails(capsys, ["run", HELLO, "--platform", tmp_path], str(tmp_path),
          "cannot read platform file", "Is a directory", "board TOML")


def test_platform_file_that_is_binary(tmp_path, capsys):
    needs(HELLO)
    board = tmp_path / "board.toml"
    board.write_bytes(b"\x00\x90\xff" * 40)
    fails(capsys, ["run", HELLO, "--platform", board], str(board), "not a text file", "board TOML")


def test_platform_missing_table_and_wrong_kind(tmp_path, capsys):
    needs(HELLO)
    boards, socs = tmp_path / "boards", tmp_path / "socs"
    boards.mkdir()
    socs.mkdir()
    for soc in (REPO / "platforms" / "socs").glob("*.toml"):
        (socs / soc.name).write_text(soc.read_text())
    text = (REPO / "platforms" / "boards" / PLATFORM / f"{PLATFORM}.toml").read_text()
    no_console = boards / "no_console.toml"
    no_console.write_text(text.replace("[console]", "[console_typo]"))
    fails(capsys, ["run", HELLO, "--platform", no_console], str(no_console), "console: missing",
          "add it")
    bad_vdd = boards / "bad_vdd.toml"
    bad_vdd.write_text(text.replace("vdd_v = 3.0", 'vdd_v = "three"'))
    err = fails(capsys, ["run", HELLO, "--platform", bad_vdd], "energy.vdd_v", "expected a number")
    assert "<class" not in err


# ---- firmware -----------------------------------------------------------------------------------

def test_truncated_elf_says_truncated(tmp_path, capsys):
    needs(KWS_ELF)
    elf = tmp_path / "cut.elf"
    elf.write_bytes(KWS_ELF.read_bytes()[:100])
    fails(capsys, ["run", elf, "--platform", PLATFORM], str(elf), "malformed ELF",
          "truncated or corrupt", "rebuild")


@needs_emulator
def test_run_input_with_a_broken_escape(capsys):
    needs(HELLO)
    fails(capsys, ["run", HELLO, "--platform", PLATFORM, "--input", "\\x"], "--input",
          "truncated \\xXX escape", "--input-file")
    fails(capsys, ["run", HELLO, "--platform", PLATFORM, "--input", "\\u1234"], "--input",
          "--input-file")


# ---- numeric options, checked by the dispatcher before anything runs ------------------------------

@pytest.mark.parametrize("argv, words", [
    (["run", "FW", "--platform", PLATFORM, "--max-instructions", "-5"],
     ["--max-instructions -5", "at least 1"]),
    (["sweep", "FW", "--platform", PLATFORM, "--max-instructions", "0"],
     ["--max-instructions 0", "at least 1"]),
    (["profile", "FW", "--platform", PLATFORM, "--top", "-3"], ["--top -3", "at least 1"]),
    (["bench", "--quick", "--workload", "ad01", "--seed", "-1"], ["--seed -1", "0 or more"]),
    (["verify", "--model", "models/ad01.tflite", "--seed", "-1"], ["--seed -1", "0 or more"]),
    (["hw", "--port", "/dev/nonexistent", "--elf", "FW", "--baud", "0"], ["--baud 0", "at least 1"]),
    (["hw", "--port", "/dev/nonexistent", "--elf", "FW", "--timeout", "-1"], ["--timeout -1.0", "above 0"]),
    (["accuracy", "--workload", "kws01", "--dataset", "nope", "--limit", "0"], ["--limit 0", "at least 1"]),
])
def test_numeric_options_out_of_range(argv, words, capsys):
    fails(capsys, [str(HELLO) if a == "FW" else a for a in argv], *words)


# ---- cost: clocks, sizes, profiles, overlays, calibration -----------------------------------------

@needs_emulator
@pytest.mark.parametrize("clock, words", [
    ("1.2.3MHz", ["--clock", "cannot read clock '1.2.3MHz'"]),
    ("0", ["--clock", "must be above 0 Hz"]),
    ("4MHz..120MHz:-3", ["--clock", "count of at least 1"]),
])
def test_sweep_bad_clock(clock, words, capsys):
    needs(HELLO)
    fails(capsys, ["sweep", HELLO, "--platform", PLATFORM, f"--clock={clock}"], *words)


@needs_emulator
def test_sweep_plot_and_profile_into_unwritable_places(tmp_path, capsys):
    needs(HELLO)
    fails(capsys, ["sweep", HELLO, "--platform", PLATFORM, "--plot", tmp_path / "no" / "x.png"],
          "--plot", "x.png", "cannot write the plot", "choose another path")
    fails(capsys, ["sweep", HELLO, "--platform", PLATFORM, "--plot", tmp_path / "x.xyz"],
          "--plot", "x.xyz", "not supported", ".png")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    fails(capsys, ["sweep", HELLO, "--platform", PLATFORM, "--save-profile", blocker / "p.npz"],
          "--save-profile", "cannot write the profile")
    fails(capsys, ["profile", HELLO, "--platform", PLATFORM, "--collapsed", tmp_path / "no" / "c.txt"],
          "--collapsed", "c.txt", "cannot write")


def test_profile_that_is_not_an_npz(tmp_path, capsys):
    npz = tmp_path / "p.npz"
    npz.write_text("not an archive\n")
    (tmp_path / "p.json").write_text(json.dumps({"format": 1}))
    err = fails(capsys, ["sweep", "--profile", npz, "--platform", PLATFORM], str(npz),
                "not a tinysim profile", "not a NumPy .npz archive", "--save-profile")
    assert "allow_pickle" not in err


def test_profile_sidecar_json_that_is_not_an_object(tmp_path, capsys):
    npz = tmp_path / "p.npz"
    np.savez(npz, blocks=np.zeros(1), edges=np.zeros(1), static_hist=np.zeros((1, 1)),
             taken_hist=np.zeros((1, 1)), regions=np.zeros(1))
    (tmp_path / "p.json").write_text("[1, 2]")
    fails(capsys, ["sweep", "--profile", npz, "--platform", PLATFORM], "p.json",
          "not a tinysim profile", "record the profile again")


@pytest.mark.parametrize("content", [None, b"\xff\xfe\x00binary"])
def test_overlay_that_is_a_directory_or_binary(tmp_path, capsys, content):
    overlay = tmp_path / "overlay.toml"
    if content is None:
        overlay.mkdir()
        words = ["cannot read overlay", "Is a directory"]
    else:
        overlay.write_bytes(content)
        words = ["not a text file", "tinysim calibrate"]
    fails(capsys, ["sweep", "--profile", tmp_path / "none.npz", "--platform", PLATFORM,
                   "--overlay", overlay], str(overlay), *words)


@pytest.fixture(scope="module")
def recorded_profile(tmp_path_factory):
    if not emulation_available() or not HELLO.is_file():
        pytest.skip("needs the emulator and the prebuilt test firmware")
    out = tmp_path_factory.mktemp("prof") / "hello.npz"
    assert main(["sweep", str(HELLO), "--platform", PLATFORM, "--save-profile", str(out)]) == 0
    return out


def test_calibrate_measurements_that_are_a_directory(tmp_path, capsys):
    fails(capsys, ["calibrate", tmp_path, "--platform", PLATFORM, "-o", tmp_path / "o.toml"],
          str(tmp_path), "cannot read measurements", "JSON file")


@pytest.mark.parametrize("item, words", [
    ({"cycles": "many"}, ["'cycles' must be a positive number", "'many'"]),
    ({"cycles": -5}, ["'cycles' must be a positive number", "-5"]),
    ({"cycles": 1e6, "joules": "x"}, ["'joules' must be a positive number"]),
    ({"cycles": 1e6, "clock_hz": "fast"}, ["'clock_hz' must be a positive number"]),
    ({"cycles": 1e6, "profile": 5}, ["'profile' must be a path string"]),
])
def test_calibrate_bad_measurement_fields(recorded_profile, tmp_path, capsys, item, words):
    meas = tmp_path / "m.json"
    meas.write_text(json.dumps([{"profile": str(recorded_profile), **item}]))
    fails(capsys, ["calibrate", meas, "--platform", PLATFORM, "-o", tmp_path / "o.toml"],
          f"{meas}: measurement 0", *words)


def test_calibrate_output_that_is_a_directory(recorded_profile, tmp_path, capsys):
    meas = tmp_path / "m.json"
    meas.write_text(json.dumps([{"profile": str(recorded_profile), "cycles": 5000}]))
    fails(capsys, ["calibrate", meas, "--platform", PLATFORM, "-o", tmp_path],
          str(tmp_path), "cannot write the overlay", "-o")


# ---- models, verify, hw ---------------------------------------------------------------------------

def test_verify_model_that_is_a_directory(tmp_path, capsys):
    fails(capsys, ["verify", "--model", tmp_path, "--inputs", "1"], str(tmp_path),
          "is a directory", ".tflite")


@needs_emulator
@pytest.mark.tflite
def test_verify_with_the_elf_of_another_model(capsys):
    needs(AD_ELF)
    fails(capsys, ["verify", "--model", REPO / "models" / "kws01.tflite", "--elf", AD_ELF,
                   "--inputs", "1"],
          str(AD_ELF), "runs model 'ad01'", "takes 490 values", "tinysim build --model")


@pytest.mark.parametrize("argv", [["fetch", "--dest"], ["generate", "--out"]])
def test_models_output_directory_that_is_a_file(tmp_path, capsys, argv):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    fails(capsys, ["models", *argv, blocker, "--only", "ad01"], f"{argv[1]} {blocker}",
          "is a file, not a directory")
    fails(capsys, ["models", *argv, blocker / "sub", "--only", "ad01"], f"{blocker} is a file")


def test_hw_checks_the_elf_before_flashing_or_measuring(tmp_path, capsys):
    """A pseudo-terminal with nothing behind it stands for the board: the port opens, and the ELF
    (which is simulated only after the board run) must be judged before any protocol exchange."""
    needs(RV_ELF)
    text = tmp_path / "fw.elf"
    text.write_text("hello\n")
    master, slave = os.openpty()
    try:
        port = os.ttyname(slave)
        fails(capsys, ["hw", "--port", port, "--elf", text, "--timeout", "1"], str(text),
              "not an ELF file")
        fails(capsys, ["hw", "--port", port, "--elf", RV_ELF, "--timeout", "1"], str(RV_ELF),
              "built for rv32", PLATFORM, "--platform")
    finally:
        os.close(master)
        os.close(slave)


# ---- build ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, words", [
    (["--list", "--platform", "nosuch"], ["--list covers every port", "no --platform"]),
    (["--prebuilt-tests", "--platform", PLATFORM], ["--prebuilt-tests covers every port", "--test NAME"]),
    (["--test", "hello", "--platform", PLATFORM, "--keep-c", "kc"], ["--keep-c", "--model"]),
])
def test_build_options_that_would_be_ignored(argv, words, capsys):
    fails(capsys, ["build", *argv], *words)


@pytest.mark.parametrize("what", [["--test", "hello"], ["--model", str(REPO / "models" / "ad01.tflite")]])
def test_build_output_path_that_cannot_be_written(tmp_path, capsys, what):
    fails(capsys, ["build", *what, "--platform", PLATFORM, "-o", tmp_path], f"-o {tmp_path}",
          "is a directory", ".elf")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    fails(capsys, ["build", *what, "--platform", PLATFORM, "-o", blocker / "x.elf"],
          f"{blocker} is a file, not a directory")


def test_accuracy_elf_that_is_a_directory(tmp_path, capsys):
    from tinysim.harness.datasets import make_dataset
    make_dataset("kws01", tmp_path / "ds" / "kws01", 1, 0)
    fails(capsys, ["accuracy", "--workload", "kws01", "--dataset", tmp_path / "ds", "--elf", tmp_path],
          f"--elf {tmp_path}", "is a directory", ".elf")


def test_dataset_labels_that_are_a_directory(tmp_path, capsys):
    (tmp_path / "kws01" / "y_labels.csv").mkdir(parents=True)
    fails(capsys, ["accuracy", "--workload", "kws01", "--dataset", tmp_path, "--limit", "1"],
          "y_labels.csv is not a file", "label CSV")


# ---- Ctrl-C ----------------------------------------------------------------------------------------

def test_bench_interrupted_keeps_finished_workloads(tmp_path):
    """SIGINT mid-run (during the second workload): exit 130, a one-line 'interrupted' message
    naming where the finished workload's results are, and those results on disk."""
    needs(AD_ELF, REPO / "firmware_images" / PLATFORM / "vww01.elf")
    out = tmp_path / "res"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tinysim", "bench", "--workload", "ad01", "vww01", "--jobs", "1",
         "--min-window-s", "0.05", "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)}, preexec_fn=sigint_default)
    seen = []
    try:
        for line in proc.stderr:
            seen.append(line)
            if "] vww01: " in line and "done" not in line:   # bench's "[2/2] vww01: <elf>" line
                time.sleep(1.0)            # inside vww01: 5 windows x 10 inferences, ~12 s of device time
                proc.send_signal(signal.SIGINT)
                break
        _, rest = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    err = "".join(seen) + rest
    if "vww01: done" in err:
        pytest.skip("vww01 finished before the signal arrived (a very fast machine)")
    assert proc.returncode == 130, err
    assert "tinysim bench: interrupted" in err and "Traceback" not in err
    assert "Exception ignored" not in err
    run_dir = next(out.iterdir())
    assert f"kept in {run_dir}" in err
    doc = json.loads((run_dir / "results.json").read_text())
    assert [r["identity"]["workload"] for r in doc["results"]] == ["ad01"]


@needs_emulator
def test_run_interrupted_says_where_the_firmware_was():
    """Ctrl-C on a spinning firmware: exit 130 and the function it spun in, no traceback. The
    spin watch is off (--max-instructions): on the patched engine it ends this firmware's run by
    itself in under half a second, before the Ctrl-C lands."""
    runaway = REPO / "firmware_images" / "tests" / PLATFORM / "runaway.elf"
    needs(runaway)
    proc = subprocess.Popen([sys.executable, "-m", "tinysim", "run", str(runaway), "--platform", PLATFORM,
                             "--max-instructions", str(10**15)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, preexec_fn=sigint_default)
    try:
        assert "spinning" in proc.stdout.readline()
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "stopped by Ctrl-C in main" in err and "--max-instructions" in err
    assert "tinysim run: interrupted" in err and "Traceback" not in err


def test_interrupt_swallowed_by_a_c_callback_is_delivered_again():
    """Ctrl-C landing inside a ctypes callback (as inside the emulator's hooks) is swallowed by
    ctypes; the dispatcher's guard sends it again, so it reaches ordinary code, quietly."""
    import ctypes
    import ctypes.util

    from tinysim.cli import _Interrupts

    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    compare_t = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))
    fired = []

    def compare(a, b):
        if not fired:
            fired.append(True)
            signal.raise_signal(signal.SIGINT)   # handled right here, inside the C call
        return a[0] - b[0]

    values = (ctypes.c_int * 64)(*range(64, 0, -1))
    returned = []
    with _Interrupts() as guard:
        if guard._previous_handler is None:
            pytest.skip("SIGINT is ignored in this process (started without job control)")
        with pytest.raises(KeyboardInterrupt):
            libc.qsort(values, len(values), ctypes.sizeof(ctypes.c_int), compare_t(compare))
            returned.append(True)                       # qsort went on: the first one was lost
            for _ in range(100):                        # the second delivery arrives here
                time.sleep(0.05)
    assert guard.seen and fired and returned
