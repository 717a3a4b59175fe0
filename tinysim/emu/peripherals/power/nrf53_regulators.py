"""nRF5340 REGULATORS (nRF5340 PS chapter "REGULATORS - Regulator control"; offsets and reset
values as in Nordic's SVD for the application core). The DC/DC enables of the main, radio and
high-voltage regulators (VREGMAIN/VREGRADIO/VREGH.DCDCEN, bit 0) store what is written: the
regulator in use changes the current drawn, not the timing, and the energy figure of the board
file states which regulator it assumes. MAINREGSTATUS reads VREGH inactive (the supply is on
VDD, as on the nRF5340 DK). POFCON is stored; SYSTEMOFF is not modelled (reported). The window
is shared with OSCILLATORS (PS instantiation table, ID 4), whose registers are reported by
offset."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, UNMODELLED, Peripheral, Reg


@PERIPHERALS.register("power.nrf53_regulators")
class Nrf53Regulators(Peripheral):
    REGISTERS = (
        Reg(0x428, "MAINREGSTATUS", 0, RO),
        Reg(0x500, "SYSTEMOFF", 0, UNMODELLED),
        Reg(0x510, "POFCON", 0),
        Reg(0x704, "VREGMAIN_DCDCEN", 0, wmask=0x1),
        Reg(0x904, "VREGRADIO_DCDCEN", 0, wmask=0x1),
        Reg(0xB00, "VREGH_DCDCEN", 0, wmask=0x1),
    )

    @property
    def dcdc_main(self) -> bool:
        return bool(self.values[0x704] & 1)
