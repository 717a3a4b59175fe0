"""ARMv7-M exception stacking and unstacking in native code (native/exceptions.c).

`CortexMMachine` decides which exception to take, when to tail-chain and keeps the NVIC state;
the register and stack work of an entry, a tail-chain and a return (about 30 register accesses
through the unicorn binding in Python) is one call here. The C functions do what the Python
version in cortex_m.py does, operation for operation, so the two give the same machine state;
tests/emu/test_native_exceptions.py runs firmware both ways and compares.
"""

from __future__ import annotations

import ctypes
from typing import Optional, Sequence, Tuple

from unicorn import arm_const as A

from .counter.native import fn_addr, load_native, unicorn_lib

OK, BAD_FRAME, VECTOR_READ, FRAME_READ = 0, 1, 2, 3  # native/exceptions.c TS_EXC_*

# The order of enum R_* in native/exceptions.c.
_REGS = (A.UC_ARM_REG_R0, A.UC_ARM_REG_R1, A.UC_ARM_REG_R2, A.UC_ARM_REG_R3, A.UC_ARM_REG_R12,
         A.UC_ARM_REG_LR, A.UC_ARM_REG_PC, A.UC_ARM_REG_XPSR, A.UC_ARM_REG_SP, A.UC_ARM_REG_MSP,
         A.UC_ARM_REG_PSP, A.UC_ARM_REG_CONTROL, A.UC_ARM_REG_FPSCR, A.UC_ARM_REG_APSR_NZCVQG,
         *(getattr(A, f"UC_ARM_REG_S{i}") for i in range(16)))


class _Api(ctypes.Structure):  # native/exceptions.c, ts_exc_api
    _fields_ = [("reg_read", ctypes.c_void_p), ("reg_write", ctypes.c_void_p),
                ("mem_read", ctypes.c_void_p), ("mem_write", ctypes.c_void_p),
                ("memories", ctypes.c_void_p), ("n_memories", ctypes.c_uint32),
                ("reg", ctypes.c_int32 * len(_REGS))]


class ExceptionFrames:
    """The native entry/return of one engine. `memories`: (begin, end) ranges a frame may be in."""

    def __init__(self, uc, memories: Sequence[Tuple[int, int]]):
        lib = load_native()
        uclib = unicorn_lib()
        u32, vp = ctypes.c_uint32, ctypes.c_void_p
        lib.ts_exc_enter.restype = ctypes.c_int
        lib.ts_exc_enter.argtypes = [vp, vp, u32, u32, u32, ctypes.POINTER(u32), ctypes.POINTER(u32)]
        lib.ts_exc_tail_chain.restype = ctypes.c_int
        lib.ts_exc_tail_chain.argtypes = [vp, vp, u32, u32, u32]
        lib.ts_exc_return.restype = ctypes.c_int
        lib.ts_exc_return.argtypes = [vp, vp, u32]
        self._enter, self._tail, self._return = lib.ts_exc_enter, lib.ts_exc_tail_chain, lib.ts_exc_return
        flat = [v for r in memories for v in r]
        self._memories = (ctypes.c_uint64 * max(1, len(flat)))(*flat)
        self._api = _Api(fn_addr(uclib.uc_reg_read), fn_addr(uclib.uc_reg_write),
                         fn_addr(uclib.uc_mem_read), fn_addr(uclib.uc_mem_write),
                         ctypes.cast(self._memories, vp).value, len(memories),
                         (ctypes.c_int32 * len(_REGS))(*_REGS))
        self._api_ref = ctypes.byref(self._api)
        self._uc = uc
        self._out = (u32 * 3)()
        self._limits = (u32 * 2)()

    def enter(self, exc: int, vector_base: int, fpccr: int,
              limits: Tuple[int, int] = (0, 0)) -> Tuple[int, int, Optional[int], bool, bool]:
        """Stack and vector (B1.5.6) with FPCCR as the firmware set it (ASPEN, LSPEN) and, on
        ARMv8-M, the stack limits (MSPLIM, PSPLIM): (status, frame, FPCAR to set or None,
        extended frame, the frame went below its stack's limit: nothing written, SP = limit)."""
        out = self._out
        self._limits[0], self._limits[1] = limits
        status = self._enter(self._api_ref, self._uc._uch, exc, vector_base, fpccr, self._limits, out)
        return status, out[0], (out[1] if out[2] & 1 else None), bool(out[2] & 2), bool(out[2] & 4)

    def tail_chain(self, exc: int, exc_return: int, vector_base: int) -> int:
        return self._tail(self._api_ref, self._uc._uch, exc, exc_return, vector_base)

    def unstack(self, exc_return: int) -> int:
        """Return (B1.5.8) with a checked EXC_RETURN: status (FRAME_READ: nothing changed)."""
        return self._return(self._api_ref, self._uc._uch, exc_return)
