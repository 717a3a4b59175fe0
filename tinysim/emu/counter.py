"""Native execution counter: per-block counts, edges, budget/deadline stops, flash cache model.

The counting runs in C (`native/counter.c`, built as the extension `tinysim.emu._counter`);
this module loads that shared object with ctypes, registers its hook functions with the same
`uc_hook_add` the unicorn binding uses, and reads the results back as numpy arrays.

    counter = Counter(uc, describe, flash_ranges=[(0x08000000, 0x08200000)],
                      icache=CacheGeometry(line_bytes=16, lines=64, miss_penalty=5))
    counter.set_budget(10_000_000)
    uc.emu_start(entry | 1, 0)
    counter.instructions, counter.cycles, counter.stop_reason, counter.blocks()

`describe(addr, size)` is called once per new translation block (keyed by address AND size,
because Unicorn may split or re-translate a block) and returns `(n_insns, cycles, taken_extra)`
(e.g. `tinysim.cost.BlockInfo`): static cycles of one execution, and the extra cycles paid when
the block is left by a taken branch (the next block does not start at addr + size).

Semantics worth knowing:
- Counting is per block.  A stop (budget, deadline) happens at a block entry, before that block
  runs: `instructions`/`cycles` never include a block that did not execute.  The budget stops at
  the first block boundary where `instructions >= budget`, so it may overshoot by up to one block.
- A block that faults part-way through is counted whole (Unicorn reports blocks on entry).
- Create the Counter before the first `emu_start` of code it must see: the constructor flushes
  Unicorn's translation cache so hooks apply to every block, but only that once.
- `stop_reason` (None or a STOP_* string) describes the last stop the counter requested; it is
  cleared by `set_budget`, `set_deadline` and `clear_stop`.

Speed (bench/emu_speed.py, 5-instruction hot loop, the worst case for per-block work): the
block hook + edges + I-cache model keep ~0.8 of raw Unicorn speed. Any UC_HOOK_MEM_READ/WRITE,
even a range-limited one, makes Unicorn take its slow path for memory accesses (~0.15 of raw),
so data-region counting and the D-cache model are opt-in (`count_data=True`; a D-cache alone
installs read hooks over the flash ranges only). For the same reason the stack guard defaults
to page protection (`stack_guard_mode="auto"`): the guard's pages are made read-only and the
native write-fault hook stops the run on a write into [lo, hi), and performs writes to the rest
of those pages for the firmware. That is free; it needs the guard to contain a page boundary
(page = 1 KiB on Arm, 4 KiB on RISC-V in Unicorn), else the guard falls back to a write hook.

Learned D-cache model (`freeze_data_model`): the exact D-cache model needs that read hook for
the whole run (~0.15 of raw speed). Instead it can learn, then apply: while exact, every
D-cache miss, prefetch hit and hit is charged to the block whose instructions made the read;
`freeze_data_model()` turns them into per-block rates per execution (16.16 fixed point,
rounded), deletes the read hooks and has Unicorn retranslate. From then on a block execution
is charged floor-accumulated whole misses of its rate (cycles at once; the miss counts in
`blocks()`, `region_counts()`, `cache_stats()` and snapshots follow, exact to the event, as
floor(executions x rate)). Blocks first run after the freeze get no misses; their executions
are `unlearned_block_executions` (also a Snapshot field). `data_model_state` is "off", "exact"
or "learned". Integer arithmetic only: runs stay bit-identical. With count_data=True the freeze
does nothing (the region counts keep the global hooks).
"""

from __future__ import annotations

import ctypes
import importlib.util
import sys
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ..errors import EmulationError, TinysimError

# ---- stop reasons (`Counter.stop_reason`) ------------------------------------------------------
STOP_BUDGET = "budget"
STOP_DEADLINE = "deadline"
STOP_STACK_OVERFLOW = "stack-overflow"
STOP_DESCRIBE_ERROR = "describe-error"
STOP_NO_MEMORY = "no-memory"
_STOP_NAMES = {0: None, 1: STOP_BUDGET, 2: STOP_DEADLINE, 3: STOP_STACK_OVERFLOW,
               4: STOP_DESCRIBE_ERROR, 5: STOP_NO_MEMORY}

_NO_LIMIT = 2**64 - 1  # budget/deadline value meaning "none" in counter.c
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

# ---- public array layouts ---------------------------------------------------------------------
BLOCK_DTYPE = np.dtype([("addr", "<u8"), ("size", "<u4"), ("n_insns", "<u4"),
                        ("static_cycles", "<u4"), ("taken_extra", "<u4"), ("count", "<u8"),
                        ("imiss", "<u8"), ("iprefetch", "<u8"), ("dmiss", "<u8"),
                        ("dprefetch", "<u8")])
# Block columns that are running totals (a window is after - before).
_BLOCK_TOTALS = ("count", "imiss", "iprefetch", "dmiss", "dprefetch")
EDGE_DTYPE = np.dtype([("src", "<u4"), ("dst", "<u4"), ("count", "<u8"), ("taken", "?")])
REGION_DTYPE = np.dtype([("name", "<U32"), ("kind", "<U8"), ("begin", "<u8"), ("end", "<u8"),
                         ("reads", "<u8"), ("writes", "<u8"), ("dmiss", "<u8"),
                         ("dprefetch", "<u8")])

# ---- native layouts (must match counter.c) ----------------------------------------------------
_NATIVE_BLOCK = np.dtype({"names": ["addr", "size", "n_insns", "static_cycles", "taken_extra",
                                    "count", "imiss", "iprefetch", "dmiss", "dprefetch"],
                          "formats": ["<u8", "<u4", "<u4", "<u4", "<u4", "<u8", "<u8", "<u8",
                                      "<u8", "<u8"],
                          "offsets": [0, 8, 12, 16, 20, 24, 32, 40, 80, 88], "itemsize": 168})
_NATIVE_FETCH = np.dtype({"names": ["count", "imiss", "iprefetch", "flags", "n_lines"],
                          "formats": ["<u8", "<u8", "<u8", "<u4", "<u4"],
                          "offsets": [24, 32, 40, 68, 72], "itemsize": 168})
# the data-cache model per block: D-cache (misses, prefetch hits, hits), the same at the
# freeze, executions at the freeze, learned 16.16 rates of the three, flags (TS_BLOCK_DATA_*)
_NATIVE_DATA = np.dtype({"names": ["count", "flags", "d", "dexact", "freeze_count", "drate"],
                         "formats": ["<u8", "<u4", ("<u8", (3,)), ("<u8", (3,)), "<u8",
                                     ("<u4", (3,))],
                         "offsets": [24, 68, 80, 104, 128, 136], "itemsize": 168})
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
                ("prefetch_penalty", ctypes.c_uint32), ("pad", ctypes.c_uint32),
                ("hits", ctypes.c_uint64), ("misses", ctypes.c_uint64),
                ("prefetch_hits", ctypes.c_uint64), ("clock", ctypes.c_uint64),
                ("last_line", ctypes.c_uint64), ("tags", ctypes.c_void_p),
                ("stamps", ctypes.c_void_p), ("pred", ctypes.c_void_p)]


class _State(ctypes.Structure):
    """The public head of `ts_counter` in counter.c."""
    _fields_ = [("instructions", ctypes.c_uint64), ("cycles", ctypes.c_uint64),
                ("reserved", ctypes.c_uint64), ("budget", ctypes.c_uint64),
                ("deadline", ctypes.c_uint64), ("stop_addr", ctypes.c_uint64),
                ("stop_pc", ctypes.c_uint64), ("guard_lo", ctypes.c_uint64),
                ("guard_hi", ctypes.c_uint64), ("blocks", ctypes.c_void_p),
                ("edges", ctypes.c_void_p), ("n_blocks", ctypes.c_uint32),
                ("n_edges", ctypes.c_uint32), ("stop_reason", ctypes.c_uint32),
                ("prev", ctypes.c_uint32), ("n_regions", ctypes.c_uint32),
                ("n_flash", ctypes.c_uint32), ("regions", _Region * MAX_REGIONS),
                ("icache", _Cache), ("dcache", _Cache),
                ("unlearned_execs", ctypes.c_uint64), ("data_state", ctypes.c_uint32),
                ("pad_state", ctypes.c_uint32)]


# describe callback: int (*)(uint64_t addr, uint32_t size, uint32_t out[3]); 0 = ok
_DESCRIBE_CFUNC = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint64, ctypes.c_uint32,
                                   ctypes.POINTER(ctypes.c_uint32))

_lib: Optional[ctypes.CDLL] = None


def _native() -> ctypes.CDLL:
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
        ("ts_set_guard", None, [vp, u64, u64, ctypes.c_int]),
        ("ts_note_transfer", None, [vp]),
        ("ts_clear_stop", None, [vp]),
        ("ts_sizeof_block", ctypes.c_size_t, []),
        ("ts_sizeof_edge", ctypes.c_size_t, []),
        ("ts_sizeof_region", ctypes.c_size_t, []),
        ("ts_sizeof_cache", ctypes.c_size_t, []),
        ("ts_offsetof_icache", ctypes.c_size_t, []),
        ("ts_offsetof_data_state", ctypes.c_size_t, []),
        ("ts_freeze_data", ctypes.c_int, [vp]),
        ("ts_sync_data", None, [vp]),
    ]:
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    # the mirrored layouts must match the compiled ones, or every count would be garbage
    if (lib.ts_sizeof_block() != _NATIVE_BLOCK.itemsize or lib.ts_sizeof_edge() != _NATIVE_EDGE.itemsize
            or lib.ts_sizeof_region() != ctypes.sizeof(_Region)
            or lib.ts_sizeof_cache() != ctypes.sizeof(_Cache)
            or lib.ts_offsetof_icache() != _State.icache.offset
            or lib.ts_offsetof_data_state() != _State.data_state.offset):
        raise TinysimError(f"{spec.origin}: native counter layout differs from counter.py; rebuild "
                           "the extension (`python3 setup.py build_ext --inplace`)")
    _lib = lib
    return lib


def _unicorn_lib() -> ctypes.CDLL:
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


def _fn_addr(fn) -> int:
    return ctypes.cast(fn, ctypes.c_void_p).value


@dataclass(frozen=True)
class CacheGeometry:
    """A flash-side cache: `lines` lines of `line_bytes`, `ways` per set (0 = fully associative),
    LRU replacement. Penalties are cycles per miss; the cost model derives them from the
    platform's flash wait states. With `prefetch`, a miss on the line right after the previously
    accessed one is a prefetch hit costing `prefetch_penalty` instead."""
    line_bytes: int
    lines: int
    miss_penalty: int
    ways: int = 0
    prefetch: bool = False
    prefetch_penalty: int = 0

    @classmethod
    def of(cls, value: Union["CacheGeometry", Mapping[str, Any]], what: str) -> "CacheGeometry":
        if isinstance(value, CacheGeometry):
            return value
        if isinstance(value, Mapping):
            try:
                return cls(**value)
            except TypeError as err:
                raise TinysimError(f"counter {what}: {err}; expected keys line_bytes, lines, "
                                   "miss_penalty, ways, prefetch, prefetch_penalty") from None
        raise TinysimError(f"counter {what}: expected a CacheGeometry or a mapping, got "
                           f"{type(value).__name__}")

    def sets_ways(self, what: str) -> Tuple[int, int]:
        ways = self.ways or self.lines
        lb = self.line_bytes
        if lb <= 0 or lb & (lb - 1):
            raise TinysimError(f"counter {what}: line_bytes={lb} must be a power of two")
        if self.lines <= 0 or ways <= 0 or self.lines % ways:
            raise TinysimError(f"counter {what}: lines={self.lines} must be a positive multiple "
                               f"of ways={ways}")
        sets = self.lines // ways
        if sets & (sets - 1):
            raise TinysimError(f"counter {what}: lines/ways = {sets} sets must be a power of two")
        for name in ("miss_penalty", "prefetch_penalty"):
            if not 0 <= getattr(self, name) < 2**32:
                raise TinysimError(f"counter {what}: {name}={getattr(self, name)} out of range")
        return sets, ways


@dataclass(frozen=True)
class Snapshot:
    """An immutable copy of every counter. `after - before` is the window between them."""
    instructions: int
    cycles: int
    blocks_executed: int
    blocks: np.ndarray  # BLOCK_DTYPE, row = block id
    edges: np.ndarray  # EDGE_DTYPE, row = edge id
    regions: np.ndarray  # REGION_DTYPE
    icache: Tuple[int, int, int]  # (hits, misses, prefetch hits)
    dcache: Tuple[int, int, int]
    # block executions the learned D-cache model had no rate for (charged no data misses)
    unlearned_block_executions: int = 0

    def __sub__(self, before: "Snapshot") -> "Snapshot":
        if not isinstance(before, Snapshot):
            return NotImplemented
        nb, ne = len(before.blocks), len(before.edges)
        if (nb > len(self.blocks) or ne > len(self.edges)
                or not np.array_equal(before.blocks["addr"], self.blocks["addr"][:nb])
                or not np.array_equal(before.blocks["size"], self.blocks["size"][:nb])
                or len(before.regions) != len(self.regions)):
            raise TinysimError("counter snapshots do not match: subtract an earlier snapshot "
                               "of the same Counter from a later one")
        blocks = self.blocks.copy()
        for col in _BLOCK_TOTALS:
            blocks[col][:nb] -= before.blocks[col]
        edges = self.edges.copy()
        edges["count"][:ne] -= before.edges["count"]
        regions = self.regions.copy()
        for col in ("reads", "writes", "dmiss", "dprefetch"):
            regions[col] -= before.regions[col]
        return Snapshot(
            instructions=self.instructions - before.instructions,
            cycles=self.cycles - before.cycles,
            blocks_executed=self.blocks_executed - before.blocks_executed,
            blocks=_frozen(blocks), edges=_frozen(edges), regions=_frozen(regions),
            icache=tuple(a - b for a, b in zip(self.icache, before.icache)),
            dcache=tuple(a - b for a, b in zip(self.dcache, before.dcache)),
            unlearned_block_executions=(self.unlearned_block_executions
                                        - before.unlearned_block_executions))


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def _parse_range(r, what: str) -> Tuple[int, int]:
    try:
        lo, hi = (int(x) for x in r)
    except (TypeError, ValueError):
        raise TinysimError(f"counter {what}: expected (begin, end) addresses, got {r!r}") from None
    if not 0 <= lo < hi <= 2**64:
        raise TinysimError(f"counter {what}: range [{lo:#x}, {hi:#x}) is empty or out of order")
    return lo, hi


def _parse_region(r, k: int) -> Tuple[str, str, int, int]:
    """(begin, end), (name, begin, end) or (name, begin, end, kind) -> (name, kind, begin, end)."""
    if isinstance(r, Mapping):
        r = (r.get("name", f"region{k}"), r.get("begin"), r.get("end"), r.get("kind", ""))
    r = tuple(r)
    if len(r) == 2:
        name, kind, span = f"region{k}", "", r
    elif len(r) in (3, 4) and isinstance(r[0], str):
        name, kind, span = r[0], (str(r[3]) if len(r) == 4 else ""), r[1:3]
    else:
        raise TinysimError(f"counter region #{k}: expected (begin, end) or (name, begin, end[, kind]), "
                           f"got {r!r}")
    lo, hi = _parse_range(span, f"region {name!r}")
    return name, kind, lo, hi


class Counter:
    """Native counting attached to one Unicorn engine (see module docstring)."""

    def __init__(self, uc, describe: Callable[[int, int], Any], *,
                 flash_ranges: Iterable = (), icache=None, dcache=None,
                 regions: Sequence = (), stack_guard: Optional[Tuple[int, int]] = None,
                 count_data: bool = True, pc_reg: Optional[int] = None,
                 stack_guard_mode: str = "auto"):
        lib = _native()
        self._uclib = _unicorn_lib()
        self._uc = uc
        self._user_describe = describe
        self._ctx = None
        self._hooks = []
        self._dcache_hooks = []  # the flash read hooks of the exact D-cache model (count_data off)
        self._retranslate_due = False  # frozen inside emu_start: retranslate once it returned
        self.error: Optional[BaseException] = None  # first exception raised by `describe`
        self.count_data = bool(count_data)

        flash = [_parse_range(r, "flash range") for r in flash_ranges]
        if len(flash) > MAX_FLASH_RANGES:
            raise TinysimError(f"counter: {len(flash)} flash ranges given, at most {MAX_FLASH_RANGES}")
        regs = [_parse_region(r, k) for k, r in enumerate(regions)]
        if len(regs) > MAX_REGIONS:
            raise TinysimError(f"counter: {len(regs)} data regions given, at most {MAX_REGIONS}")
        self._region_meta = [(name, kind) for name, kind, _, _ in regs]
        guard = None if stack_guard is None else _parse_range(stack_guard, "stack_guard")
        ic = None if icache is None else CacheGeometry.of(icache, "icache")
        dc = None if dcache is None else CacheGeometry.of(dcache, "dcache")
        if (ic or dc) and not flash:
            raise TinysimError("counter: an icache/dcache model needs flash_ranges (the caches "
                               "only apply to accesses inside flash)")

        self._describe_cb = _DESCRIBE_CFUNC(self._describe)
        reg_read = _fn_addr(self._uclib.uc_reg_read)
        ctx = lib.ts_new(_fn_addr(self._describe_cb), _fn_addr(self._uclib.uc_emu_stop), reg_read,
                         _fn_addr(self._uclib.uc_mem_write),
                         self._pc_regid(uc) if pc_reg is None else int(pc_reg))
        if not ctx:
            raise MemoryError("native counter: out of memory")
        self._ctx = ctx
        self._lib = lib
        self._state = _State.from_address(ctx)
        self._protected = []  # (begin, size, original perms) of guard pages made read-only
        # Free the native tables, remove the hooks and restore page permissions when the Counter
        # goes (the lists fill in below); if the engine was closed first, only free the tables.
        self._finalizer = weakref.finalize(self, Counter._release, lib, ctx, self._uclib,
                                           self._engine_alive_probe(uc), uc._uch,
                                           self._hooks, self._protected)
        try:
            self._configure(uc, flash, regs, ic, dc, guard, stack_guard_mode)
        except BaseException:
            self.close()
            raise
        # Blocks translated before the hooks existed would never call them (unicorn #2200).
        try:
            uc.ctl_flush_tb()
        except Exception:  # noqa: BLE001 - older bindings: documented "create before running"
            pass

    def _configure(self, uc, flash, regs, ic, dc, guard, stack_guard_mode) -> None:
        lib, ctx = self._lib, self._ctx
        for lo, hi in flash:
            lib.ts_add_flash(ctx, lo, hi)
        for _, _, lo, hi in regs:
            lib.ts_add_region(ctx, lo, hi)
        for geom, setter, what in ((ic, lib.ts_set_icache, "icache"), (dc, lib.ts_set_dcache, "dcache")):
            if geom is not None:
                sets, ways = geom.sets_ways(what)
                if setter(ctx, geom.line_bytes, sets, ways, geom.miss_penalty, int(geom.prefetch),
                          geom.prefetch_penalty):
                    raise TinysimError(f"counter {what}: cannot configure {geom}")
        self.stack_guard_mode: Optional[str] = None
        if guard is not None:
            self.stack_guard_mode = self._choose_guard_mode(uc, guard, stack_guard_mode)
            lib.ts_set_guard(ctx, guard[0], guard[1], int(self.stack_guard_mode == "hook"))
        self._install_hooks(flash, guard, dc is not None)

    # ---- setup helpers ---------------------------------------------------------------------
    @staticmethod
    def _pc_regid(uc) -> int:
        from unicorn import UC_ARCH_ARM, UC_ARCH_RISCV
        from unicorn.arm_const import UC_ARM_REG_PC
        from unicorn.riscv_const import UC_RISCV_REG_PC
        arch = getattr(uc, "_arch", UC_ARCH_ARM)
        return UC_RISCV_REG_PC if arch == UC_ARCH_RISCV else UC_ARM_REG_PC

    @staticmethod
    def _engine_alive_probe(uc) -> Callable[[], bool]:
        """A callable telling whether `uc`'s engine handle is still open, without keeping uc alive."""
        fin = getattr(uc, "_Uc__finalizer", None)
        if fin is None:
            return lambda: True
        return lambda: fin.alive

    def _choose_guard_mode(self, uc, guard: Tuple[int, int], mode: str) -> str:
        """"protect": make the pages holding the guard read-only and catch the write faults
        (free for every other access); "hook": check every write in a UC_HOOK_MEM_WRITE, which
        makes Unicorn several times slower. "auto" protects when the guard covers a page
        boundary of mapped RAM, else hooks."""
        if mode not in ("auto", "protect", "hook"):
            raise TinysimError(f"counter stack_guard_mode={mode!r}: expected auto, protect or hook")
        if mode == "hook":
            return mode
        page = uc.query(_UC_QUERY_PAGE_SIZE)
        lo, hi = guard
        # Round the start up (a page below the guard may hold hot data) and the end up (the
        # bytes of the last page above the guard are written through by the fault hook).
        begin = -(-lo // page) * page
        end = -(-hi // page) * page
        regions = [(rb, re_, perms) for rb, re_, perms in uc.mem_regions()
                   if rb <= begin and end - 1 <= re_]
        if begin >= hi or not regions:
            if mode == "protect":
                raise TinysimError(f"counter stack guard [{lo:#x}, {hi:#x}): cannot page-protect it "
                                   f"(page size {page:#x}; it must contain a page boundary inside "
                                   "one mapped region); use stack_guard_mode='hook'")
            return "hook"
        perms = regions[0][2]
        uc.mem_protect(begin, end - begin, perms & ~_UC_PROT_WRITE)
        self._protected.append((begin, end - begin, perms))
        self._guard_pages = (begin, end)
        return "protect"

    def _install_hooks(self, flash, guard, dcache: bool) -> None:
        lib = self._lib
        self._hook(_UC_HOOK_BLOCK, lib.ts_block_hook, 1, 0)
        if self.stack_guard_mode == "protect":
            begin, end = self._guard_pages
            self._hook(_UC_HOOK_MEM_WRITE_PROT, lib.ts_guard_prot_hook, begin, end - 1)
        if self.count_data:
            self._hook(_UC_HOOK_MEM_READ, lib.ts_read_hook, 1, 0)
            self._hook(_UC_HOOK_MEM_WRITE, lib.ts_write_hook, 1, 0)
            return
        # Without region counting, hook only where a model needs it: unicorn then skips the
        # callback elsewhere (the hook's [begin, end] bounds are inclusive).
        if dcache:
            for lo, hi in flash:
                self._dcache_hooks.append(self._hook(_UC_HOOK_MEM_READ, lib.ts_read_hook, lo, hi - 1))
        if self.stack_guard_mode == "hook":
            self._hook(_UC_HOOK_MEM_WRITE, lib.ts_write_hook, guard[0], guard[1] - 1)

    def _hook(self, htype: int, fn, begin: int, end: int) -> int:
        from unicorn.unicorn_py3.arch.types import uc_hook_h
        handle = uc_hook_h()
        err = self._uclib.uc_hook_add(self._uc._uch, ctypes.byref(handle), htype,
                                      ctypes.c_void_p(_fn_addr(fn)), ctypes.c_void_p(self._ctx),
                                      ctypes.c_uint64(begin), ctypes.c_uint64(end))
        if err != 0:
            raise EmulationError(f"unicorn refused the native counter hook (type {htype}): "
                                 f"{self._uclib.uc_strerror(err).decode()}")
        self._hooks.append(handle.value)
        return handle.value

    @staticmethod
    def _release(lib, ctx, uclib, engine_alive, uch, hooks, protected) -> None:
        if engine_alive():
            from unicorn.unicorn_py3.arch.types import uc_hook_h
            for h in hooks:
                uclib.uc_hook_del(uch, uc_hook_h(h))
            for begin, size, perms in protected:
                uclib.uc_mem_protect(uch, begin, size, perms)
        lib.ts_free(ctx)

    def close(self) -> None:
        """Remove the hooks and free the native tables (also done when the Counter is collected)."""
        if self._ctx is not None:
            self._finalizer()
            self._ctx = None
            self._state = None

    def __enter__(self) -> "Counter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _live(self) -> _State:
        if self._state is None:
            raise EmulationError("the native counter was closed")
        return self._state

    def _synced(self) -> _State:
        """The state with the learned D-cache model's event counts brought up to date (the
        block hook only charges their cycles; the counts follow from executions x rate)."""
        s = self._live()
        if s.data_state == 2:
            self._lib.ts_sync_data(self._ctx)
        return s

    # ---- describe callback (called from C on every new block) -------------------------------
    def _describe(self, addr: int, size: int, out) -> int:
        try:
            info = self._user_describe(addr, size)
            try:
                n, cyc, taken = (int(x) for x in info)
            except (TypeError, ValueError):
                raise TinysimError(f"describe({addr:#x}, {size}) returned {info!r}; expected "
                                   "(n_insns, cycles, taken_extra)") from None
            for name, v in (("n_insns", n), ("cycles", cyc), ("taken_extra", taken)):
                if not 0 <= v < 2**32:
                    raise TinysimError(f"describe({addr:#x}, {size}): {name}={v} is out of range")
            out[0], out[1], out[2] = n, cyc, taken
            return 0
        except BaseException as err:  # noqa: BLE001 - must not unwind through C
            if self.error is None:
                self.error = err
            # the unicorn binding re-raises this from emu_start once the engine has stopped
            if getattr(self._uc, "_hook_exception", None) is None:
                try:
                    self._uc._hook_exception = err
                except AttributeError:
                    pass
            return 1

    # ---- running totals ----------------------------------------------------------------------
    @property
    def instructions(self) -> int:
        return self._live().instructions

    @property
    def cycles(self) -> int:
        return self._live().cycles

    @property
    def blocks_executed(self) -> int:
        """Block executions so far (sum of the per-block counts)."""
        s = self._live()
        return int(self._native_rows(s.blocks, s.n_blocks, _NATIVE_BLOCK)["count"].sum())

    @property
    def stop_reason(self) -> Optional[str]:
        """Why the counter last stopped the engine (STOP_* string), or None. Cleared by
        `set_budget`, `set_deadline` and `clear_stop`."""
        return _STOP_NAMES.get(self._live().stop_reason, f"unknown-{self._live().stop_reason}")

    @property
    def stop_address(self) -> int:
        """Data address of the write that tripped the stack guard."""
        return self._live().stop_addr

    @property
    def stop_pc(self) -> int:
        """PC of the stack-guard write, or of the block that was not run (budget/deadline)."""
        return self._live().stop_pc

    @property
    def n_blocks(self) -> int:
        return self._live().n_blocks

    def set_budget(self, max_instructions: Optional[int]) -> None:
        """Stop at the first block entry where `instructions >= max_instructions` (a running
        total, not a delta). 0 or None: no budget."""
        s = self._live()
        s.budget = int(max_instructions) if max_instructions else _NO_LIMIT
        self._lib.ts_clear_stop(self._ctx)
        self._settle()

    def set_deadline(self, cycles: Optional[int]) -> None:
        """Stop at the first block entry where `cycles >= deadline`. 0 or None: none."""
        s = self._live()
        s.deadline = int(cycles) if cycles else _NO_LIMIT
        self._lib.ts_clear_stop(self._ctx)
        self._settle()

    def clear_stop(self) -> None:
        self._live()
        self._lib.ts_clear_stop(self._ctx)
        self._settle()

    def add_cycles(self, n: int) -> None:
        """Charge cycles executed outside any block (exception entry, stalls, WFI sleep)."""
        if n < 0:
            raise ValueError(f"add_cycles({n}): cycles only go forward")
        self._live().cycles += int(n)

    def note_transfer(self) -> None:
        """The next block is not reached by a branch of the previous one (exception entry or
        return, PC written by the host): no edge, no taken-branch penalty."""
        self._live()
        self._lib.ts_note_transfer(self._ctx)

    # ---- learned data-cache model -----------------------------------------------------------
    @property
    def data_model_state(self) -> str:
        """The flash D-cache model: "off" (no dcache), "exact" (a read hook runs the cache
        model on every flash data read) or "learned" (frozen: per-block rates, no hook)."""
        return _DATA_STATES.get(self._live().data_state, "off")

    @property
    def unlearned_block_executions(self) -> int:
        """Block executions since the freeze of blocks with no learned rate (not run before
        the freeze): they were charged no D-cache misses. 0 while the model is exact."""
        return self._synced().unlearned_execs

    def freeze_data_model(self) -> bool:
        """End the exact phase of the D-cache model: learn each block's D-cache misses,
        prefetch hits and hits per execution (16.16 fixed point, from every execution so far),
        delete the flash read hooks and make Unicorn retranslate, so loads and stores get its
        inline fast path back. From then on each block execution is charged its learned rates
        (the fractions carry over per block; integer arithmetic, so runs stay bit-identical).

        Returns True if it froze; False (doing nothing) when the model is not exact: no dcache,
        already frozen, or count_data=True (the region counts need the global read hook anyway,
        so there is nothing to win).

        Called between runs, it takes effect at once. Called from a hook while the engine runs
        (e.g. on the firmware's cycle-counter read), the accounting switches at once but the
        speed only returns after that `emu_start` has returned: Unicorn unlinks deleted hooks
        at the end of `uc_emu_start` and, until then, translates every load and store for the
        slow path. The retranslation then happens at the next `set_deadline`, `set_budget` or
        `clear_stop` (a Machine calls `set_deadline` before every `emu_start`); to get there
        sooner, end the current `emu_start` at the next block (e.g. pull in the deadline)."""
        s = self._live()
        if self.count_data or s.data_state != 1:
            return False
        if self._lib.ts_freeze_data(self._ctx) != 0:
            raise EmulationError("native counter: the D-cache model could not be frozen")
        from unicorn.unicorn_py3.arch.types import uc_hook_h
        for h in self._dcache_hooks:
            err = self._uclib.uc_hook_del(self._uc._uch, uc_hook_h(h))
            if err != 0:
                raise EmulationError("unicorn refused to delete the D-cache read hook: "
                                     f"{self._uclib.uc_strerror(err).decode()}")
            self._hooks.remove(h)
        self._dcache_hooks = []
        self._retranslate_due = True
        if not self._emulating():
            self._unlink_deleted_hooks()
            self._finish_freeze()
        return True

    @property
    def retranslation_pending(self) -> bool:
        """True between a freeze from inside a running `emu_start` and the retranslation that
        brings Unicorn's fast path back (see `freeze_data_model`)."""
        return self._retranslate_due

    def _emulating(self) -> bool:
        """Whether this call comes from a hook inside the binding's `emu_start` on this engine
        (its Python frame is then below us on this thread's stack)."""
        code = getattr(type(self._uc).emu_start, "__code__", None)
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code is code and frame.f_locals.get("self") is self._uc:
                return True
            frame = frame.f_back
        return False

    def _unlink_deleted_hooks(self) -> None:
        """Unicorn only unlinks deleted hooks at the end of `uc_emu_start`. Run one that
        executes nothing: an instruction budget already reached makes the block hook stop the
        engine at the entry of the first block, before it runs. With no previous block (as
        after an exception entry) that stop charges nothing; the previous block, budget and
        stop state are restored afterwards, so the counts cannot tell it happened (the block
        may be described, with count 0)."""
        s = self._live()
        saved = (s.prev, s.budget, s.stop_reason, s.stop_pc, s.stop_addr)
        s.prev = _NO_BLOCK
        s.budget = s.instructions
        try:
            self._uc.emu_start(self._resume_address(), 0)
        finally:
            s.prev, s.budget, s.stop_reason, s.stop_pc, s.stop_addr = saved

    def _resume_address(self) -> int:
        from unicorn import UC_ARCH_ARM, UC_MODE_MCLASS, UC_MODE_THUMB
        pc = self._uc.reg_read(self._pc_regid(self._uc))
        if getattr(self._uc, "_arch", UC_ARCH_ARM) == UC_ARCH_ARM and \
                getattr(self._uc, "_mode", UC_MODE_THUMB) & (UC_MODE_THUMB | UC_MODE_MCLASS):
            return pc | 1  # M-profile code is always Thumb
        return pc

    def _finish_freeze(self) -> None:
        """Drop the translated code of every executable mapping. Unicorn decides when it
        translates a load or store whether it may take the inline fast path (only when its
        memory-hook lists are empty), so code translated under the read hook stays slow until
        it is translated again."""
        self._retranslate_due = False
        for begin, last, perms in self._uc.mem_regions():
            if perms & _UC_PROT_EXEC:
                self._uc.ctl_remove_cache(begin, last + 1)

    def _settle(self) -> None:
        """Finish a freeze made inside an `emu_start` once that run has returned."""
        if self._retranslate_due and not self._emulating():
            self._finish_freeze()

    def data_rates(self) -> np.ndarray:
        """Per block (row = block id): learned D-cache events per execution as 16.16 fixed
        point, columns (misses, prefetch hits, hits); divide by RATE_ONE for events. Zero rows
        for blocks without a rate; all zero until `freeze_data_model`."""
        s = self._live()
        rows = self._native_rows(s.blocks, s.n_blocks, _NATIVE_DATA)
        return rows["drate"].copy() if len(rows) else np.zeros((0, 3), dtype=np.uint32)

    # ---- tables ------------------------------------------------------------------------------
    def _native_rows(self, ptr: Optional[int], n: int, dtype: np.dtype) -> np.ndarray:
        if n == 0 or not ptr:
            return np.zeros(0, dtype=dtype)
        raw = (ctypes.c_char * (n * dtype.itemsize)).from_address(ptr)
        return np.frombuffer(raw, dtype=dtype, count=n)

    def blocks(self) -> np.ndarray:
        """Copy of the block table (BLOCK_DTYPE); row index = block id."""
        s = self._synced()
        view = self._native_rows(s.blocks, s.n_blocks, _NATIVE_BLOCK)
        out = np.zeros(len(view), dtype=BLOCK_DTYPE)
        for name in BLOCK_DTYPE.names:
            out[name] = view[name]
        return out

    def edges(self) -> np.ndarray:
        """Copy of the edge table (EDGE_DTYPE): src/dst block ids, count, taken."""
        s = self._live()
        view = self._native_rows(s.edges, s.n_edges, _NATIVE_EDGE)
        out = np.zeros(len(view), dtype=EDGE_DTYPE)
        for name in EDGE_DTYPE.names:
            out[name] = view[name]
        return out

    def region_counts(self) -> np.ndarray:
        """Per data region (REGION_DTYPE): reads and writes (with count_data), D-cache misses."""
        s = self._synced()
        out = np.zeros(len(self._region_meta), dtype=REGION_DTYPE)
        for k, (name, kind) in enumerate(self._region_meta):
            r = s.regions[k]
            out[k] = (name, kind, r.begin, r.end, r.reads, r.writes, r.dmiss, r.dprefetch)
        return out

    def _icache_counts(self) -> Tuple[int, int, int]:
        """(hits, misses, prefetch hits) of the I-cache model. The native fast path does not
        count hits (it would cost ~3% speed); they are line fetches minus the other two."""
        s = self._live()
        if not s.icache.enabled:
            return (0, 0, 0)
        rows = self._native_rows(s.blocks, s.n_blocks, _NATIVE_FETCH)
        fetched = rows[(rows["flags"] & _FETCH_MODEL_FLAG) != 0]
        lines = int((fetched["count"] * fetched["n_lines"].astype(np.uint64)).sum())
        misses, prefetch = int(rows["imiss"].sum()), int(rows["iprefetch"].sum())
        return (lines - misses - prefetch, misses, prefetch)

    def cache_stats(self) -> dict:
        """{"icache"|"dcache": {"hits", "misses", "prefetch_hits"}} for the enabled models."""
        s = self._synced()
        out = {}
        if s.icache.enabled:
            out["icache"] = dict(zip(("hits", "misses", "prefetch_hits"), self._icache_counts()))
        if s.dcache.enabled:
            c = s.dcache
            out["dcache"] = {"hits": c.hits, "misses": c.misses, "prefetch_hits": c.prefetch_hits}
        return out

    def snapshot(self) -> Snapshot:
        """An immutable copy of every counter; `later - earlier` is the window between them."""
        s = self._synced()
        blocks = self.blocks()
        return Snapshot(
            instructions=s.instructions, cycles=s.cycles,
            blocks_executed=int(blocks["count"].sum()),
            blocks=_frozen(blocks), edges=_frozen(self.edges()),
            regions=_frozen(self.region_counts()),
            icache=self._icache_counts(),
            dcache=(s.dcache.hits, s.dcache.misses, s.dcache.prefetch_hits),
            unlearned_block_executions=s.unlearned_execs)
