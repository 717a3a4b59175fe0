"""`ExecutionProfile`: what one timed window executed, independent of any cost table.

Per block (address, size, instructions, executions, flash fetch events, term histograms), the
taken edges between blocks, data accesses per memory region and D-cache misses, plus metadata
(platform, ELF sha256, window label, tinysim version, the parameters used while recording and
what the native counter accumulated). Saved as `<name>.npz` (arrays) + `<name>.json` (metadata)
side by side; `evaluate.estimate` re-costs it with numpy alone.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence

import numpy as np

from .. import __version__
from ..atomic import atomic_file
from ..errors import TinysimError
from .classes import N_TERMS, TERM_NAMES, InsnClass

FORMAT_VERSION = 1

BLOCK_DTYPE = np.dtype([("addr", "<u4"), ("size", "<u4"), ("n_insns", "<u4"),
                        ("static_cycles", "<i8"), ("taken_extra", "<i8"), ("count", "<u8"),
                        ("imiss", "<u8"), ("iprefetch", "<u8")])
EDGE_DTYPE = np.dtype([("src", "<u4"), ("dst", "<u4"), ("count", "<u8"), ("taken", "?")])
REGION_DTYPE = np.dtype([("name", "<U32"), ("kind", "<U8"), ("reads", "<u8"), ("writes", "<u8"),
                         ("dmiss", "<u8"), ("dprefetch", "<u8")])


class ProfileError(TinysimError):
    """A profile file is missing, corrupt or from an incompatible tinysim."""


@dataclass
class ExecutionProfile:
    blocks: np.ndarray  # BLOCK_DTYPE
    edges: np.ndarray  # EDGE_DTYPE, src/dst index `blocks`
    static_hist: np.ndarray  # (n_blocks, N_TERMS) int32: terms paid per execution
    taken_hist: np.ndarray  # (n_blocks, N_TERMS) int32: terms paid per taken exit
    regions: np.ndarray  # REGION_DTYPE
    meta: Dict[str, Any] = field(default_factory=dict)
    _totals: Optional[np.ndarray] = field(default=None, repr=False, compare=False)

    # ---------------------------------------------------------------- derived, cached
    @property
    def taken_counts(self) -> np.ndarray:
        """Per block: how many times it was left by a taken branch."""
        out = np.zeros(len(self.blocks), dtype=np.int64)
        if len(self.edges):
            taken = self.edges[self.edges["taken"]]
            np.add.at(out, taken["src"].astype(np.int64), taken["count"].astype(np.int64))
        return out

    def term_totals(self) -> np.ndarray:
        """Total count of every cost term over the window (int64, length N_TERMS)."""
        if self._totals is None:
            counts = self.blocks["count"].astype(np.int64)
            self._totals = (counts @ self.static_hist.astype(np.int64)
                            + self.taken_counts @ self.taken_hist.astype(np.int64))
        return self._totals

    @property
    def instructions(self) -> int:
        return int(self.blocks["count"].astype(np.int64) @ self.blocks["n_insns"].astype(np.int64))

    @property
    def outside_cycles(self) -> int:
        """Cycles the counter charged outside any block in the window (exception entry and
        return, sleep, a spin on a peripheral flag skipped to its change), at the platform clock
        the profile was recorded with."""
        return int(self.meta.get("counter_outside_cycles", 0))

    @property
    def sleep_cycles(self) -> int:
        """Of the outside cycles, those the core slept in WFI until an event (charged at the
        sleep current); 0 when the recording did not say."""
        return int(self.meta.get("counter_sleep_cycles", 0))

    @property
    def imiss(self) -> int:
        return int(self.blocks["imiss"].sum())

    @property
    def iprefetch(self) -> int:
        return int(self.blocks["iprefetch"].sum())

    @property
    def dmiss(self) -> int:
        return int(self.regions["dmiss"].sum()) if len(self.regions) else 0

    @property
    def dprefetch(self) -> int:
        return int(self.regions["dprefetch"].sum()) if len(self.regions) else 0

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_counts(cls, blocks: np.ndarray, edges: np.ndarray, coster, *,
                    regions: Sequence[Mapping[str, Any]] = (),
                    blocks_before: Optional[np.ndarray] = None,
                    edges_before: Optional[np.ndarray] = None,
                    regions_before: Sequence[Mapping[str, Any]] = (),
                    **meta) -> "ExecutionProfile":
        """Build the profile of a window from counter snapshots (after - before).

        `blocks`/`edges` are the counter's structured arrays (block id = row index, stable across
        snapshots, new blocks appended); `regions` rows have name, kind, reads, writes, dmiss.
        Blocks that did not run in the window are dropped and edges renumbered.
        """
        blocks = _as_blocks(blocks)
        if blocks_before is not None and len(blocks_before):
            before = _as_blocks(blocks_before)
            if len(before) > len(blocks) or np.any(before["addr"] != blocks["addr"][:len(before)]):
                raise TinysimError("counter snapshots do not match: the 'before' block table is "
                                   "not a prefix of the 'after' one")
            for col in ("count", "imiss", "iprefetch"):
                blocks[col][:len(before)] -= before[col]
        edges = _edge_diff(_as_edges(edges),
                           None if edges_before is None else _as_edges(edges_before))
        live = (blocks["count"] > 0) | (blocks["imiss"] > 0) | (blocks["iprefetch"] > 0)
        remap = np.full(len(blocks), -1, dtype=np.int64)
        remap[live] = np.arange(int(live.sum()))
        blocks = blocks[live]
        if len(edges):
            src, dst = remap[edges["src"].astype(np.int64)], remap[edges["dst"].astype(np.int64)]
            keep = (src >= 0) & (dst >= 0) & (edges["count"] > 0)
            edges = edges[keep]
            edges["src"], edges["dst"] = src[keep], dst[keep]
        static, taken = coster.histograms(blocks["addr"], blocks["size"])
        region_rows = _region_diff(regions, regions_before)
        prof = cls(blocks, edges, static, taken, region_rows, {})
        w = coster.weights  # the counter got these rounded to integers (BlockInfo)
        if not np.array_equal(np.round(static @ w), blocks["static_cycles"].astype(np.float64)) \
                or not np.array_equal(np.round(taken @ w), blocks["taken_extra"].astype(np.float64)):
            raise TinysimError("block cycles in the counter differ from the coster's histograms "
                               "(was the counter given another BlockCoster?)")
        prof.meta = {
            "format": FORMAT_VERSION, "tinysim_version": __version__,
            "term_names": list(TERM_NAMES), "arch": coster.arch,
            "timing_preset": coster.preset.name, "timing_params": dict(coster.params),
            "unclassified": [[a, m] for a, m in coster.unclassified_list()],
        }
        prof.meta.update(meta)
        return prof

    @classmethod
    def from_snapshots(cls, before, after, coster, **meta) -> "ExecutionProfile":
        """The window between two native-counter snapshots (`before` may be None: from reset).

        A snapshot exposes `blocks` and `edges` (structured arrays, or methods returning them),
        optionally `regions` (rows or a {name: row} mapping with reads/writes[/dmiss]),
        `dcache_misses` (flash data reads missing the D-cache, if not per region), `cycles` and
        `instructions` (what the counter accumulated; kept in the metadata for cross-checks).
        """
        def get(snap, name, default=None):
            value = getattr(snap, name, default) if snap is not None else default
            return value() if callable(value) else value

        def regions_of(snap):
            rows = get(snap, "regions", ())
            rows = () if rows is None else rows
            if isinstance(rows, Mapping):
                rows = [{"name": k, **(_row(v) if not isinstance(v, (tuple, list)) else
                                        dict(zip(("reads", "writes", "dmiss"), v)))}
                        for k, v in rows.items()]
            rows = [_row(r) for r in rows]
            dmiss = get(snap, "dcache_misses")
            if dmiss is not None and not any("dmiss" in r for r in rows):
                rows.append({"name": "flash data", "kind": "flash", "dmiss": int(dmiss)})
            return rows

        counted = {}
        for key in ("cycles", "instructions", "outside_cycles", "sleep_cycles"):
            a, b = get(after, key), get(before, key, 0)
            if a is not None:
                counted[f"counter_{key}"] = int(a) - int(b or 0)
        return cls.from_counts(
            get(after, "blocks"), get(after, "edges"), coster, regions=regions_of(after),
            blocks_before=get(before, "blocks"), edges_before=get(before, "edges"),
            regions_before=regions_of(before) if before is not None else (),
            **{**counted, **meta})

    # ---------------------------------------------------------------- files
    @staticmethod
    def _paths(path) -> tuple:
        p = Path(path)
        base = p.with_suffix("") if p.suffix in (".npz", ".json") else p
        # appended, not with_suffix: a name with dots ("st-v1.3-...") keeps all of them
        return base.with_name(base.name + ".npz"), base.with_name(base.name + ".json")

    def save(self, path) -> Path:
        """Write the .npz and its .json atomically (`tinysim.atomic`): both temporary files are
        complete before either replaces its target, so a full disk leaves the previous pair."""
        npz, js = self._paths(path)
        try:
            npz.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ProfileError(f"{npz}: cannot write the profile ({err.strerror})") from None
        meta = dict(self.meta)
        meta.setdefault("format", FORMAT_VERSION)
        meta.setdefault("term_names", list(TERM_NAMES))
        text = json.dumps(meta, indent=2, sort_keys=True, default=_json_default) + "\n"
        hint = "free some space or choose another path"
        with atomic_file(js, "profile", hint) as fj:
            fj.write(text.encode())
            with atomic_file(npz, "profile", hint) as fz:
                np.savez_compressed(fz, blocks=self.blocks, edges=self.edges,
                                    static_hist=self.static_hist, taken_hist=self.taken_hist,
                                    regions=self.regions)
        return npz

    @classmethod
    def load(cls, path) -> "ExecutionProfile":
        npz, js = cls._paths(path)
        for f in (npz, js):
            if not f.exists():
                raise ProfileError(f"{f}: profile file not found (a profile is a .npz and a "
                                   ".json side by side, written by `tinysim sweep ELF --platform P --save-profile FILE.npz`)")
        try:
            meta = json.loads(js.read_text())
            with np.load(npz, allow_pickle=False) as z:
                arrays = {k: z[k] for k in ("blocks", "edges", "static_hist", "taken_hist",
                                            "regions")}
        except (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile) as err:
            why = "not a NumPy .npz archive" if "pickle" in str(err) else str(err)
            raise ProfileError(f"{npz}: not a tinysim profile ({why}); record one with "
                               "`tinysim sweep ELF --platform P --save-profile FILE.npz`") from None
        if not isinstance(meta, dict):
            raise ProfileError(f"{js}: not a tinysim profile (the .json beside the .npz must hold "
                               "an object); record the profile again")
        if meta.get("format") != FORMAT_VERSION:
            raise ProfileError(f"{js}: profile format {meta.get('format')!r}, this tinysim reads "
                               f"format {FORMAT_VERSION}; record the profile again")
        static, taken = (_remap_terms(arrays[k], meta.get("term_names"), js)
                         for k in ("static_hist", "taken_hist"))
        regions = np.zeros(len(arrays["regions"]), dtype=REGION_DTYPE)
        for name in arrays["regions"].dtype.names or ():
            if name in REGION_DTYPE.names:
                regions[name] = arrays["regions"][name]
        return cls(arrays["blocks"], arrays["edges"], static, taken, regions, meta)


def _json_default(obj):
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot store {type(obj).__name__} in profile metadata")


def _remap_terms(hist: np.ndarray, names, where) -> np.ndarray:
    """Columns by term name, so a profile survives terms appended to InsnClass."""
    if names is None or list(names) == list(TERM_NAMES):
        return hist.astype(np.int32)
    out = np.zeros((hist.shape[0], N_TERMS), dtype=np.int32)
    for k, name in enumerate(names):
        if name not in InsnClass.__members__:
            raise ProfileError(f"{where}: unknown cost term {name!r}; record the profile again")
        out[:, InsnClass[name]] = hist[:, k]
    return out


def _as_blocks(arr) -> np.ndarray:
    out = np.zeros(len(arr), dtype=BLOCK_DTYPE)
    for name in BLOCK_DTYPE.names:
        out[name] = arr[name]
    return out


def _as_edges(arr) -> np.ndarray:
    out = np.zeros(len(arr), dtype=EDGE_DTYPE)
    for name in EDGE_DTYPE.names:
        out[name] = arr[name]
    return out


def _edge_diff(after: np.ndarray, before: Optional[np.ndarray]) -> np.ndarray:
    if before is None or not len(before):
        return after
    key_a = (after["src"].astype(np.uint64) << np.uint64(32)) | after["dst"].astype(np.uint64)
    key_b = (before["src"].astype(np.uint64) << np.uint64(32)) | before["dst"].astype(np.uint64)
    order = np.argsort(key_a)
    pos = np.searchsorted(key_a[order], key_b)
    pos = np.clip(pos, 0, max(len(key_a) - 1, 0))
    idx = order[pos]
    if len(key_b) and np.any(key_a[idx] != key_b):
        raise TinysimError("counter snapshots do not match: an edge of 'before' is missing "
                           "from 'after'")
    out = after.copy()
    np.subtract.at(out["count"], idx, before["count"])
    return out


def _row(r) -> Dict[str, Any]:
    """A region row as a dict, from a mapping or a structured-array record."""
    if isinstance(r, Mapping):
        return dict(r)
    names = getattr(getattr(r, "dtype", None), "names", None)
    if names:
        return {n: r[n] for n in names}
    raise TinysimError(f"counter region row {r!r} has no fields name/reads/writes")


def _region_diff(after, before) -> np.ndarray:
    after = [_row(r) for r in (after if after is not None else ())]
    prev = {str(p["name"]): p for p in (_row(r) for r in (before if before is not None else ()))}
    rows = np.zeros(len(after), dtype=REGION_DTYPE)
    for k, r in enumerate(after):
        p = prev.get(str(r["name"]), {})
        rows[k] = (str(r["name"]), str(r.get("kind", "")),
                   int(r.get("reads", 0)) - int(p.get("reads", 0)),
                   int(r.get("writes", 0)) - int(p.get("writes", 0)),
                   int(r.get("dmiss", 0)) - int(p.get("dmiss", 0)),
                   int(r.get("dprefetch", 0)) - int(p.get("dprefetch", 0)))
    return rows
