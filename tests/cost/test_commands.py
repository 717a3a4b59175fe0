"""The sweep / profile / calibrate building blocks on a real cross-compiled ELF and profiles."""

import json

import numpy as np
import pytest

from tinysim.cli import cmd_calibrate, cmd_sweep
from tinysim.cost import BlockCoster, ExecutionProfile, estimate
from tinysim.cost.attribution import DATA_MISSES, by_function, collapsed_stacks
from tinysim.cost.calibrate import fit, load_measurements
from tinysim.cost.footprint import footprint
from tinysim.cost.overlay import read_overlay, write_overlay
from tinysim.cost.profile import BLOCK_DTYPE, EDGE_DTYPE
from tinysim.cost.synthetic import synthetic_profile
from tinysim.units import parse_clocks, parse_size
from tinysim.errors import TinysimError

def _elf_profile(elf, platform):
    """A profile whose blocks are the real code of main and work (costed by BlockCoster)."""
    from elftools.elf.elffile import ELFFile

    with open(elf, "rb") as fh:
        e = ELFFile(fh)
        text = e.get_section_by_name(".text")
        base, code = text["sh_addr"], text.data()
        syms = {s.name: (s["st_value"] & ~1, s["st_size"])
                for s in e.get_section_by_name(".symtab").iter_symbols()
                if s["st_info"]["type"] == "STT_FUNC"}
    coster = BlockCoster(platform)
    rows = []
    for name, count in (("work", 1000), ("main", 1)):
        addr, size = syms[name]
        info = coster.describe(code[addr - base:addr - base + size], addr)
        rows.append((addr, size, info.n_insns, info.cycles, info.taken_extra, count, 2, 0))
    blocks = np.array(rows, dtype=BLOCK_DTYPE)
    edges = np.array([(0, 0, 999, True), (1, 0, 1, True)], dtype=EDGE_DTYPE)
    return ExecutionProfile.from_counts(
        blocks, edges, coster, window="elf",
        regions=[{"name": "flash", "kind": "flash", "reads": 2000, "dmiss": 12}])


def test_footprint_by_section(elf, platform):
    needs = {n.kind: n for n in footprint(elf, [("flash", "flash", 0x08000000, 2 << 20),
                                                ("sram", "sram", 0x20000000, 640 << 10)])}
    sram = dict(needs["sram"].sections)
    assert sram[".bss"] == 100000 and sram[".data"] == 16
    flash = dict(needs["flash"].sections)
    assert flash[".rodata"] == 256 and flash[".data(load)"] == 16 and flash[".text"] > 0
    assert needs["sram"].fits
    small = {n.kind: n for n in footprint(elf, [("flash", "flash", 0x08000000, 2 << 20),
                                                ("sram", "sram", 0x20000000, 640 << 10)],
                                          [("flash", "flash", 0x08000000, 2 << 20),
                                           ("sram", "sram", 0x20000000, 64 << 10)])}
    assert not small["sram"].fits
    report = small["sram"].describe()
    assert ".bss 97.7 KiB" in report and "DOES NOT FIT" in report


def test_sweep_rows_and_table(elf, platform, tmp_path):
    prof = _elf_profile(elf, platform)
    rows = cmd_sweep.sweep_rows(prof, platform, parse_clocks("16MHz,48MHz,120MHz"),
                                srams=[256 << 10, 64 << 10], flashes=[None], elf=elf)
    assert [r["wait_states"] for r in rows] == [0, 0, 2, 2, 5, 5]
    assert [r["fits"] for r in rows] == [True, False] * 3
    text = cmd_sweep.format_table(rows)
    assert "sram (sram): needs 97.7 KiB, has 64 KiB - DOES NOT FIT" in text
    assert ".bss 97.7 KiB" in text
    cmd_sweep.plot(rows, tmp_path / "sweep.png", "test")
    assert (tmp_path / "sweep.png").read_bytes()[:4] == b"\x89PNG"


def test_function_attribution_adds_up(elf, platform, tmp_path):
    prof = _elf_profile(elf, platform)
    rows, total = by_function(prof, platform, elf)
    names = [r.name for r in rows]
    assert names[0] == "work" and "main" in names and DATA_MISSES in names
    assert sum(r.cycles for r in rows) == pytest.approx(total.cycles)
    assert sum(r.joules for r in rows) == pytest.approx(total.joules)
    work = rows[0]
    assert work.executions == 1000
    lines = collapsed_stacks(rows)
    assert lines[0].startswith("work ") and int(lines[0].split()[1]) == round(work.cycles)


def test_collapsed_call_stacks_split_by_call_counts():
    from tinysim.cost.attribution import FunctionCost

    rows = [FunctionCost("f", 400.0, 100, 10, 0.0), FunctionCost("a", 50.0, 10, 1, 0.0),
            FunctionCost("b", 10.0, 5, 1, 0.0), FunctionCost("root", 1.0, 1, 1, 0.0)]
    graph = {"f": {"a": 3, "b": 1}, "a": {"root": 1}, "b": {"root": 2}}
    assert collapsed_stacks(rows, graph) == [
        "root;a;f 300", "root;b;f 100", "root;a 50", "root;b 10", "root 1"]
    assert collapsed_stacks(rows) == ["f 400", "a 50", "b 10", "root 1"]


def test_calibration_recovers_known_parameters(tmp_path, platform):
    truth = {"branch_refill": 2.0, "flash_penalty_scale": 0.5, "run_ua_per_mhz": 95.0}
    items = []
    for k, clock in enumerate((16e6, 48e6, 80e6, 120e6)):
        prof = synthetic_profile(300, seed=10 + k)
        path = prof.save(tmp_path / f"p{k}.npz")
        est = estimate(prof, platform.with_overrides(clock_hz=clock), truth)
        items.append({"profile": path.name, "cycles": float(est.cycles), "joules": est.joules,
                      "clock_hz": clock})
    mfile = tmp_path / "measurements.json"
    mfile.write_text(json.dumps(items))
    result = fit(load_measurements(mfile), platform)
    for key, value in truth.items():
        assert result.params[key] == pytest.approx(value, rel=1e-6), key
    for r in result.residuals:
        assert abs(r["cycle_error_after"]) < 1e-9 and abs(r["energy_error_after"]) < 1e-9
        assert abs(r["cycle_error_before"]) > 1e-3  # the defaults were wrong on purpose
    out = write_overlay(tmp_path / "overlay.toml", result.params, ["test"])
    assert read_overlay(out) == pytest.approx(result.params)


def test_measurement_file_errors(tmp_path):
    bad = tmp_path / "m.json"
    bad.write_text('[{"cycles": 5}]')
    with pytest.raises(TinysimError, match="measurement 0: needs 'profile'"):
        load_measurements(bad)


def test_units():
    assert parse_clocks("16MHz, 4.5e6Hz,1khz") == [16e6, 4.5e6, 1e3]
    assert len(parse_clocks("4MHz..120MHz:100")) == 100
    assert parse_size("256KiB", "--sram") == 256 * 1024
    with pytest.raises(TinysimError, match="--clock: cannot read clock 'fast'"):
        parse_clocks("fast")


def test_commands_are_discoverable():
    for mod in (cmd_sweep, cmd_calibrate):
        assert mod.NAME and mod.HELP and callable(mod.add_arguments) and callable(mod.run)
