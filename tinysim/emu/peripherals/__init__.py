"""Peripheral models: MMIO register tables that the emulated firmware drives.

A model's name is its module path below this package: `uart.stm32_lpuart` lives in
`uart/stm32_lpuart.py` and registers itself with `@PERIPHERALS.register("uart.stm32_lpuart")`.
Platform files name models; `model_class(name)` imports the module on first use. One model
serves a chip family through `params` (from the platform file), not a copy per chip.

How to add a peripheral model (the files to touch):
1. `tinysim/emu/peripherals/<kind>/<model>.py`: subclass `base.Peripheral` (or `uart.base.Uart`),
   list `REGISTERS` in the reference manual's names with reset values (cite the section), add
   `read_<NAME>` / `write_<NAME>(value, mask)` only where a register does more than store.
   Timers implement `next_event(now)` / `tick(now)` in cycles and call `host.timers_changed()`
   when reprogrammed; interrupt sources call `host.set_irq(irq, level)`. A timer that can be
   stopped says so with `quiescent()` (no event, a tick that does nothing, left only through a
   write it reports with `timers_changed`): the run loop then skips it at every stop
   (tests/emu/test_quiescent_peripherals.py checks every model that declares it).
2. `platforms/socs/<soc>.toml`: a `[[peripheral]]` with `model = "<kind>.<model>"`, base, size,
   irq and params.
3. `tests/peripherals/`: the model alone on a `base.NullHost`; `tests/emu/`: a firmware using it.
"""

from __future__ import annotations

import importlib

from ...errors import PlatformError
from ...registry import Registry

PERIPHERALS: Registry = Registry("peripheral model")


def model_class(name: str):
    """The class registered as `name`, importing `tinysim.emu.peripherals.<name>` if needed."""
    if name not in PERIPHERALS:
        try:
            importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as err:
            if not err.name or not err.name.startswith(__name__):
                raise
            known = ", ".join(PERIPHERALS) or "none loaded"
            raise PlatformError(
                f"unknown peripheral model {name!r}: no module tinysim/emu/peripherals/"
                f"{name.replace('.', '/')}.py (loaded models: {known})"
            ) from None
    return PERIPHERALS.get(name)
