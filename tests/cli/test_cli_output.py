"""What a person sees (issue 14, items 1-8 and 10-13): clock units, the platform's own words for
its flash timing, active vs idle time, per-inference sweeps, the ELF a profile recorded, compact
tables, µJ, --platform from the image manifest, compare headers, "wrote" lines, the sweep plot,
per-layer and per-class breakdowns, fault callers. Real prebuilt images, real emulator."""

import io
import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from tinysim import report, units
from tinysim.cli import cmd_bench, cmd_sweep, main
from tinysim.cost.profile import ExecutionProfile
from tinysim.harness.results import Identity, Metrics, Provenance, ResultRow
from tinysim.units import UnitError, parse_clocks

from cli_support import REPO, emulation_available

IMAGES = REPO / "firmware_images"
L4 = IMAGES / "tests" / "nucleo-l4r5zi"
C3 = IMAGES / "tests" / "esp32c3-devkitm"
KWS = IMAGES / "nucleo-l4r5zi" / "kws01.elf"

needs_images = pytest.mark.skipif(not (L4 / "compute.elf").is_file() or not emulation_available(),
                                  reason="needs firmware_images/ and the emulator (native counter)")


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# ---- 1. a bare --clock number is MHz; a number too big to be MHz is refused with the fix


def test_bare_clock_numbers_are_mhz():
    assert parse_clocks("120") == [120e6]
    assert parse_clocks("16,48MHz") == [16e6, 48e6]
    assert parse_clocks("4..120:3") == [4e6, 62e6, 120e6]
    assert parse_clocks("48000kHz,4.5e6Hz") == [48e6, 4.5e6]


def test_a_bare_clock_in_hz_is_refused_with_the_fix():
    with pytest.raises(UnitError, match=r"without a unit is MHz.*write the unit: 120MHz"):
        parse_clocks("120000000")


@needs_images
def test_sweep_clock_120_is_120_mhz(capsys):
    code, out, _ = run_cli(capsys, "sweep", L4 / "compute.elf", "--clock", "120", "--json")
    assert code == 0
    assert json.loads(out)["rows"][0]["clock_hz"] == 120e6


# ---- 2. the platform's own vocabulary for its flash timing


@needs_images
def test_riscv_board_says_cache_refill_not_wait_states(capsys):
    code, out, _ = run_cli(capsys, "sweep", C3 / "compute.elf", "--clock", "80")
    assert code == 0
    header = out.splitlines()[1]
    assert "refill" in header.split() and "WS" not in header.split()
    assert "refill = cache refill cycles" in out
    code, _, err = run_cli(capsys, "sweep", C3 / "compute.elf", "--clock", "200")
    assert code == 2
    assert "cache-refill table" in err and "range1" not in err and "wait-state" not in err


@needs_images
def test_stm32_board_keeps_wait_states(capsys):
    code, out, _ = run_cli(capsys, "sweep", L4 / "compute.elf", "--clock", "120")
    assert code == 0 and "WS = flash wait states" in out


# ---- 3. run: active vs idle


@needs_images
def test_run_separates_active_from_idle(capsys):
    code, out, _ = run_cli(capsys, "run", KWS, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["exit"] == "idle"
    assert doc["active_cycles"] + doc["idle_cycles"] == doc["cycles"]
    assert doc["idle_cycles"] > doc["active_cycles"] > 0   # boot: mostly waiting, little work
    assert doc["active_s"] + doc["idle_s"] == pytest.approx(doc["device_s"])
    assert doc["device_mips"] > 10                          # instructions over active time
    code, out, _ = run_cli(capsys, "run", KWS)
    assert "device time, active" in out and "device time, idle" in out and "device MIPS" in out


# ---- 4. per-inference sweeps; profile --profile finds the ELF it recorded


@pytest.fixture
def whole_run_profile(tmp_path, capsys):
    if not (L4 / "compute.elf").is_file() or not emulation_available():
        pytest.skip("needs firmware_images/ and the emulator")
    elf = tmp_path / "compute.elf"
    shutil.copy(L4 / "compute.elf", elf)
    saved = tmp_path / "run.npz"
    code, _, err = run_cli(capsys, "sweep", elf, "--platform", "nucleo-l4r5zi", "--save-profile", saved)
    assert code == 0 and f"wrote {saved}" in err
    return elf, saved


def test_sweep_of_a_window_of_n_inferences_is_per_inference(whole_run_profile, tmp_path, capsys):
    _, saved = whole_run_profile
    one = json.loads(run_cli(capsys, "sweep", "--profile", saved, "--json")[1])["rows"][0]
    profile = ExecutionProfile.load(saved)
    profile.meta["inferences"] = 4
    four_path = profile.save(tmp_path / "four.npz")
    doc = json.loads(run_cli(capsys, "sweep", "--profile", four_path, "--json")[1])
    assert doc["inferences"] == 4 and doc["per"] == "inference"
    four = doc["rows"][0]
    for key in ("cycles", "seconds", "joules", "instructions"):
        assert four[key] == pytest.approx(one[key] / 4), key
    assert four["avg_power_w"] == pytest.approx(one["avg_power_w"])
    text = run_cli(capsys, "sweep", "--profile", four_path)[1]
    assert "the window ran 4" in text


def test_profile_names_functions_from_the_recorded_elf(whole_run_profile, capsys):
    elf, saved = whole_run_profile
    code, out, _ = run_cli(capsys, "profile", "--profile", saved)   # no ELF, no --platform
    assert code == 0
    assert f"symbols from {elf.resolve()}" in out and " main" in out
    elf.unlink()
    code, out, _ = run_cli(capsys, "profile", "--profile", saved)
    assert code == 0 and "is gone: give the ELF" in out and "0x080" in out


# ---- 5. sweep: one line per clock, the memory fit once per size


@needs_images
def test_sweep_table_is_compact(capsys):
    code, out, _ = run_cli(capsys, "sweep", L4 / "compute.elf", "--clock", "16,48,120",
                           "--sram", "640KiB,1KiB")
    assert code == 0
    lines = out.splitlines()
    assert len([line for line in lines if line.lstrip().startswith(("16 MHz", "48 MHz", "120 MHz"))]) == 3
    assert len([line for line in lines if line.startswith(("640 KiB", "1 KiB"))]) == 2
    assert out.count("DOES NOT FIT") == 1


# ---- 6. models list fits 80 columns and has --json


def test_models_list_fits_80_columns_and_has_json(capsys, monkeypatch):
    buf = io.StringIO()
    monkeypatch.setattr(report, "console", lambda stderr=False: Console(file=buf, width=80))
    assert main(["models", "list"]) == 0
    text = buf.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    for model in ("ad01", "ic01", "kws01", "vww01"):
        assert model in text
    assert "…" not in text   # wrapped, not cut
    capsys.readouterr()
    assert main(["models", "list", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["models"]) >= {"ad01", "kws01"} and doc["mismatches"] == []
    assert "sha256" in doc["models"]["kws01"]


# ---- 7. µJ, with an ASCII fallback; one precision per column


def test_micro_sign_falls_back_to_ascii():
    class Ascii(io.StringIO):
        encoding = "ascii"

    class Utf8(io.StringIO):
        encoding = "utf-8"
    assert units.micro(Ascii()) == "u" and units.micro(Utf8()) == "µ"


def test_one_precision_per_column():
    cells = report.column([49.03169, 1472.4, 5.5])
    assert len({c.split(".")[1].__len__() for c in cells}) == 1
    assert report.column([None, 2.0]) == ["-", "2.000"]


# ---- 8. --platform from the image manifest


@needs_images
def test_platform_comes_from_the_image_manifest(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "run", C3 / "hello.elf")
    assert code == 0 and "esp32c3-devkitm" in out
    lone = tmp_path / "hello.elf"
    shutil.copy(C3 / "hello.elf", lone)
    code, _, err = run_cli(capsys, "run", lone)
    assert code == 2 and "--platform is needed" in err and "no manifest.json" in err
    assert "Traceback" not in err


# ---- 10. compare names the boards and --quick


def _row(platform, quick):
    return ResultRow(Identity("kws01", platform, "unicorn", elf_sha256="aa"),
                     Metrics(latency_ms=50.0, energy_uj=2000.0), Provenance(quick=quick))


def test_compare_header_names_platform_and_quick():
    buf = io.StringIO()
    Console(file=buf, width=200, color_system=None).print(
        report.compare_table([_row("nucleo-l4r5zi", True)], [_row("esp32c3-devkitm", False)], "runA", "runB"))
    text = buf.getvalue()
    assert "A = runA (nucleo-l4r5zi; --quick)" in text and "B = runB (esp32c3-devkitm; full run)" in text


# ---- 11. every written file is announced


def test_collapsed_and_plot_say_what_they_wrote(whole_run_profile, tmp_path, capsys):
    _, saved = whole_run_profile
    pytest.importorskip("matplotlib")
    collapsed, png = tmp_path / "stacks.txt", tmp_path / "sweep.png"
    code, _, err = run_cli(capsys, "profile", "--profile", saved, "--collapsed", collapsed)
    assert code == 0 and f"wrote {collapsed}" in err and collapsed.is_file()
    code, _, err = run_cli(capsys, "sweep", "--profile", saved, "--clock", "16,120", "--plot", png)
    assert code == 0 and f"wrote {png}" in err and png.read_bytes()[:4] == b"\x89PNG"


# ---- 12. the sweep plot


def test_sweep_plot_is_readable():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    rows = [{"clock_hz": mhz * 1e6, "wait_states": ws, "seconds": 6e6 / (mhz * 1e6),
             "joules": 2e-3, "sram": None, "flash": None}
            for mhz, ws in ((16, 0), (48, 2), (120, 5))]
    fig = cmd_sweep.figure(rows, "kws01 on nucleo-l4r5zi")
    try:
        ax = fig.axes[0]
        assert ax.get_title() == "kws01 on nucleo-l4r5zi"
        assert ax.get_yscale() == "log"
        assert ax.get_legend() is not None and len(ax.get_legend().get_texts()) == 2
        assert any(line.get_visible() for line in ax.get_xgridlines())
        labels = [t for t in ax.texts if "WS" in t.get_text()]
        assert [t.get_text() for t in labels] == ["2 WS", "5 WS"]
        assert all(t.get_position()[1] > 1.0 for t in labels)   # above the plot, not on a marker
    finally:
        plt.close(fig)


# ---- 13. per-layer and per-class breakdowns, bench progress, fault callers


@needs_images
def test_profile_layers_add_up_to_the_inference(capsys):
    pytest.importorskip("capstone")
    if not KWS.is_file():
        pytest.skip("needs firmware_images/nucleo-l4r5zi/kws01.elf")
    code, out, err = run_cli(capsys, "profile", KWS, "--layers", "--json")
    assert code == 0, err
    doc = json.loads(out)
    layers = doc["layers"]
    assert [layer["label"].split()[2] for layer in layers[:2]] == ["CONV_2D", "DEPTHWISE_CONV_2D"]
    assert layers[-1]["kernel"] == "ts_softmax"             # reached by a tail call
    assert sum(layer["cycles"] for layer in layers) + doc["outside_layers_cycles"] == doc["window_cycles"]
    assert doc["outside_layers_cycles"] < 0.05 * doc["window_cycles"]
    assert all(layer["cycles"] > 0 and layer["macs"] for layer in layers
               if "CONV" in layer["label"])
    code, out, _ = run_cli(capsys, "profile", KWS, "--layers")
    assert "op 0 CONV_2D" in out and "total" in out and "cyc/MAC" in out


def test_profile_text_has_the_instruction_classes(whole_run_profile, capsys):
    _, saved = whole_run_profile
    code, out, _ = run_cli(capsys, "profile", "--profile", saved)
    assert code == 0 and "instruction class" in out and "ALU" in out


def test_bench_eta_note():
    assert cmd_bench.eta_note(60.0, 1, 4) == "; about 3 min left for 3 more workloads"
    assert cmd_bench.eta_note(40.0, 2, 3) == "; about 20 s left for 1 more workload"
    assert cmd_bench.eta_note(40.0, 3, 3) == ""


@needs_images
def test_fault_report_names_the_caller(capsys):
    code, out, _ = run_cli(capsys, "run", C3 / "fault_unmapped.elf")
    assert code == 1
    assert "at main+0x" in out and "called from main+0x" in out


def test_older_window_profiles_give_their_count_by_name():
    from tinysim.pipeline.profiles import inferences_in

    class Meta:
        def __init__(self, meta):
            self.meta = meta
    assert inferences_in(Meta({"window": "infer 202 0"})) == 202       # a bench window, before meta
    assert inferences_in(Meta({"window": "infer 1 0 (kws01, random input seed 0)"})) == 1
    assert inferences_in(Meta({"window": "whole run"})) == 1
    assert inferences_in(Meta({"window": "infer 202 0", "inferences": 7})) == 7


def test_titles_name_the_workload():
    assert report.workload_of({"window": "infer 1 0 (kws01, random input seed 0)"}) == "kws01"
    assert report.workload_of({"window": "infer 210 1", "elf": "/x/firmware_images/b/vww01.elf"}) == "vww01"
    assert report.workload_of({"window": "whole run"}, "fw/compute.elf") == "compute"


@needs_images
def test_profile_takes_an_intel_hex_image(tmp_path, capsys):
    """A vendor's build comes as Intel HEX without symbols: `profile` emulates it like an ELF and
    names its blocks by address, saying why."""
    objcopy = shutil.which("arm-none-eabi-objcopy")
    if objcopy is None:
        pytest.skip("arm-none-eabi-objcopy not found (install the Debian package binutils-arm-none-eabi)")
    import subprocess
    image = tmp_path / "ad01.hex"
    subprocess.run([objcopy, "-O", "ihex", str(IMAGES / "nucleo-l4r5zi" / "ad01.elf"), str(image)],
                   check=True)
    code, out, _ = run_cli(capsys, "profile", "--platform", "nucleo-l4r5zi", "--window", "infer",
                           str(image))
    assert code == 0
    assert "carries no symbols (Intel HEX or raw binary): blocks are named by address" in out
    assert "ad01 on nucleo-l4r5zi" in out and " 0x080" in out
    # its saved profile re-costs by itself: `sweep` records the image, `profile` reads it back
    saved = tmp_path / "ad01.npz"
    code, out, _ = run_cli(capsys, "sweep", "--platform", "nucleo-l4r5zi", "--save-profile",
                           str(saved), str(image))
    assert code == 0 and "ad01 on nucleo-l4r5zi" in out
    code, out, _ = run_cli(capsys, "sweep", "--platform", "nucleo-l4r5zi", "--sram", "128K",
                           str(image))
    assert code != 0
    code, out, _ = run_cli(capsys, "profile", "--profile", str(saved))
    assert code == 0
    assert f"the profile's image {image} carries no symbols" in out and " 0x080" in out


def test_a_closed_pipe_ends_quietly():
    """`tinysim ... | head`: the reader closes the pipe; the command stops with the shell's
    SIGPIPE status and no traceback."""
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, "-m", "tinysim", "published", "list"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    proc.stdout.close()   # before it writes anything: every write fails with EPIPE
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and err == ""
