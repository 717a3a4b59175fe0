#!/usr/bin/env python3
"""The native block counter's own cost, without the emulator: a recorded block trace replayed
through `ts_block_hook` of one or more builds of the counter, timed in a C loop.

    python3 bench/counter_replay.py record [--workload kws01] [--blocks 3000000] [--out TRACE]
    python3 bench/counter_replay.py replay [--trace TRACE] [--repeat 7] LIB.so [LIB.so ...]

`record` runs `tinysim bench` on the workload (one short window, see steady_speed.py) and, in its
timed window, records the first `--blocks` executed blocks (address, size) with a Python block
hook: the sequence the counter saw. `replay` compiles a small C driver (cc), loads each
`_counter*.so` given (e.g. main's and a branch's), configures a counter like the board's
(flash range, I-cache geometry and prefetch of nucleo-l4r5zi unless --line/--sets/--ways say
otherwise; no D-cache, no engine: stops are never due) and calls `ts_block_hook` for every
block of the trace, `--repeat` times on a fresh counter. It prints, per library, ns per block
(min and median over the repeats) and the I-cache misses and prefetch hits, which must be the
same for every library: a faster counter that counts differently is a bug (tests/emu/
test_fetch_model.py checks every block's counts and the LRU order against a reference).

Timing a few million hook calls takes well under a second and, unlike a whole emulation run,
hardly depends on the neighbours' load (the minimum over the repeats is reported first).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TRACE_DTYPE = np.dtype([("addr", "<u8"), ("size", "<u4"), ("pad", "<u4")])
DEFAULT_TRACE = Path(os.environ.get("TMPDIR", "/tmp")) / "tinysim-block-trace.npy"

DRIVER = r"""
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct { uint64_t addr; uint32_t size, pad; } rec;
static int describe(uint64_t addr, uint32_t size, uint32_t *out) { out[0] = size / 2; out[1] = size / 2; out[2] = 1; return 0; }

int main(int argc, char **argv)
{
    /* lib trace repeat flash_lo flash_hi line sets ways miss prefetch prefetch_penalty */
    if (argc != 12) return 2;
    void *h = dlopen(argv[1], RTLD_LAZY | RTLD_LOCAL);
    if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    void *(*ts_new)(void *, void *, void *, void *, int) = dlsym(h, "ts_new");
    void (*ts_free)(void *) = dlsym(h, "ts_free");
    int (*ts_add_flash)(void *, uint64_t, uint64_t) = dlsym(h, "ts_add_flash");
    int (*ts_set_icache)(void *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t) = dlsym(h, "ts_set_icache");
    void (*hook)(void *, uint64_t, uint32_t, void *) = dlsym(h, "ts_block_hook");
    size_t (*off_icache)(void) = dlsym(h, "ts_offsetof_icache");
    FILE *f = fopen(argv[2], "rb");
    if (!f) return 1;
    fseek(f, 0, SEEK_END);
    long bytes = ftell(f);
    fseek(f, 0, SEEK_SET);
    rec *t = malloc(bytes);
    if (fread(t, 1, bytes, f) != (size_t)bytes) return 1;
    fclose(f);
    size_t n = bytes / sizeof(rec);
    int repeat = atoi(argv[3]);
    printf("[");
    for (int r = 0; r < repeat; r++) {
        void *c = ts_new((void *)describe, NULL, NULL, NULL, 0);
        ts_add_flash(c, strtoull(argv[4], 0, 0), strtoull(argv[5], 0, 0));
        if (ts_set_icache(c, atoi(argv[6]), atoi(argv[7]), atoi(argv[8]), atoi(argv[9]), atoi(argv[10]), atoi(argv[11])))
            return 3;
        /* first pass: every block described once, so the timed pass is the steady state */
        for (size_t i = 0; i < n; i++) hook(NULL, t[i].addr, t[i].size, c);
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (size_t i = 0; i < n; i++) hook(NULL, t[i].addr, t[i].size, c);
        clock_gettime(CLOCK_MONOTONIC, &b);
        /* ts_cache: 8 uint32 fields, then hits, misses, prefetch_hits (hits: data side only) */
        const uint64_t *k = (const uint64_t *)((const char *)c + off_icache() + 32);
        printf("%s{\"ns\": %.0f, \"misses\": %llu, \"prefetch_hits\": %llu}", r ? ", " : "",
               (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec), (unsigned long long)k[1],
               (unsigned long long)k[2]);
        ts_free(c);
    }
    printf("]\n");
    return 0;
}
"""


def record(args) -> int:
    from unicorn import UC_HOOK_BLOCK

    import steady_speed  # bench/steady_speed.py: the one-window bench run and its wrappers
    from tinysim.emu import machine as machine_mod

    trace = np.zeros(args.blocks, dtype=TRACE_DTYPE)
    state = {"n": 0, "hooked": False, "infers": 0}
    run = machine_mod.Machine.run

    def on_block(uc, addr, size, _user):
        n = state["n"]
        if n < args.blocks:
            trace[n] = (addr, size, 0)
            state["n"] = n + 1

    def wrapped_run(self, *a, **k):
        # the second infer command is the timed window (the first is the calibration)
        if steady_speed.STATE["in_infer"] and steady_speed.INFER["device_s"] > 0 and not state["hooked"]:
            self.uc.hook_add(UC_HOOK_BLOCK, on_block)
            state["hooked"] = True
        return run(self, *a, **k)
    machine_mod.Machine.run = wrapped_run
    sys.argv = [sys.argv[0], "--workload", args.workload, "--platform", args.platform,
                "--window-s", str(args.window_s)]
    rc = steady_speed.main()
    n = state["n"]
    np.save(args.out, trace[:n])
    print(json.dumps({"trace": str(args.out), "blocks": n}), file=sys.stderr)
    return rc


def replay(args) -> int:
    trace = np.load(args.trace)
    with tempfile.TemporaryDirectory() as tmp:
        src, exe, raw = Path(tmp) / "replay.c", Path(tmp) / "replay", Path(tmp) / "trace.bin"
        src.write_text(DRIVER)
        subprocess.run(["cc", "-O2", "-o", str(exe), str(src), "-ldl"], check=True)
        raw.write_bytes(np.ascontiguousarray(trace, dtype=TRACE_DTYPE).tobytes())
        out = {"trace": str(args.trace), "blocks": int(len(trace)), "libs": {},
               "load_average": [round(x, 2) for x in os.getloadavg()]}
        for lib in args.libs:
            res = subprocess.run([str(exe), str(Path(lib).resolve()), str(raw), str(args.repeat),
                                  hex(args.flash_lo), hex(args.flash_hi), str(args.line), str(args.sets),
                                  str(args.ways), str(args.miss), str(int(args.prefetch)), str(args.prefetch_penalty)],
                                 check=True, capture_output=True, text=True)
            runs = json.loads(res.stdout)
            ns = sorted(r["ns"] / len(trace) for r in runs)
            counts = {k: runs[0][k] for k in ("misses", "prefetch_hits")}
            if any({k: r[k] for k in counts} != counts for r in runs):
                raise SystemExit(f"{lib}: counts differ between repeats: {runs}")
            out["libs"][lib] = {"ns_per_block_min": round(ns[0], 2), "ns_per_block_median": round(ns[len(ns) // 2], 2),
                                **counts}
        counts = {json.dumps({k: v[k] for k in ("misses", "prefetch_hits")}) for v in out["libs"].values()}
        out["same_counts"] = len(counts) == 1
    print(json.dumps(out, indent=1))
    return 0 if out["same_counts"] else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("--workload", default="kws01")
    r.add_argument("--platform", default="nucleo-l4r5zi")
    r.add_argument("--blocks", type=int, default=3_000_000)
    r.add_argument("--window-s", type=float, default=0.5)
    r.add_argument("--out", type=Path, default=DEFAULT_TRACE)
    p = sub.add_parser("replay")
    p.add_argument("libs", nargs="+")
    p.add_argument("--trace", type=Path, default=DEFAULT_TRACE)
    p.add_argument("--repeat", type=int, default=7)
    # nucleo-l4r5zi: 2 MiB flash at 0x08000000; ART I-cache 1 KiB in 8-byte lines (dual bank),
    # fully associative, prefetch on (platforms/socs/stm32l4r5/stm32l4r5.toml [flash])
    p.add_argument("--flash-lo", type=lambda s: int(s, 0), default=0x08000000)
    p.add_argument("--flash-hi", type=lambda s: int(s, 0), default=0x08200000)
    p.add_argument("--line", type=int, default=8)
    p.add_argument("--sets", type=int, default=1)
    p.add_argument("--ways", type=int, default=128)
    p.add_argument("--miss", type=int, default=5)
    p.add_argument("--prefetch", type=int, default=1)
    p.add_argument("--prefetch-penalty", type=int, default=1)
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    return record(args) if args.cmd == "record" else replay(args)


if __name__ == "__main__":
    sys.exit(main())
