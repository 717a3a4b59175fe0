"""What the Unicorn build in use does, found by running it (once per process), not by its
version: a library from LIBUNICORN_PATH or a build of unknown origin answers for itself.

`engine_keeps_it_state`: whether a memory hook leaves the Thumb IT state alone. Unicorn 2.1.4
syncs the guest state before a memory hook with cpu_restore_state(..., will_exit = false), which
writes the accessing instruction's IT bits into the CPU state; the block runs on, and after an IT
block that ends inside it the stale bits make the next block run as if inside an IT block
(tinysim issue 10, unicorn #2309). third_party/unicorn/0008-*.patch fixes it in the engine; on
an engine without it, the counter's native memory hooks put the IT state back on every hooked
access (native/counter_hooks.c, it_resync).

`engine_raises_unaligned`: whether the engine raises the ARMv7-M alignment UsageFault itself
(third_party/unicorn/0007-*.patch); usage_checks.py then registers no hook for those accesses.

`EXCLUSIVE_MONITOR`: the register id through which the engine's local exclusive monitor can be
cleared (third_party/unicorn/0011-*.patch; the binding names it), or None on an engine without
it, where a STREX after an exception may succeed (cortex_m.py, _clear_exclusive).

`STACK_LIMITS`: the register ids of ARMv8-M's MSPLIM and PSPLIM (third_party/unicorn/0014-*.patch),
or None on an engine without them (stack_limits.py).
"""

from __future__ import annotations

import functools

from unicorn import UC_ARCH_ARM, UC_HOOK_INTR, UC_HOOK_MEM_READ, UC_HOOK_MEM_WRITE, UC_MODE_THUMB, Uc, UcError
from unicorn import arm_const as A

# The exception number an engine that raises the alignment fault itself hands to UC_HOOK_INTR
# (QEMU target/arm/cpu.h EXCP_UNALIGNED; third_party/unicorn/0007-*.patch).
INTR_UNALIGNED = 22
EXCLUSIVE_MONITOR = getattr(A, "UC_ARM_REG_EXCLUSIVE_ADDR", None)
STACK_LIMITS = (A.UC_ARM_REG_MSPLIM, A.UC_ARM_REG_PSPLIM) if hasattr(A, "UC_ARM_REG_PSPLIM") else None
MONITOR_CLEAR = 0xFFFFFFFF

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



def _cortex_m4(code: bytes, size: int) -> Uc:
    """A bare Cortex-M4 with `size` bytes of RWX memory at 0 holding `code`."""
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
    uc.ctl_set_cpu_model(A.UC_CPU_ARM_CORTEX_M4)
    uc.mem_map(0, size)
    uc.mem_write(0, code)
    return uc


def _it_probe(hook_type: int) -> bool:
    uc = _cortex_m4(_IT_PROBE, 0x1000)
    uc.reg_write(A.UC_ARM_REG_R1, _IT_PROBE_DATA)
    uc.hook_add(hook_type, lambda *_args: None)
    uc.emu_start(1, _IT_PROBE_END)
    return uc.reg_read(A.UC_ARM_REG_R3) == 1 and uc.reg_read(A.UC_ARM_REG_PC) == _IT_PROBE_END


@functools.cache
def engine_keeps_it_state() -> bool:
    """True when the engine keeps the Thumb IT state right across a memory read hook and across
    a memory write hook (each probed on its own, ~1 ms in all, once per process); False on the
    stock 2.1.4 wheel and whenever the probe cannot run (the resync is then kept: always safe)."""
    try:
        return _it_probe(UC_HOOK_MEM_READ) and _it_probe(UC_HOOK_MEM_WRITE)
    except UcError:
        return False


@functools.cache
def engine_raises_unaligned() -> bool:
    """Whether an unaligned LDRD on a Cortex-M4 CPU, run once per process, reaches the interrupt
    hook as INTR_UNALIGNED (the engine raises the fault). The stock 2.1.4 wheel loads the data."""
    seen = []
    try:
        uc = _cortex_m4(bytes.fromhex("d2e90001"), 0x2000)  # ldrd r0, r1, [r2]
        uc.reg_write(A.UC_ARM_REG_R2, 0x1002)
        uc.hook_add(UC_HOOK_INTR, lambda _uc, intno, _user: (seen.append(intno), _uc.emu_stop()))
        uc.emu_start(1, 4, count=1)
    except UcError:
        pass
    return seen == [INTR_UNALIGNED]


@functools.cache
def engine_sees_late_memory_hooks() -> bool:
    """Whether a memory read hook added after a loop was translated sees the loop's loads
    (third_party/unicorn/0002-*.patch decides per page at the TLB fill). The stock 2.1.4 wheel
    decides when it translates: code translated before the hook keeps its loads unhooked, so
    whoever adds one must drop the translations (mpu_enforce.py). A code hook is decided at
    translation on every engine."""
    seen = []
    try:
        # loop: ldr r0, [r1]; subs r2, #1; bne loop; bkpt #0
        uc = _cortex_m4(bytes.fromhex("0868013afcd100be"), 0x2000)
        uc.reg_write(A.UC_ARM_REG_R1, 0x1000)
        uc.hook_add(UC_HOOK_INTR, lambda _uc, _intno, _user: _uc.emu_stop())
        for hook in (False, True):
            if hook:
                uc.hook_add(UC_HOOK_MEM_READ, lambda *_args: seen.append(1), begin=0x1000, end=0x1003)
            uc.reg_write(A.UC_ARM_REG_R2, 3)
            uc.emu_start(1, 0xFFFFFFFF)
    except UcError:
        return False
    return len(seen) == 3
