"""`Counter`: native counting attached to one Unicorn engine. This module sets it up (native
context, caches, regions, stack guard, hooks), runs the describe callback and sets the budget and
deadline; reading it is in `readout.py`, the learned data-cache model in `data_model.py`."""

from __future__ import annotations

import ctypes
import weakref
from typing import Any, Callable, Iterable, Optional, Sequence, Tuple

from unicorn import UC_ARCH_ARM
from unicorn.arm_const import UC_ARM_REG_EPSR

from ...errors import EmulationError, TinysimError
from ..engine_probes import engine_keeps_it_state
from .config import CacheGeometry, parse_range, parse_region
from .data_model import LearnedDataModel
from .flash_timing import FlashTiming
from .native import (FAST_ENTRY, _DESCRIBE_CFUNC, _UNMASK_CFUNC, _NO_LIMIT, _UC_HOOK_BLOCK,
                     _UC_HOOK_MEM_READ, _UC_HOOK_MEM_WRITE, _UC_HOOK_MEM_WRITE_PROT, _UC_PROT_WRITE,
                     _UC_QUERY_PAGE_SIZE, MAX_FLASH_RANGES, MAX_REGIONS, FastDesc, _State, fn_addr,
                     load_native, unicorn_lib)
from .readout import CounterReadout


class Counter(CounterReadout, LearnedDataModel, FlashTiming):
    """Native counting attached to one Unicorn engine (see module docstring)."""

    def __init__(self, uc, describe: Callable[[int, int], Any], *,
                 flash_ranges: Iterable = (), icache=None, dcache=None,
                 regions: Sequence = (), stack_guard: Optional[Tuple[int, int]] = None,
                 count_data: bool = True, pc_reg: Optional[int] = None,
                 stack_guard_mode: str = "auto", shared_caches: bool = False,
                 inline_fast: bool = True):
        lib = load_native()
        self._uclib = unicorn_lib()
        self._uc = uc
        self._user_describe = describe
        self._ctx = None
        self._hooks = []
        self.outside_cycles = 0  # charged by add_cycles: device time spent outside any block
        self.sleep_cycles = 0  # ... of which the core slept (WFI until an event)
        self._dcache_hooks = []  # the flash read hooks of the exact D-cache model (count_data off)
        self._retranslate_due = False  # frozen inside emu_start: retranslate once it returned
        self.error: Optional[BaseException] = None  # first exception raised by a callback from C
        self.count_data = bool(count_data)
        # True once the block hook has the engine's inline fast path (patch 0006; `inline_fast`
        # False or a stock engine: the plain hook, same counts)
        self.inline_fast = False
        self.read_hooks_unsynced = False  # ts_read_hook without Unicorn's state sync (patch 0009)
        self._want_inline_fast = bool(inline_fast)

        flash = [parse_range(r, "flash range") for r in flash_ranges]
        if len(flash) > MAX_FLASH_RANGES:
            raise TinysimError(f"counter: {len(flash)} flash ranges given, at most {MAX_FLASH_RANGES}")
        regs = [parse_region(r, k) for k, r in enumerate(regions)]
        if len(regs) > MAX_REGIONS:
            raise TinysimError(f"counter: {len(regs)} data regions given, at most {MAX_REGIONS}")
        self._region_meta = [(name, kind) for name, kind, _, _ in regs]
        guard = None if stack_guard is None else parse_range(stack_guard, "stack_guard")
        ic = None if icache is None else CacheGeometry.of(icache, "icache")
        dc = None if dcache is None else CacheGeometry.of(dcache, "dcache")
        if shared_caches and (ic is None or dc is None or ic.sets_ways("icache") != dc.sets_ways("dcache")
                              or ic.line_bytes != dc.line_bytes):
            raise TinysimError("counter: shared_caches needs an icache and a dcache of the same "
                               f"geometry (one cache seen from both sides), got {ic} and {dc}")
        self.shared_caches = bool(shared_caches)
        if (ic or dc) and not flash:
            raise TinysimError("counter: an icache/dcache model needs flash_ranges (the caches "
                               "only apply to accesses inside flash)")

        self._describe_cb = _DESCRIBE_CFUNC(self._describe)
        reg_read = fn_addr(self._uclib.uc_reg_read)
        ctx = lib.ts_new(fn_addr(self._describe_cb), fn_addr(self._uclib.uc_emu_stop), reg_read,
                         fn_addr(self._uclib.uc_mem_write),
                         self._pc_regid(uc) if pc_reg is None else int(pc_reg))
        if not ctx:
            raise MemoryError("native counter: out of memory")
        self._ctx = ctx
        self._lib = lib
        self._state = _State.from_address(ctx)
        self.it_resync = self._has_it_state(uc) and not engine_keeps_it_state()
        if self.it_resync:
            # Unicorn 2.1.4 leaks the Thumb IT state out of a memory hook (issue 10): the
            # native memory hooks put it back (counter_hooks.c, it_resync). An engine with
            # third_party/unicorn/0008-*.patch keeps it (a probe says so): no write per access.
            lib.ts_set_it_resync(ctx, fn_addr(self._uclib.uc_reg_write), UC_ARM_REG_EPSR)
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
        if self.shared_caches and lib.ts_share_caches(ctx):
            raise TinysimError("counter: cannot share the icache and dcache storage")
        self.stack_guard_mode: Optional[str] = None
        if guard is not None:
            self.stack_guard_mode = self._choose_guard_mode(uc, guard, stack_guard_mode)
            lib.ts_set_guard(ctx, guard[0], guard[1], int(self.stack_guard_mode == "hook"))
        self._install_hooks(flash, guard, dc is not None)

    # ---- setup helpers ---------------------------------------------------------------------
    @staticmethod
    def _has_it_state(uc) -> bool:
        """Thumb cores have an IT state (ARMv7-M EPSR.IT); RISC-V has none."""
        return getattr(uc, "_arch", UC_ARCH_ARM) == UC_ARCH_ARM

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
        self._install_block_hook()
        if self.stack_guard_mode == "protect":
            begin, end = self._guard_pages
            self._hook(_UC_HOOK_MEM_WRITE_PROT, lib.ts_guard_prot_hook, begin, end - 1)
        if self.count_data:
            self._read_hook(1, 0)
            self._hook(_UC_HOOK_MEM_WRITE, lib.ts_write_hook, 1, 0)
            return
        # Without region counting, hook only where a model needs it: unicorn then skips the
        # callback elsewhere (the hook's [begin, end] bounds are inclusive).
        if dcache:
            for lo, hi in flash:
                self._dcache_hooks.append(self._read_hook(lo, hi - 1))
        if self.stack_guard_mode == "hook":
            self._hook(_UC_HOOK_MEM_WRITE, lib.ts_write_hook, guard[0], guard[1] - 1)

    def _read_hook(self, begin: int, end: int) -> int:
        """ts_read_hook over [begin, end]. It reads no guest register, so on an engine with
        `uc_hook_mem_no_sync` (tinysim's Unicorn patch 0009) Unicorn calls it without syncing the
        guest state first (a look-up and decode per hooked access); not while the IT resync
        writes EPSR from it (an engine that leaks the IT state)."""
        handle = self._hook(_UC_HOOK_MEM_READ, self._lib.ts_read_hook, begin, end)
        no_sync = getattr(self._uclib, "uc_hook_mem_no_sync", None)
        if no_sync is not None and not self.it_resync:
            no_sync.restype = ctypes.c_int
            no_sync.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
            err = no_sync(self._uc._uch, ctypes.c_void_p(handle))
            if err != 0:
                raise EmulationError(f"unicorn refused the counter's unsynced read hook: "
                                     f"{self._uclib.uc_strerror(err).decode()}")
            self.read_hooks_unsynced = True
        return handle

    def _install_block_hook(self) -> None:
        """The block hook; on an engine with `uc_hook_block_fast3` (tinysim's Unicorn patch
        0006) with its inline fast path: the translated block itself does the counting the hook
        armed it with (native/counter.h, ts_fast_slot), the same counts without the call."""
        lib = self._lib
        fast = getattr(self._uclib, FAST_ENTRY, None) if self._want_inline_fast else None
        if fast is None:
            self._hook(_UC_HOOK_BLOCK, lib.ts_block_hook, 1, 0)
            return
        self._fast_handle = self._hook(_UC_HOOK_BLOCK, lib.ts_block_hook_fast, 1, 0)
        self._register_fast(terms=False)
        self.inline_fast = True

    def _register_fast(self, terms: bool) -> None:
        """Hand the block hook's state to the engine's fast path; with terms, blocks are
        translated with the slots' fixed-point terms (the learned D-cache rates' fractions: a
        test per inline run that the other modes are spared). Flushes every translated block:
        never from inside a hook."""
        fast = getattr(self._uclib, FAST_ENTRY)
        fast.restype = ctypes.c_int
        fast.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        self._lib.ts_set_fast_terms(self._ctx, int(terms))
        desc = FastDesc()
        self._lib.ts_fast_desc_of(self._ctx, ctypes.byref(desc))
        err = fast(self._uc._uch, ctypes.c_void_p(self._fast_handle), ctypes.byref(desc))
        if err != 0:
            self._lib.ts_set_fast_terms(self._ctx, 0)
            raise EmulationError(f"unicorn refused the counter's inline fast path: "
                                 f"{self._uclib.uc_strerror(err).decode()}")

    def _hook(self, htype: int, fn, begin: int, end: int) -> int:
        from unicorn.unicorn_py3.arch.types import uc_hook_h
        handle = uc_hook_h()
        err = self._uclib.uc_hook_add(self._uc._uch, ctypes.byref(handle), htype,
                                      ctypes.c_void_p(fn_addr(fn)), ctypes.c_void_p(self._ctx),
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
                n, cyc, taken, *flags = (int(x) for x in info)
                if len(flags) > 1:
                    raise ValueError
            except (TypeError, ValueError):
                raise TinysimError(f"describe({addr:#x}, {size}) returned {info!r}; expected "
                                   "(n_insns, cycles, taken_extra[, flags])") from None
            flags = flags[0] if flags else 0
            for name, v in (("n_insns", n), ("cycles", cyc), ("taken_extra", taken), ("flags", flags)):
                if not 0 <= v < 2**32:
                    raise TinysimError(f"describe({addr:#x}, {size}): {name}={v} is out of range")
            out[0], out[1], out[2], out[3] = n, cyc, taken, flags
            return 0
        except BaseException as err:  # noqa: BLE001 - must not unwind through C
            self._callback_failed(err)
            return 1

    def _callback_failed(self, err: BaseException) -> None:
        """An exception in a callback C made (it must not unwind through C): kept in `error`,
        and raised by the unicorn binding from emu_start once the engine has stopped."""
        if self.error is None:
            self.error = err
        if getattr(self._uc, "_hook_exception", None) is None:
            try:
                self._uc._hook_exception = err
            except AttributeError:
                pass

    def set_unmask_handler(self, take: Optional[Callable[[], Optional[bool]]]) -> None:
        """Who takes an interrupt a lifted mask lets in (see set_stop_on_unmask): `take()` is
        called inside the block hook, before the block after one that may have unmasked, and
        returns True when it entered an exception (it wrote the handler's address to PC: the
        engine leaves the block unrun and goes on there), False when nothing could be taken (the
        block runs), None to have the run stop there (stop_reason "unmask"). `take` None: always
        stop there."""
        if take is None:
            self._unmask_cb = None
            self._lib.ts_set_on_unmask(self._ctx, None)
            return

        def on_unmask() -> int:
            try:
                taken = take()
                return -1 if taken is None else 1 if taken else 0
            except BaseException as err:  # noqa: BLE001 - must not unwind through C
                self._callback_failed(err)
                return -1
        self._unmask_cb = _UNMASK_CFUNC(on_unmask)
        self._lib.ts_set_on_unmask(self._ctx, fn_addr(self._unmask_cb))

    def set_budget(self, max_instructions: Optional[int]) -> None:
        """Stop at the first block entry where `instructions >= max_instructions` (a running
        total, not a delta). 0 or None: no budget."""
        s = self._live()
        s.budget = int(max_instructions) if max_instructions else _NO_LIMIT
        self._lib.ts_fast_limits_changed(self._ctx)
        self._lib.ts_clear_stop(self._ctx)
        self._settle()

    def set_deadline(self, cycles: Optional[int]) -> None:
        """Stop at the first block entry where `cycles >= deadline`. 0 or None: none."""
        s = self._live()
        s.deadline = int(cycles) if cycles else _NO_LIMIT
        self._lib.ts_fast_limits_changed(self._ctx)
        self._lib.ts_clear_stop(self._ctx)
        self._settle()

    def set_stop_on_unmask(self, on: bool) -> None:
        """While on, before any block entered from one that `describe` flagged DESCRIBE_UNMASKS,
        call the unmask handler (set_unmask_handler), or without one stop (stop_reason
        "unmask"): a run loop holding an interrupt back for the mask learns at once that the
        firmware may have lifted it, without polling."""
        self._live().stop_on_unmask = 1 if on else 0

    def stop_before_block(self) -> None:
        """From `describe`: stop the engine before the block being described runs (it is not
        counted); the caller sets a new deadline before resuming. Works at cycle 0 too, which
        `set_deadline` reads as "no deadline"."""
        s = self._live()
        s.deadline = s.cycles
        self._lib.ts_fast_limits_changed(self._ctx)

    def clear_stop(self) -> None:
        self._live()
        self._lib.ts_clear_stop(self._ctx)
        self._settle()

    def add_cycles(self, n: int, sleep: bool = False) -> None:
        """Charge cycles executed outside any block (exception entry, stalls, WFI sleep);
        `sleep`: the core slept through them (the energy model charges the sleep current)."""
        if n < 0:
            raise ValueError(f"add_cycles({n}): cycles only go forward")
        self._live().cycles += int(n)
        self.outside_cycles += int(n)
        if sleep:
            self.sleep_cycles += int(n)

    def note_transfer(self) -> None:
        """The next block is not reached by a branch of the previous one (exception entry or
        return, PC written by the host): no edge, no taken-branch penalty."""
        self._live()
        self._lib.ts_note_transfer(self._ctx)

    # ---- learned data-cache model -----------------------------------------------------------
