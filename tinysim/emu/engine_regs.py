"""Register reads for the run loop's hot paths, straight through `uc_reg_read`.

The unicorn binding's `reg_read` picks the value's C type for each register id in Python before
calling the engine (~2.5 us a call here); the run loop reads the PC and the exception masks at
every stop, thousands of times per device second while a UART line is running. The registers
read here are 32-bit on both cores, so one C prototype and one buffer serve them all.
"""

from __future__ import annotations

import ctypes

from unicorn import UcError

from .counter.native import fn_addr, unicorn_lib

_UC_REG_READ = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)


class RegReader:
    """`read(regid)`: a 32-bit register of `uc`, as `uc.reg_read(regid)` returns it."""

    def __init__(self, uc):
        self._uc = uc  # keeps the engine alive as long as this reader
        self._read = _UC_REG_READ(fn_addr(unicorn_lib().uc_reg_read))
        self._buf = ctypes.c_uint64(0)  # 8 bytes: room for any register the engine writes
        self._ptr = ctypes.addressof(self._buf)

    def read(self, regid: int) -> int:
        self._buf.value = 0
        err = self._read(self._uc._uch, regid, self._ptr)
        if err:
            raise UcError(err)
        return self._buf.value & 0xFFFFFFFF
