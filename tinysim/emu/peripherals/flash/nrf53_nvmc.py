"""nRF5340 NVMC, the flash controller (nRF5340 PS chapter "NVMC - Non-volatile memory
controller"; offsets and reset values as in Nordic's SVD for the application core).

The nRF5340 has no flash latency register: the flash read timing follows the core clock by
itself. This model reports to the cost model what the hardware does (`latency`, `prefetch`,
`icache`, `dcache`, the interface of the STM32 flash models): the wait states the SoC file's
[flash.wait_states] table gives at the core clock the CLOCK model runs (param `clock`, the
peripheral's name; the table is a guess, see platforms/socs/nrf5340/nrf5340.toml), no
prefetch, and the CACHE's state (param `cache`) for both instruction and data fetches.
READY / READYNEXT read 1 (no programming is ever in progress): programming and erasing
(CONFIG.WEN, ERASEALL, ...) are not modelled and are reported."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, UNMODELLED, Peripheral, Reg
from .shared_cache import OneCacheForBoth


@PERIPHERALS.register("flash.nrf53_nvmc")
class Nrf53Nvmc(OneCacheForBoth, Peripheral):
    DEFAULTS = {"cache": "cache", "clock": "clock"}
    WAIT_STATE_TABLE = "nrf5340.toml [flash.wait_states] (a guess: the PS gives none)"

    REGISTERS = (
        Reg(0x400, "READY", 1, RO), Reg(0x408, "READYNEXT", 1, RO),
        Reg(0x504, "CONFIG", 0, UNMODELLED), Reg(0x50C, "ERASEALL", 0, UNMODELLED),
        Reg(0x518, "ERASEPAGEPARTIALCFG", 0x0000000A, UNMODELLED),
        Reg(0x584, "CONFIGNS", 0, UNMODELLED), Reg(0x588, "WRITEUICRNS", 0, UNMODELLED),
    )

    def _peripheral(self, key: str):
        return getattr(self.host, "peripherals", {}).get(self.params[key])

    @property
    def latency(self) -> int:
        """Wait states at the core clock now, from the SoC file's table (0 without a machine)."""
        platform = getattr(self.host, "platform", None)
        clock = self._peripheral("clock")
        if platform is None or clock is None:
            return 0
        return int(platform.flash.wait_states(clock.core_clock_hz(), platform.voltage_range,
                                              f"platform {platform.name} [flash]"))

    @property
    def prefetch(self) -> bool:
        return False

    def _cache_on(self) -> bool:
        """The CACHE serves data reads too (nRF5340 PS, CACHE: "DHIT")."""
        cache = self._peripheral("cache")
        return bool(cache is not None and cache.enabled)

