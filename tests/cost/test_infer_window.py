"""sweep/profile on a benchmark image cost one timed inference, not the boot and the idle wait."""

import json

from tinysim.cli import main
from tinysim.firmware.images import image_path


def test_sweep_on_a_benchmark_image_costs_the_inference_window(capsys):
    elf = image_path("nucleo-l4r5zi", "ad01")
    assert main(["sweep", str(elf), "--platform", "nucleo-l4r5zi", "--clock", "16MHz,120MHz", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["window"].startswith("infer 1 0 (ad01")
    cycles = {round(r["clock_hz"] / 1e6): r["cycles"] for r in out["rows"]}
    # 264,192 MACs: a real inference is hundreds of thousands of cycles, and at 120 MHz the
    # 5 flash wait states cost more cycles than at 16 MHz (0 WS).
    assert cycles[16] > 500_000
    assert cycles[120] > cycles[16]


def test_window_run_keeps_the_whole_run(capsys):
    elf = image_path("nucleo-l4r5zi", "ad01")
    assert main(["sweep", str(elf), "--platform", "nucleo-l4r5zi", "--clock", "120MHz",
                 "--window", "run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["window"] == "whole run"


def test_sections_in_an_alias_window_count_against_its_storage(capsys):
    """ESP32-C3 rodata lives in the DROM view of the flash: it is flash use, not an error."""
    elf = image_path("esp32c3-devkitm", "kws01")
    assert main(["sweep", str(elf), "--platform", "esp32c3-devkitm", "--clock", "80MHz,160MHz",
                 "--window", "run", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert all(row["fits"] for row in out["rows"])
    # the flash line fill takes the same time at any CPU clock: half the cycles at half the clock
    ws = {round(r["clock_hz"] / 1e6): r["wait_states"] for r in out["rows"]}
    assert ws == {80: 84, 160: 168}
