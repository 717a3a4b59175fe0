"""The Cortex-M event register that WFE consults (ARM DDI 0403 B1.5.18 "Wait For Event and Send
Event"): what finds the SEV instructions Unicorn runs as NOPs, and what each core does with the
event that wakes it.

The register is one bit (ExceptionState.event). SEV, exception entry, exception return, an event
on the core's RXEV input and, with SCR.SEVONPEND, an exception entering the Pending state set it
(the list in Arm's Cortex-M3 errata notice 563915, "Event Register is not set by interrupts and
debug", which names what the architecture requires). WFE clears it and goes on if it was set,
and otherwise sleeps until a wake-up event: an exception that would preempt (PRIMASK, BASEPRI and
the active handlers hold it back, unlike WFI's), a SEVONPEND pend, an RXEV event.
"""

from __future__ import annotations

from typing import List

from .thumb_walk import thumb_instructions

# Whether the event that wakes a sleeping WFE also stays in the register (Arm knowledge article
# 103489484, "Difference of behavior between various Cortex-M processors around event registering
# when in SLEEP mode"): the Cortex-M0/M0+/M3/M4/M33 consume it (the next WFE sleeps), the
# Cortex-M7 and M23 register it as well (the next WFE clears it and goes on).
EVENT_KEPT_ON_WAKE = {"cortex-m4f": False, "cortex-m33f": False, "cortex-m7": True}

# ARMv7-M ARM A7.7.129 SEV: T1 0xBF40; T2 0xF3AF 0x8004 (the hint space, A6.3.6).
_SEV16 = 0xBF40
_HINT32, _SEV32 = 0xF3AF, 0x8004


def thumb_sevs(code: bytes) -> List[int]:
    """Offsets of the SEV instructions in a block of Thumb code."""
    if b"\x40\xbf" not in code and b"\xaf\xf3" not in code:
        return []
    return [off for off, hw, hw2 in thumb_instructions(code)
            if (hw == _SEV16 and hw2 is None) or (hw == _HINT32 and hw2 == _SEV32)]
