"""The platform, read once: board and SoC TOML files -> one frozen `Platform`.

`load_platform("nucleo-l4r5zi")` (or a board folder, or a board TOML path) reads
`platforms/boards/<board>/<board>.toml` and the SoC file it names; the emulator, the cost model,
the firmware build and the runner all use the one object it returns. `model.py` holds the
dataclasses, `load.py` the reading and validation (errors name the file and the key).
"""

from .load import COMMON_PORT_DIR, PLATFORMS_DIR, available_platforms, load_platform
from .model import (ARCHES, CORE_FEATURES, MEMORY_KINDS, Core, Energy, FirmwarePort, FlashTiming,
                    Memory, PeripheralSpec, Platform, Wire)

__all__ = ["COMMON_PORT_DIR", "PLATFORMS_DIR", "available_platforms", "load_platform", "ARCHES",
           "CORE_FEATURES", "MEMORY_KINDS", "Core", "Energy", "FirmwarePort", "FlashTiming",
           "Memory", "PeripheralSpec", "Platform", "Wire"]
