"""The native counter's shared object (tinysim.emu._counter, from native/*.c) opened with ctypes:
its function signatures, the C structures and table layouts mirrored in Python (checked against
the compiled ones at load), and the unicorn library the hooks are registered with."""

from __future__ import annotations

import ctypes
import importlib.util
from typing import Optional

import numpy as np

from ...errors import TinysimError

# ---- stop reasons (`Counter.stop_reason`) ------------------------------------------------------
STOP_BUDGET = "budget"
STOP_DEADLINE = "deadline"
STOP_STACK_OVERFLOW = "stack-overflow"
STOP_DESCRIBE_ERROR = "describe-error"
STOP_NO_MEMORY = "no-memory"
STOP_UNMASK = "unmask"
_STOP_NAMES = {0: None, 1: STOP_BUDGET, 2: STOP_DEADLINE, 3: STOP_STACK_OVERFLOW,
               4: STOP_DESCRIBE_ERROR, 5: STOP_NO_MEMORY, 6: STOP_UNMASK}
# describe's optional fourth value (TS_DESCRIBE_* in counter.h)
DESCRIBE_UNMASKS = 1

_NO_LIMIT = 2**64 - 1  # budget/deadline value meaning "none" in counter.h
_NO_BLOCK = 2**32 - 1  # TS_NONE: no previous block
MAX_REGIONS = 16
MAX_FLASH_RANGES = 4

# unicorn hook types (unicorn_const.py); repeated so this module needs no arch imports
_UC_HOOK_BLOCK = 8
_UC_HOOK_MEM_READ = 1024
_UC_HOOK_MEM_WRITE = 2048
_UC_HOOK_MEM_WRITE_PROT = 256
_UC_PROT_WRITE = 2
_UC_QUERY_PAGE_SIZE = 2

# ---- native layouts (must match native/counter.h) ----------------------------------------------------
_BLOCK_BYTES = 208  # sizeof(ts_block)
_NATIVE_BLOCK = np.dtype({"names": ["addr", "size", "n_insns", "static_cycles", "taken_extra",
                                    "count", "imiss", "iprefetch", "dmiss", "dprefetch"],
                          "formats": ["<u8", "<u4", "<u4", "<u4", "<u4", "<u8", "<u8", "<u8",
                                      "<u8", "<u8"],
                          "offsets": [0, 8, 12, 16, 20, 24, 32, 40, 80, 88], "itemsize": _BLOCK_BYTES})
_NATIVE_FETCH = np.dtype({"names": ["count", "imiss", "iprefetch", "flags", "n_lines"],
                          "formats": ["<u8", "<u8", "<u8", "<u4", "<u4"],
                          "offsets": [24, 32, 40, 68, 72], "itemsize": _BLOCK_BYTES})
# the data-cache model per block: D-cache (misses, prefetch hits, hits), the same at the
# freeze, executions at the freeze, learned 16.16 rates of the three, flags (TS_BLOCK_DATA_*)
_NATIVE_DATA = np.dtype({"names": ["count", "flags", "d", "dexact", "freeze_count", "drate"],
                         "formats": ["<u8", "<u4", ("<u8", (3,)), ("<u8", (3,)), "<u8",
                                     ("<u4", (3,))],
                         "offsets": [24, 68, 80, 104, 128, 136], "itemsize": _BLOCK_BYTES})
RATE_ONE = 1 << 16  # learned rates are fixed point: RATE_ONE = one event per block execution
_DATA_STATES = {0: "off", 1: "exact", 2: "learned"}  # enum ts_data_state
_UC_PROT_EXEC = 4
_FETCH_MODEL_FLAG = 2  # TS_BLOCK_FETCH_MODEL
_NATIVE_EDGE = np.dtype({"names": ["src", "dst", "count", "taken"],
                         "formats": ["<u4", "<u4", "<u8", "<u4"],
                         "offsets": [0, 4, 8, 16], "itemsize": 24})


class _Region(ctypes.Structure):
    _fields_ = [("begin", ctypes.c_uint64), ("end", ctypes.c_uint64), ("reads", ctypes.c_uint64),
                ("writes", ctypes.c_uint64), ("dmiss", ctypes.c_uint64),
                ("dprefetch", ctypes.c_uint64)]


class _Cache(ctypes.Structure):
    _fields_ = [("enabled", ctypes.c_uint32), ("line_shift", ctypes.c_uint32),
                ("n_sets", ctypes.c_uint32), ("n_ways", ctypes.c_uint32),
                ("miss_penalty", ctypes.c_uint32), ("prefetch", ctypes.c_uint32),
                ("prefetch_penalty", ctypes.c_uint32), ("capacity", ctypes.c_uint32),
                ("hits", ctypes.c_uint64), ("misses", ctypes.c_uint64),
                ("prefetch_hits", ctypes.c_uint64), ("map_mask", ctypes.c_uint64),
                ("last_line", ctypes.c_uint64), ("tags", ctypes.c_void_p),
                ("lru", ctypes.c_void_p), ("map", ctypes.c_void_p), ("fills", ctypes.c_uint64)]


class _State(ctypes.Structure):
    """The public head of `ts_counter` in native/counter.h."""
    _fields_ = [("instructions", ctypes.c_uint64), ("cycles", ctypes.c_uint64),
                ("hook_calls", ctypes.c_uint64), ("budget", ctypes.c_uint64),
                ("deadline", ctypes.c_uint64), ("stop_addr", ctypes.c_uint64),
                ("stop_pc", ctypes.c_uint64), ("guard_lo", ctypes.c_uint64),
                ("guard_hi", ctypes.c_uint64), ("blocks", ctypes.c_void_p),
                ("edges", ctypes.c_void_p), ("n_blocks", ctypes.c_uint32),
                ("n_edges", ctypes.c_uint32), ("prev", ctypes.c_uint32),
                ("fast_epoch", ctypes.c_uint32), ("stop_reason", ctypes.c_uint32),
                ("n_regions", ctypes.c_uint32),
                ("n_flash", ctypes.c_uint32), ("regions", _Region * MAX_REGIONS),
                ("icache", _Cache), ("dcache", _Cache),
                ("unlearned_execs", ctypes.c_uint64), ("data_state", ctypes.c_uint32),
                ("stop_on_unmask", ctypes.c_uint32)]


# The entry point of the engine's inline block counting (Unicorn patch 0006). Its name changes
# with the slot's layout (ts_fast_slot): an engine built for another layout never matches.
FAST_ENTRY = "uc_hook_block_fast3"


class FastDesc(ctypes.Structure):
    """`ts_fast_desc` (native/counter.h), the layout of Unicorn's `uc_block_fast` (patch 0006)."""
    _fields_ = [("state", ctypes.c_void_p), ("key_off", ctypes.c_uint32),
                ("cycles_off", ctypes.c_uint32), ("limit_off", ctypes.c_uint32),
                ("insns_off", ctypes.c_uint32), ("log_pos_off", ctypes.c_uint32),
                ("log_mask", ctypes.c_uint32), ("log", ctypes.c_void_p), ("flags", ctypes.c_uint32)]


# describe callback: int (*)(uint64_t addr, uint32_t size, uint32_t out[4]); 0 = ok
# (out: n_insns, cycles, taken_extra, DESCRIBE_* flags)
_DESCRIBE_CFUNC = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint64, ctypes.c_uint32,
                                   ctypes.POINTER(ctypes.c_uint32))
# unmask callback (ts_unmask_fn): int (*)(void); 1 = an exception entered, 0 = none, -1 = stop
_UNMASK_CFUNC = ctypes.CFUNCTYPE(ctypes.c_int)

_lib: Optional[ctypes.CDLL] = None


def load_native() -> ctypes.CDLL:
    """The extension's shared object, opened with ctypes (once)."""
    global _lib
    if _lib is not None:
        return _lib
    spec = importlib.util.find_spec("tinysim.emu._counter")
    if spec is None or not spec.origin:
        raise TinysimError("the native counter extension tinysim.emu._counter is not built: run "
                           "`pip install -e .` (or `python3 setup.py build_ext --inplace`) in the "
                           "tinysim checkout; it needs a C compiler and the Python headers")
    lib = ctypes.CDLL(spec.origin)
    vp, u32, u64 = ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint64
    for name, res, args in [
        ("ts_new", vp, [vp, vp, vp, vp, ctypes.c_int]),
        ("ts_free", None, [vp]),
        ("ts_add_flash", ctypes.c_int, [vp, u64, u64]),
        ("ts_add_region", ctypes.c_int, [vp, u64, u64]),
        ("ts_set_icache", ctypes.c_int, [vp, u32, u32, u32, u32, u32, u32]),
        ("ts_set_dcache", ctypes.c_int, [vp, u32, u32, u32, u32, u32, u32]),
        ("ts_share_caches", ctypes.c_int, [vp]),
        ("ts_set_guard", None, [vp, u64, u64, ctypes.c_int]),
        ("ts_set_it_resync", None, [vp, vp, ctypes.c_int]),
        ("ts_note_transfer", None, [vp]),
        ("ts_settle", None, [vp]),
        ("ts_settle_errors", u64, [vp]),
        ("ts_set_on_unmask", None, [vp, vp]),
        ("ts_clear_stop", None, [vp]),
        ("ts_sizeof_block", ctypes.c_size_t, []),
        ("ts_sizeof_edge", ctypes.c_size_t, []),
        ("ts_sizeof_region", ctypes.c_size_t, []),
        ("ts_sizeof_cache", ctypes.c_size_t, []),
        ("ts_cache_reset", None, [vp]),
        ("ts_offsetof_icache", ctypes.c_size_t, []),
        ("ts_offsetof_data_state", ctypes.c_size_t, []),
        ("ts_freeze_data", ctypes.c_int, [vp]),
        ("ts_sync_data", None, [vp]),
        ("ts_fast_desc_of", None, [vp, vp]),
        ("ts_fast_invalidate", None, [vp]),
        ("ts_fast_limits_changed", None, [vp]),
        ("ts_set_fast_terms", None, [vp, ctypes.c_int]),
    ]:
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    # the mirrored layouts must match the compiled ones, or every count would be garbage
    if (lib.ts_sizeof_block() != _NATIVE_BLOCK.itemsize or lib.ts_sizeof_edge() != _NATIVE_EDGE.itemsize
            or lib.ts_sizeof_region() != ctypes.sizeof(_Region)
            or lib.ts_sizeof_cache() != ctypes.sizeof(_Cache)
            or lib.ts_offsetof_icache() != _State.icache.offset
            or lib.ts_offsetof_data_state() != _State.data_state.offset):
        raise TinysimError(f"{spec.origin}: native counter layout differs from tinysim/emu/counter/native.py; rebuild "
                           "the extension (`python3 setup.py build_ext --inplace`)")
    _lib = lib
    return lib


def unicorn_lib() -> ctypes.CDLL:
    """The CDLL the unicorn binding itself uses (so hooks go into the same engine library)."""
    try:
        from unicorn.unicorn_py3 import unicorn as binding  # unicorn >= 2.1
        return binding.uclib
    except (ImportError, AttributeError):
        pass
    try:
        from unicorn import unicorn as binding  # unicorn 2.0.x
        return binding._uc
    except (ImportError, AttributeError) as err:
        raise TinysimError(f"cannot find the unicorn binding's C library ({err}); tinysim needs "
                           "unicorn 2.x (pip install 'unicorn>=2.0')") from None


def fn_addr(fn) -> int:
    return ctypes.cast(fn, ctypes.c_void_p).value
