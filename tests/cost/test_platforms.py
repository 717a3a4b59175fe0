"""The cost model on the real board files, and the sweep/profile/calibrate commands end to end."""

import json

import pytest

from tinysim.cli import main
from tinysim.cost import BlockCoster, estimate, flash_penalties, wait_states
from tinysim.cost.synthetic import synthetic_profile
from tinysim.platform import load_platform


@pytest.fixture(scope="module")
def l4r5():
    return load_platform("nucleo-l4r5zi")


@pytest.mark.parametrize("mhz,ws", [(16, 0), (48, 2), (80, 3), (120, 5)])
def test_l4r5_wait_states(l4r5, mhz, ws):
    assert wait_states(l4r5, mhz * 1e6) == ws
    assert l4r5.with_overrides(clock_hz=mhz * 10**6).wait_states == ws  # the loader agrees


def test_l4r5_counter_penalties(l4r5):
    # 5 WS at 120 MHz; 128-bit lines: a prefetch hit hides 16/4 = 4 of the 5 cycles.
    assert flash_penalties(l4r5) == (5, 1, 5)
    assert flash_penalties(l4r5.with_overrides(clock_hz=16 * 10**6)) == (0, 0, 0)


@pytest.mark.parametrize("board", ["nucleo-l4r5zi", "gd32vf103-longan", "esp32c3-devkitm"])
def test_every_board_has_a_timing_preset(board):
    from tinysim.errors import PlatformError

    try:
        p = load_platform(board)
    except PlatformError as err:  # a board whose peripheral models are not written yet
        if "unknown peripheral model" not in str(err):
            raise
        pytest.skip(f"{board} does not load yet: {err}")
    coster = BlockCoster(p)
    nop = bytes.fromhex("00bf") if p.core.arch == "armv7m" else bytes.fromhex("0100")
    assert coster.describe(nop, p.memories[0].base).n_insns == 1
    flash_penalties(p)


@pytest.fixture
def saved_profile(tmp_path):
    return synthetic_profile(300, seed=7).save(tmp_path / "run.npz")


def test_sweep_command_json(capsys, l4r5, saved_profile):
    assert main(["sweep", "--platform", "nucleo-l4r5zi", "--profile", str(saved_profile),
                 "--clock", "16MHz,48MHz,120MHz", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = out["rows"]
    assert [r["wait_states"] for r in rows] == [0, 2, 5]
    from tinysim.cost import ExecutionProfile
    est = estimate(ExecutionProfile.load(saved_profile), l4r5)
    assert rows[-1]["cycles"] == est.cycles and rows[-1]["joules"] == pytest.approx(est.joules)
    prov = out["provenance"]
    assert prov["timing_preset"] == "cortex-m4" and prov["timing_params"]["div_cycles"] == 7
    assert prov["energy"]["vdd_v"] == l4r5.energy.vdd_v


def test_sweep_command_table_memory_and_plot(capsys, tmp_path, elf, saved_profile):
    png = tmp_path / "sweep.png"
    assert main(["sweep", str(elf), "--platform", "nucleo-l4r5zi", "--profile",
                 str(saved_profile), "--clock", "80MHz,120MHz", "--sram", "640KiB,64KiB",
                 "--plot", str(png)]) == 0
    text = capsys.readouterr().out
    assert "sram1 (sram): needs 97.7 KiB, has 64 KiB - DOES NOT FIT" in text
    # one timing line per clock, one fit line per memory size (the fit does not depend on the clock)
    assert len([line for line in text.splitlines() if line.lstrip().startswith(("80 MHz", "120 MHz"))]) == 2
    fits = [line.split()[-1] for line in text.splitlines() if "KiB" in line and "platform" in line]
    assert fits == ["yes", "NO"]
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_sweep_errors_are_user_errors(capsys, saved_profile):
    assert main(["sweep", "--platform", "nucleo-l4r5zi", "--profile", str(saved_profile),
                 "--clock", "150MHz"]) == 2
    assert "150 MHz is above" in capsys.readouterr().err
    assert main(["sweep", "--platform", "nucleo-l4r5zi", "--profile", "nope.npz"]) == 2
    assert "nope.npz: profile file not found" in capsys.readouterr().err


def test_profile_command(capsys, tmp_path, saved_profile):
    collapsed = tmp_path / "stacks.txt"
    assert main(["profile", "--platform", "nucleo-l4r5zi", "--profile", str(saved_profile),
                 "--top", "5", "--collapsed", str(collapsed)]) == 0
    text = capsys.readouterr().out
    assert "cycles" in text and "CPI" in text and "more functions" in text
    lines = collapsed.read_text().splitlines()
    assert len(lines) == 301 and all(int(line.split()[-1]) > 0 for line in lines)
    assert any(line.startswith("<flash_data_misses> ") for line in lines)  # not in any block


def test_calibrate_command(capsys, tmp_path, l4r5):
    items = []
    for k, mhz in enumerate((48, 120)):
        prof = synthetic_profile(200, seed=k)
        path = prof.save(tmp_path / f"p{k}.npz")
        est = estimate(prof, l4r5.with_overrides(clock_hz=mhz * 10**6),
                       {"branch_refill": 2, "flash_penalty_scale": 0.5})
        items.append({"profile": path.name, "cycles": est.cycles, "joules": est.joules * 1.1,
                      "clock_hz": mhz * 10**6})
    (tmp_path / "m.json").write_text(json.dumps(items))
    overlay = tmp_path / "overlay.toml"
    assert main(["calibrate", str(tmp_path / "m.json"), "--platform", "nucleo-l4r5zi",
                 "-o", str(overlay)]) == 0
    text = overlay.read_text()
    assert "[cost]" in text and "branch_refill = 2.0" in text and "[energy]" in text
    # the overlay is applied by --overlay
    assert main(["sweep", "--platform", "nucleo-l4r5zi", "--profile", str(tmp_path / "p1.npz"),
                 "--overlay", str(overlay), "--json"]) == 0
    capsys.readouterr()
