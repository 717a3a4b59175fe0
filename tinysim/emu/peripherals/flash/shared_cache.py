"""`OneCacheForBoth`: the flash-side view of a SoC whose single cache serves instruction and data
fetches alike (the STM32U5/U3 ICACHE on the C-AHB bus, the nRF5340 CACHE). The flash models of
those SoCs report its enable as both `icache` and `dcache`, the interface the cost model reads;
each says in `_cache_on` where the enable comes from."""

from __future__ import annotations


class OneCacheForBoth:
    def _cache_on(self) -> bool:
        raise NotImplementedError

    @property
    def icache(self) -> bool:
        return self._cache_on()

    @property
    def dcache(self) -> bool:
        """Data reads from flash (the weights) go through the same cache as instructions."""
        return self._cache_on()
