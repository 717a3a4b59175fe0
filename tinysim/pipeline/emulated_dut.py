"""An emulated DUT ready to take commands, and the profile of one timed inference window.

`open_emulated` boots a benchmark image in the emulator and hands back the DUT protocol client
plus a meter that turns each timed window into an `ExecutionProfile`. `record_inference_window`
uses it for `sweep` and `profile` on benchmark images: the profile covers exactly what the
firmware times between its two `m-lap-us` lines, not the boot and the waiting for input.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ProtocolError, TinysimError
from ..harness.datasets import random_window
from ..harness.protocol import DutClient
from .emulated_transport import EmulatedTransport
from .meter import SimulationMeter
from .session import build_session, run_firmware


def open_emulated(platform, elf: Path, count_data: bool = False, metered: bool = True):
    """(transport, client, meter) for an ELF booted in the emulator, boot banner consumed.

    Flash data reads (the weights) are always counted, since they cost wait states; `count_data`
    also counts SRAM reads/writes per region into the saved profiles. That leaves cycles and
    energy unchanged today and slows emulation ~1.6x, so it is off by default. `metered=False`
    (accuracy mode) takes no counter snapshots and returns meter None."""
    session = build_session(elf, platform, count_data=count_data)
    transport = EmulatedTransport(platform, elf, machine=session.machine)
    meter = SimulationMeter(session.machine, session.coster, session.platform) if metered else None
    client = DutClient(transport)
    client.wait_ready()
    return transport, client, meter


def speaks_dut_protocol(platform, elf: Path) -> bool:
    """Whether the firmware boots into the EEMBC DUT protocol (prints m-init-done, then waits)."""
    result = run_firmware(elf, platform, max_instructions=50_000_000)
    return result.exit == "idle" and "m-init-done" in result.uart


def load_random_input(client, elf: Path, seed: int = 0) -> str:
    """Ask the DUT its workload and load a seeded random input of it; the workload's name."""
    workload = client.profile()
    try:
        payload = random_window(workload, np.random.default_rng(seed))
    except Exception:
        raise ProtocolError(f"{elf}: the DUT reports model {workload!r}, which is not an MLPerf "
                            "Tiny workload tinysim knows how to feed") from None
    client.load(payload)
    return workload


def record_inference_window(platform, elf: Path, inferences: int = 1, seed: int = 0):
    """The ExecutionProfile of one `infer N 0` window on a random input of the firmware's workload."""
    if inferences < 1:
        raise TinysimError("--infer needs at least 1 inference")
    transport, client, meter = open_emulated(platform, elf)
    try:
        workload = load_random_input(client, elf, seed)
        meter.arm()
        result = client.infer(inferences, 0)
        measure = meter(result)
        profile = measure.profile
        profile.meta["window"] = f"infer {inferences} 0 ({workload}, random input seed {seed})"
        profile.meta["elf_sha256"] = transport.machine.firmware.sha256
        return profile
    finally:
        transport.close()
