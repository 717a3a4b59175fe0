"""The pipeline: joins the stages the lower layers keep apart.

A session is a Machine (tinysim.emu) + native Counter + BlockCoster (tinysim.cost) for one
(platform, firmware); the emulated transport lets the host runner (tinysim.harness) drive it over
the DUT protocol; the simulation meter costs each timed window; `obtain_profile` records the
profile a cost command works on; `verify` checks the firmware against the TFLite interpreter.

    session.py             Session, build_session, run_firmware, record_profile
    emulated_transport.py  EmulatedTransport (registered as transport "emulated")
    meter.py               SimulationMeter
    emulated_dut.py        open_emulated, load_random_input, record_inference_window, speaks_dut_protocol
    profiles.py            obtain_profile, inferences_in, profile_elf
    layers.py              layer_costs: cycles per model layer of one inference
    verify.py              verify, VerifyReport
"""

# Importing the package registers the "emulated" transport in tinysim.harness.transports.TRANSPORTS.
from . import emulated_transport  # noqa: F401
