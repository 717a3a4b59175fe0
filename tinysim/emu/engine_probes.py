"""What the Unicorn build in use does, found by running it (once per process), not by its
version: a library from LIBUNICORN_PATH or a build of unknown origin answers for itself.

`engine_keeps_it_state`: whether a memory hook leaves the Thumb IT state alone. Unicorn 2.1.4
syncs the guest state before a memory hook with cpu_restore_state(..., will_exit = false), which
writes the accessing instruction's IT bits into the CPU state; the block runs on, and after an IT
block that ends inside it the stale bits make the next block run as if inside an IT block
(tinysim issue 10, unicorn #2309). third_party/unicorn/0008-*.patch fixes it in the engine; on
an engine without it, the counter's native memory hooks put the IT state back on every hooked
access (native/counter_hooks.c, it_resync).
"""

from __future__ import annotations

from typing import Optional

from unicorn import UC_ARCH_ARM, UC_HOOK_MEM_READ, UC_HOOK_MEM_WRITE, UC_MODE_THUMB, Uc, UcError
from unicorn import arm_const as A

# The probe, assembled with arm-none-eabi-as -mthumb -mcpu=cortex-m4 -mimplicit-it=never at 0:
#   0: movs r0, #1        6: ldrne r2, [r1]    a: cmp r0, r0    e: movs r3, #1
#   2: cmp r0, #0         8: strne r0, [r1]    c: b.n 0xe      10: nop
#   4: itt ne
# With a memory hook on the IT block's load or store, a leaking engine carries that access's IT
# state (NE, last of the block) past the block's end into the block at 0xe, where the flags
# say EQ: `movs r3, #1` is skipped and r3 stays 0.
_IT_PROBE = bytes.fromhex("012000281cbf0a6808608042ffe7012300bf")
_IT_PROBE_END = 0x10
_IT_PROBE_DATA = 0x800

_KEEPS_IT_STATE: Optional[bool] = None


def _it_probe(hook_type: int) -> bool:
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
    uc.ctl_set_cpu_model(A.UC_CPU_ARM_CORTEX_M4)
    uc.mem_map(0, 0x1000)
    uc.mem_write(0, _IT_PROBE)
    uc.reg_write(A.UC_ARM_REG_R1, _IT_PROBE_DATA)
    uc.hook_add(hook_type, lambda *_args: None)
    uc.emu_start(1, _IT_PROBE_END)
    return uc.reg_read(A.UC_ARM_REG_R3) == 1 and uc.reg_read(A.UC_ARM_REG_PC) == _IT_PROBE_END


def engine_keeps_it_state() -> bool:
    """True when the engine keeps the Thumb IT state right across a memory read hook and across
    a memory write hook (each probed on its own, ~1 ms in all, once per process); False on the
    stock 2.1.4 wheel and whenever the probe cannot run (the resync is then kept: always safe)."""
    global _KEEPS_IT_STATE
    if _KEEPS_IT_STATE is None:
        try:
            _KEEPS_IT_STATE = _it_probe(UC_HOOK_MEM_READ) and _it_probe(UC_HOOK_MEM_WRITE)
        except UcError:
            _KEEPS_IT_STATE = False
    return _KEEPS_IT_STATE
