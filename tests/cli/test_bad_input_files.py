"""Issue 13, the cases about files and numbers: each used to end in a traceback, a hang, a
silently wrong figure or a leftover file. Each now exits 2 with a message naming the file, key or
option and what to do, and leaves no partial file (full disk simulated and, as root, real)."""

import errno
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tinysim import atomic
from tinysim.cli import cmd_run, main
from tinysim.errors import TinysimError
from tinysim.harness.datasets import make_dataset
from tinysim.harness.results import Identity, Metrics, ResultRow, RunWriter, load_results

from cli_support import emulation_available

REPO = Path(__file__).resolve().parents[2]
PLATFORM = "nucleo-l4r5zi"
HELLO = REPO / "firmware_images" / "tests" / PLATFORM / "hello.elf"
RUNAWAY = REPO / "firmware_images" / "tests" / PLATFORM / "runaway.elf"
AD_ELF = REPO / "firmware_images" / PLATFORM / "ad01.elf"

needs_emulator = pytest.mark.skipif(not emulation_available() or not HELLO.is_file(),
                                    reason="needs the emulator and the prebuilt test firmware")


def fails(capsys, argv, *words):
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    for w in words:
        assert w in err, f"{w!r} not in {err!r}"
    return err


def _row(workload="ad01", **metrics):
    return ResultRow(Identity(workload, PLATFORM, "unicorn"), Metrics(**metrics))


# ---- atomic writes: a full disk keeps the previous content and leaves no temp file ------------

class _FullDisk:
    """A file object that accepts `n` bytes, then raises ENOSPC (what a full disk does)."""

    def __init__(self, f, n):
        self.f, self.n = f, n

    def write(self, data):
        if len(data) > self.n:
            self.f.write(bytes(data)[:self.n])
            self.n = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.n -= len(data)
        return self.f.write(data)

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self.f.__exit__(*exc)


def _disk_full_after(monkeypatch, n_bytes):
    """Files the atomic writer opens accept `n_bytes`, then fail with ENOSPC."""
    real = atomic.os.fdopen
    monkeypatch.setattr(atomic.os, "fdopen", lambda *a, **kw: _FullDisk(real(*a, **kw), n_bytes))


def test_atomic_write_on_a_full_disk_keeps_the_old_file(tmp_path):
    target = tmp_path / "results.json"
    target.write_text("old\n")
    with pytest.raises(TinysimError) as err:
        with atomic.atomic_file(target, "results file", "free some space") as f:
            _FullDisk(f, 10).write(b"x" * 5000)
    msg = str(err.value)
    assert str(target) in msg and "No space left on device" in msg and "previous file is kept" in msg
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


def test_atomic_write_gives_ordinary_file_modes(tmp_path):
    """mkstemp alone makes 0600; results were 0600 while profiles were 0644."""
    old = os.umask(0o022)
    try:
        atomic.write_atomic(tmp_path / "a", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o644


def test_run_results_files_are_0644(tmp_path):
    old = os.umask(0o022)
    try:
        writer = RunWriter(tmp_path, stamp="s")
        writer.add(_row(), uart_log="log\n")
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in writer.directory.iterdir()}
    assert modes == {"results.json": 0o644, "results.csv": 0o644, "ad01-uart.log": 0o644}


def test_profile_save_on_a_full_disk_keeps_the_previous_pair(hello_profile, tmp_path, monkeypatch):
    """Was: OSError from np.savez_compressed and a 4096-byte invalid .npz left behind, which then
    gave zipfile.BadZipFile tracebacks in sweep --profile and calibrate."""
    from tinysim.cost.profile import ExecutionProfile
    prof = ExecutionProfile.load(hello_profile)
    target = tmp_path / "ic01-profile-w1.npz"
    target.write_bytes(b"previous npz")
    (tmp_path / "ic01-profile-w1.json").write_text("{}")
    _disk_full_after(monkeypatch, 1000)
    with pytest.raises(TinysimError) as err:
        prof.save(target)
    monkeypatch.undo()
    assert "No space left on device" in str(err.value) and "ic01-profile-w1" in str(err.value)
    assert target.read_bytes() == b"previous npz"
    assert (tmp_path / "ic01-profile-w1.json").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ic01-profile-w1.json", "ic01-profile-w1.npz"]
    ExecutionProfile.load(hello_profile).save(target)        # with room: the new pair, readable
    assert ExecutionProfile.load(target).instructions == prof.instructions


def test_profile_save_on_a_really_full_disk(hello_profile, tiny_tmpfs):
    from tinysim.cost.profile import ExecutionProfile
    prof = ExecutionProfile.load(hello_profile)
    (tiny_tmpfs / "filler").write_bytes(b"\0" * 63_000)
    with pytest.raises(TinysimError, match="No space left on device"):
        prof.save(tiny_tmpfs / "p.npz")
    assert sorted(p.name for p in tiny_tmpfs.iterdir()) == ["filler"]


def test_truncated_profile_npz_is_a_clear_error(tmp_path, capsys):
    """The 4096-byte truncated .npz a full disk used to leave: BadZipFile tracebacks before."""
    npz = tmp_path / "p.npz"
    np.savez_compressed(npz, blocks=np.arange(100000), edges=np.zeros(1), static_hist=np.zeros((1, 1)),
                        taken_hist=np.zeros((1, 1)), regions=np.zeros(1))
    npz.write_bytes(npz.read_bytes()[:4096])
    (tmp_path / "p.json").write_text(json.dumps({"format": 1}))
    fails(capsys, ["sweep", "--profile", npz, "--platform", PLATFORM], str(npz), "not a tinysim profile",
          "--save-profile")
    meas = tmp_path / "m.json"
    meas.write_text(json.dumps([{"profile": str(npz), "cycles": 5000}]))
    fails(capsys, ["calibrate", meas, "--platform", PLATFORM, "-o", tmp_path / "o.toml"], str(npz),
          "not a tinysim profile")


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A real 64 KiB tmpfs (root only): the full disk itself, not a simulation."""
    mnt = tmp_path / "full"
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_results_on_a_really_full_disk(tiny_tmpfs):
    writer = RunWriter(tiny_tmpfs, stamp="run")
    writer.add(_row("ad01"))
    before = (writer.directory / "results.json").read_bytes()
    big = _row("kws01")
    big.windows = [{"pad": "x" * 200_000}]          # more than the whole file system
    with pytest.raises(TinysimError) as err:
        writer.add(big)
    assert "No space left on device" in str(err.value) and "--out" in str(err.value)
    assert (writer.directory / "results.json").read_bytes() == before
    assert [r.workload for r in load_results(writer.directory).rows] == ["ad01"]
    assert not [p for p in writer.directory.iterdir() if p.name.startswith(".")]


# ---- results: empty folders, bad metrics ----------------------------------------------------------

@needs_emulator
def test_failed_bench_leaves_no_empty_results_folder(tmp_path, capsys):
    images = tmp_path / "images" / PLATFORM
    images.mkdir(parents=True)
    (images / "ad01.elf").write_text("not an elf\n")
    out = tmp_path / "res"
    fails(capsys, ["bench", "--workload", "ad01", "--images", tmp_path / "images", "--out", out],
          "not an ELF")
    assert not out.exists() or list(out.iterdir()) == []


def test_run_writer_discards_only_an_empty_run(tmp_path):
    with RunWriter(tmp_path, stamp="a") as w:
        pass
    assert not w.directory.exists()
    with RunWriter(tmp_path, stamp="b") as w:
        w.add(_row())
    assert (w.directory / "results.json").is_file()


@pytest.mark.parametrize("value, words", [
    ("fast", ["metrics.latency_ms is 'fast'", "a finite number"]),
    (float("nan"), ["metrics.latency_ms is nan"]),
])
def test_compare_with_a_bad_metric(tmp_path, capsys, value, words):
    """Was TypeError in report.py."""
    a, b = RunWriter(tmp_path, stamp="a"), RunWriter(tmp_path, stamp="b")
    a.add(_row(latency_ms=10.0))
    b.add(_row(latency_ms=12.0))
    doc = json.loads((b.directory / "results.json").read_text())
    doc["results"][0]["metrics"]["latency_ms"] = value
    (b.directory / "results.json").write_text(json.dumps(doc))
    fails(capsys, ["compare", a.directory, b.directory], "results.json: results[0]", *words)


# ---- numbers: instruction budget, clocks, calibration -----------------------------------------

def test_max_instructions_beyond_64_bits(capsys):
    """Was: 2**64 + 1 wrapped to a budget of 1 ('stopped after 7 instructions')."""
    fails(capsys, ["run", HELLO, "--platform", PLATFORM, "--max-instructions", str(2**64 + 1)],
          "--max-instructions 18446744073709551617", "at most 18,446,744,073,709,551,615")


@needs_emulator
def test_sweep_clock_range_with_too_many_points(capsys):
    """Was: no cap, > 90 s building 10^8 points."""
    fails(capsys, ["sweep", HELLO, "--platform", PLATFORM, "--clock", "4MHz..120MHz:100000000"],
          "--clock", "100,000,000 points", "at most 10,000")


@needs_emulator
def test_sweep_plot_into_a_directory(tmp_path, capsys):
    """Was: writes DIR.png beside the directory, silently."""
    fails(capsys, ["sweep", HELLO, "--platform", PLATFORM, "--plot", tmp_path], f"--plot {tmp_path}",
          "is a directory", "sweep.png")
    assert not Path(f"{tmp_path}.png").exists()
    fails(capsys, ["sweep", HELLO, "--platform", PLATFORM, "--plot", tmp_path / "noext"],
          "no file type", ".png")


@pytest.fixture(scope="module")
def hello_profile(tmp_path_factory):
    if not emulation_available() or not HELLO.is_file():
        pytest.skip("needs the emulator and the prebuilt test firmware")
    out = tmp_path_factory.mktemp("prof") / "hello.npz"
    assert main(["sweep", str(HELLO), "--platform", PLATFORM, "--save-profile", str(out)]) == 0
    return out


def test_calibrate_with_measurements_that_overflow(hello_profile, tmp_path, capsys):
    """Was: exit 0 and `run_ua_per_mhz = nan` written."""
    meas = tmp_path / "m.json"
    meas.write_text(json.dumps([{"profile": str(hello_profile), "cycles": 1e308, "joules": 1e308}]))
    out = tmp_path / "o.toml"
    fails(capsys, ["calibrate", meas, "--platform", PLATFORM, "-o", out], "not finite", "nan",
          "check the measurements")
    assert not out.exists()


@pytest.mark.parametrize("text", ["[cost]\nflash_penalty_scale = nan\n",
                                  "[energy]\nrun_ua_per_mhz = inf\n",
                                  "[cost]\nflash_penalty_scale = 1e300\n",
                                  "[cost]\nbranch_refill = -2.0\n"])
def test_overlay_with_non_finite_or_absurd_values(hello_profile, tmp_path, capsys, text):
    """Was: a 300-digit latency and 'nan mJ' from sweep --overlay."""
    overlay = tmp_path / "o.toml"
    overlay.write_text(text)
    fails(capsys, ["sweep", "--profile", hello_profile, "--platform", PLATFORM, "--overlay", overlay],
          str(overlay), "not a finite number in [0, 1e+06]", "tinysim calibrate")


# ---- run: a silent spin ---------------------------------------------------------------------------

@needs_emulator
def test_run_stops_a_silent_spin_and_says_where(monkeypatch, capsys):
    """Was: runs forever by default. The watch is the real one, with smaller chunks."""
    if not RUNAWAY.is_file():
        pytest.skip(f"needs {RUNAWAY}")
    monkeypatch.setattr(cmd_run, "SPIN_CHUNK", 200_000)
    code = main(["run", str(RUNAWAY), "--platform", PLATFORM])
    out = capsys.readouterr().out
    assert code == 1
    assert "stopped: the firmware spins in main+" in out and "--max-instructions" in out
    assert "spin" in out and "runaway: spinning" in out


@needs_emulator
def test_run_watch_leaves_a_finishing_firmware_alone(capsys):
    assert main(["run", str(HELLO), "--platform", PLATFORM, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["exit"] == "halt" and "hello from" in doc["uart"]


# ---- ELF -------------------------------------------------------------------------------------------

def test_program_header_past_the_end_of_the_file(tmp_path, capsys):
    """Was: zeros loaded and reported as a firmware fault at pc=0."""
    if not HELLO.is_file():
        pytest.skip(f"needs {HELLO}")
    from elftools.elf.elffile import ELFFile
    data = bytearray(HELLO.read_bytes())
    with open(HELLO, "rb") as f:
        elf = ELFFile(f)
        phoff, phentsize = elf["e_phoff"], elf["e_phentsize"]
        first_load = next(i for i, s in enumerate(elf.iter_segments())
                          if s["p_type"] == "PT_LOAD" and s["p_filesz"])
    at = phoff + first_load * phentsize + 4           # Elf32_Phdr.p_offset
    data[at:at + 4] = (len(data) + 0x1000).to_bytes(4, "little")
    bad = tmp_path / "bad.elf"
    bad.write_bytes(bytes(data))
    fails(capsys, ["run", bad, "--platform", PLATFORM], str(bad), "malformed ELF", "past the end",
          "rebuild it")


# ---- build ------------------------------------------------------------------------------------------

def _toolchain():
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("needs arm-none-eabi-gcc")


def test_build_model_with_a_space_in_its_name(tmp_path, capsys):
    """Was: 'pass --model-id' but build had none, and empty -o / --keep-c folders left."""
    model = tmp_path / "my model.tflite"
    shutil.copy(REPO / "models" / "ad01.tflite", model)
    out, keep = tmp_path / "o" / "sub" / "x.elf", tmp_path / "kc"
    fails(capsys, ["build", "--model", model, "--platform", PLATFORM, "-o", out, "--keep-c", keep],
          "my model", "--model-id")
    assert not (tmp_path / "o").exists() and not keep.exists()


def test_build_model_id_names_the_model_the_firmware_reports(tmp_path, capsys):
    """An ELF built from kws01_official.tflite was refused by bench ('the DUT reports model
    kws01_official'): --model-id kws01 gives the firmware the workload's name."""
    _toolchain()
    model = tmp_path / "ad01_custom.tflite"
    shutil.copy(REPO / "models" / "ad01.tflite", model)
    out = tmp_path / "ad01.elf"
    assert main(["build", "--model", str(model), "--platform", PLATFORM, "-o", str(out),
                 "--model-id", "ad01", "--keep-c", str(tmp_path / "c")]) == 0
    assert "model ad01:" in capsys.readouterr().out
    assert '"ad01"' in (tmp_path / "c" / "model.h").read_text()
    fails(capsys, ["build", "--test", "hello", "--platform", PLATFORM, "--model-id", "x"],
          "--model-id", "--model")


def test_build_output_on_a_read_only_target(tmp_path, capsys, monkeypatch):
    """Was: OSError from shutil.copyfile. The target directory refuses the write (EROFS, as a
    read-only mount does); nothing is left there."""
    _toolchain()
    out_dir = tmp_path / "ro"
    out_dir.mkdir()
    real = atomic.tempfile.mkstemp

    def mkstemp(*a, **kw):
        if Path(kw.get("dir", "")) == out_dir:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real(*a, **kw)

    monkeypatch.setattr(atomic.tempfile, "mkstemp", mkstemp)
    fails(capsys, ["build", "--test", "hello", "--platform", PLATFORM, "-o", out_dir / "h.elf"],
          str(out_dir / "h.elf"), "Read-only file system")
    assert list(out_dir.iterdir()) == []


def test_build_output_on_a_full_disk_leaves_no_elf(tmp_path, capsys, tiny_tmpfs):
    """Was: a 0-byte ELF although the code promised none. A 64 KiB tmpfs, filled first."""
    _toolchain()
    (tiny_tmpfs / "filler").write_bytes(b"\0" * 60_000)
    fails(capsys, ["build", "--test", "hello", "--platform", PLATFORM, "-o", tiny_tmpfs / "h.elf"],
          str(tiny_tmpfs / "h.elf"), "No space left on device", "nothing was written")
    assert sorted(p.name for p in tiny_tmpfs.iterdir()) == ["filler"]


# ---- datasets ----------------------------------------------------------------------------------

def test_dataset_labels_with_a_utf8_bom(tmp_path):
    """Was: 'input file .../\\ufefftst_000000_0.bin does not exist'."""
    from tinysim.harness.datasets import load_dataset
    make_dataset("kws01", tmp_path / "kws01", 2, 0)
    labels = tmp_path / "kws01" / "y_labels.csv"
    labels.write_bytes(b"\xef\xbb\xbf" + labels.read_bytes())
    ds = load_dataset("kws01", tmp_path / "kws01")
    assert len(ds) == 2 and not ds.entries[0].file.startswith("\ufeff")


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_ad01_input_with_nan_or_inf(tmp_path, capsys, value):
    """Was: a numpy warning, then 'the firmware differs from TFLite' after minutes of emulation."""
    make_dataset("ad01", tmp_path / "ad01", 2, 0)
    name = (tmp_path / "ad01" / "y_labels.csv").read_text().splitlines()[1].split(",")[0]
    path = tmp_path / "ad01" / name
    x = np.frombuffer(path.read_bytes(), "<f4").copy()
    x[7] = value
    path.write_bytes(x.tobytes())
    fails(capsys, ["accuracy", "--workload", "ad01", "--dataset", tmp_path], str(path),
          "float32 value 7 (byte offset 28)", "NaN or infinite", "y_labels.csv:2")


def test_accuracy_ad01_checks_both_classes_before_emulating(tmp_path, capsys):
    """Was: found out only after emulating (37 s per file). The first file is normal."""
    make_dataset("ad01", tmp_path / "ad01", 3, 0)
    fails(capsys, ["accuracy", "--workload", "ad01", "--dataset", tmp_path, "--limit", "1",
                   "--elf", REPO / "README.md"], "y_labels.csv", "label 0",
          "AUC needs both normal (0) and anomalous (1)", "raise --limit")


# ---- verify: the prebuilt image only for the model it was built from ------------------------

def test_verify_builds_instead_of_using_the_prebuilt_image_of_another_model(tmp_path, monkeypatch, capsys):
    """Was: `verify --model X/kws01.tflite` (a different model under a workload's name) quietly ran
    the prebuilt kws01 image and reported 5/5 mismatches. The model's sha256 is now compared with
    the model the image manifest names; a different one is built from the model given."""
    from tinysim.cli.cmd_verify import resolve_image
    from tinysim.platform import load_platform
    _toolchain()
    platform = load_platform(PLATFORM)
    ours = REPO / "models" / "ad01.tflite"
    assert resolve_image(ours, platform, None) == REPO / "firmware_images" / PLATFORM / "ad01.elf"
    other = tmp_path / "x" / "ad01.tflite"          # same name, another model (kws01's bytes)
    other.parent.mkdir()
    shutil.copy(REPO / "models" / "kws01.tflite", other)
    monkeypatch.chdir(tmp_path)
    elf = resolve_image(other, platform, None)
    assert elf == Path("build") / PLATFORM / "ad01.elf" and elf.is_file()
    err = capsys.readouterr().err
    assert f"{other}: not the model the prebuilt" in err and "building an image from this model" in err
