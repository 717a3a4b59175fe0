"""ST's published MLPerf Tiny v1.3 firmware for the NUCLEO-U385RG-Q, unmodified (Intel HEX,
GCC 12.3, X-CUBE-AI 10.2, no symbols) on the Cortex-M33 engine, driven through the real DUT
protocol client over the emulated transport: the firmware sets up its own clocks (SMPS, Range 1 with
the EPOD booster, MSIS from the 96 MHz MSIRC0: the U3 has no PLL), flash wait states and ICACHE on
tinysim's STM32U3 register models (and the U5 ICACHE model, the same IP).

The binaries are never copied into the repository: the tests read them from
`../shared/published/mlperf-tiny-v1.3-st-nucleo-u385rg-q/` next to the repository root and skip
with a message when it is absent. Each test keeps device time small (`infer 1 1`).
"""

from pathlib import Path

import numpy as np
import pytest

from tinysim.harness.datasets import random_window
from tinysim.pipeline.emulated_dut import open_emulated

REPO = Path(__file__).resolve().parents[2]
ST = REPO.parent / "shared" / "published" / "mlperf-tiny-v1.3-st-nucleo-u385rg-q"
PLATFORM = "nucleo-u385rg-q"
LOAD_LIMIT = 3072          # bytes of input loaded (VWW's 27 KiB would take minutes of wall time)

# (folder, file, workload the DUT names, timestamp mode, number of outputs)
BUILDS = [
    ("kws", "KWS_u385rg_Performance_962100.hex", "kws01", "performance", 12),
    ("vww", "VWW_u385rg_performance_921600.hex", "vww01", "performance", 2),
    ("ic", "IC_u385rg_Performance_921600.hex", "ic01", "performance", 10),
    ("ad", "AD_u385rg_Performance_921600.hex", "ad01", "performance", 1),
    ("kws", "KWS_u385rg_Energy_9600.hex", "kws01", "energy", 12),
    ("vww", "VWW_u385rg_energy_9600.hex", "vww01", "energy", 2),
    ("ic", "IC_u385rg_Energy_9600.hex", "ic01", "energy", 10),
    ("ad", "AD_u385rg_Energy_9600.hex", "ad01", "energy", 1),
]

# Registers ST's firmware touches that no model emulates (storage only), each with the reason.
KNOWN_UNMODELLED = {
    # ICACHE region remap registers (external-memory regions), written by ST's ICACHE set-up;
    # the board has no external memory, so they remap nothing here
    ("icache", "CRR0"), ("icache", "CRR1"), ("icache", "CRR2"), ("icache", "CRR3"),
}


def _image(folder, name) -> Path:
    path = ST / folder / name
    if not path.is_file():
        pytest.skip(f"ST's published firmware is not here: {path} (clone the steering repo's shared/ "
                    "folder next to the repository to run these tests)")
    return path


@pytest.mark.parametrize("folder,name,workload,mode,outputs", BUILDS, ids=[b[1] for b in BUILDS])
def test_st_build_answers_the_dut_protocol(folder, name, workload, mode, outputs):
    transport, client, meter = open_emulated(PLATFORM, _image(folder, name))
    try:
        machine = transport.machine
        assert client.timestamp_mode == mode
        assert client.name() == "STMicroelectronics"
        assert client.profile() == workload
        point = machine.operating_point
        assert (point.clock_hz, point.latency, point.voltage_range, point.icache) == \
            (96e6, 2, "range1", True)
        client.load(random_window(workload, np.random.default_rng(0))[:LOAD_LIMIT])
        meter.arm()
        result = client.infer(1, 1)
        assert len(result.results) == outputs
        assert result.t2_us > result.t1_us
        measure = meter(result)
        assert measure.cycles > 0 and measure.instructions > 0
        if mode == "energy":
            assert transport.pin_timestamps    # the energy builds timestamp on a GPIO pull-low
        unexplained = [u for u in machine.unmodelled_accesses() if (u[0], u[1]) not in KNOWN_UNMODELLED]
        assert unexplained == []
    finally:
        transport.close()
