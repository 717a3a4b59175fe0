"""The learned data-cache model of a Counter: freezing the exact flash D-cache model into
per-block rates, and getting Unicorn's fast memory path back afterwards (see the package
docstring). Mixed into `Counter`."""

from __future__ import annotations

import sys

import numpy as np

from ...errors import EmulationError
from .native import _DATA_STATES, _NATIVE_DATA, _NO_BLOCK, _UC_PROT_EXEC


class LearnedDataModel:
    """freeze_data_model and its state (see tinysim.emu.counter)."""

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
        self._lib.ts_settle(self._ctx)  # the I-cache walk starts from prev (native fetch_settle)
        saved = (s.prev, s.budget, s.stop_reason, s.stop_pc, s.stop_addr)
        s.prev = _NO_BLOCK
        s.budget = s.instructions
        try:
            self._uc.emu_start(self._resume_address(), 0)
        finally:
            s.prev, s.budget, s.stop_reason, s.stop_pc, s.stop_addr = saved
            self._lib.ts_fast_limits_changed(self._ctx)

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
        if self.inline_fast:  # the fractions of the rates count inline from now on
            self._register_fast(terms=True)
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
