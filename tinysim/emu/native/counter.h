/*
 * tinysim native execution counter.
 *
 * Unicorn calls the hooks (counter_hooks.c) once per executed translation block (TB) and, when asked,
 * once per data access.  Doing that work in Python costs ~0.5 us per block (research notes A.9);
 * here it costs a few nanoseconds, so counting keeps most of Unicorn's raw speed.
 *
 * This file does not link against libunicorn.  Python passes the two engine entry points it needs
 * (uc_emu_stop, uc_reg_read) as function pointers taken from the unicorn binding's own library,
 * and registers the hooks with that library's uc_hook_add, passing a ts_counter as
 * user_data.  The module is built as the CPython extension `tinysim.emu._counter` only so that
 * setuptools compiles and installs it; Python then opens the same shared object with ctypes.
 *
 * Everything here is deterministic: no clocks, no randomness.  Tables are append-only, so a
 * block id or an edge id never changes for the life of a counter.
 */

/* What the two halves of the counter share: the table layouts (mirrored in Python by
 * tinysim/emu/counter/native.py and checked there at load) and the few functions the
 * configuration half (counter_config.c) calls in the hot half (counter_hooks.c). */
#ifndef TINYSIM_COUNTER_H
#define TINYSIM_COUNTER_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TS_NONE 0xffffffffu
#define TS_MAX_REGIONS 16
#define TS_MAX_FLASH 4
#define TS_RUN_LOG 4096u /* ts_counter.run_log: a power of two */

enum ts_stop_reason {
    TS_STOP_NONE = 0,
    TS_STOP_BUDGET = 1,         /* instruction budget reached */
    TS_STOP_DEADLINE = 2,       /* cycle deadline reached */
    TS_STOP_STACK_OVERFLOW = 3, /* write into the stack guard range */
    TS_STOP_DESCRIBE_ERROR = 4, /* the Python describe callback failed */
    TS_STOP_NO_MEMORY = 5,      /* a table could not grow */
    TS_STOP_UNMASK = 6,         /* the previous block may have unmasked interrupts (stop_on_unmask) */
};

enum ts_block_flags {
    TS_BLOCK_IN_FLASH = 1u,
    TS_BLOCK_FETCH_MODEL = 2u,    /* in flash and icache on */
    TS_BLOCK_DATA_RATE = 4u,      /* learned: misses or prefetch hits to charge per execution */
    TS_BLOCK_DATA_UNLEARNED = 8u, /* learned data model: no rate (not run in the exact phase) */
    TS_BLOCK_DATA_LEARNED = 16u,  /* learned: some nonzero rate (counts kept up by ts_sync_data) */
    TS_BLOCK_UNMASKS = 32u,       /* may lower the execution priority (describe's TS_DESCRIBE_UNMASKS) */
};
#define TS_BLOCK_DATA_MASK (TS_BLOCK_DATA_RATE | TS_BLOCK_DATA_UNLEARNED | TS_BLOCK_DATA_LEARNED)

/* describe's fourth word: flags of the block beyond its costs. */
enum ts_describe_flags {
    /* The block may unmask interrupts (Arm: CPSIE, MSR to PRIMASK/BASEPRI/FAULTMASK; RISC-V: a
     * write of mstatus, MRET).  While stop_on_unmask is set, before the block that follows it
     * the counter asks on_unmask to take the interrupt the mask held back (or, without it, stops
     * the run), so it is taken right after the unmasking.  Its successors are never memoised, so
     * they always reach block_hook_slow (and no inline slot is armed after it). */
    TS_DESCRIBE_UNMASKS = 1u,
};

/* The flash data-cache model (ts_counter.data_state).  EXACT runs the cache model in a
 * UC_HOOK_MEM_READ over flash; any memory hook sends every load and store of every translated
 * block through Unicorn's slow path (~0.2 of raw speed).  ts_freeze_data turns what the exact
 * phase saw into per-block rates (LEARNED) so Python can delete the hook and retranslate. */
enum ts_data_state { TS_DATA_OFF = 0, TS_DATA_EXACT = 1, TS_DATA_LEARNED = 2 };

/* Learned rates are 16.16 fixed point per block execution: integer arithmetic only, so the
 * learned phase is bit-identical run to run. */
#define TS_RATE_SHIFT 16
#define TS_RATE_ONE (1u << TS_RATE_SHIFT)
#define TS_RATE_MAX (UINT32_MAX - TS_RATE_ONE) /* acc + rate never wraps */
enum { TS_D_MISS = 0, TS_D_PREFETCH = 1, TS_D_HIT = 2, TS_D_KINDS = 3 };

/* One translation block, keyed by (addr, size).  Layout mirrored by tinysim/emu/counter/native.py. */
typedef struct {
    uint64_t addr;
    uint32_t size;
    uint32_t n_insns;
    uint32_t static_cycles;
    uint32_t taken_extra;
    uint64_t count;
    uint64_t imiss;       /* instruction-cache misses charged to this block */
    uint64_t iprefetch;   /* misses served by the sequential prefetcher */
    /* successor memo: the block that followed last time and the edge to it.  In a loop the
     * successor rarely changes, so the common case needs no hash lookup at all. */
    uint64_t next_addr;
    uint32_t next_size;
    uint32_t next_id;
    uint32_t next_edge;
    uint32_t flags;
    uint32_t n_lines;     /* instruction-cache lines the block spans (when fetch-modelled) */
    uint32_t hint_base;   /* its n_lines way hints in ts_counter.hints (TS_NONE: none) */
    /* Flash data cache, charged to the block whose instructions made the access: misses,
     * prefetch hits, hits (TS_D_*).  Exact phase: counted by the read hook.  Learned phase:
     * the exact counts plus floor(k * rate / 2^16) after k executions, brought up to date by
     * ts_sync_data (only the cycles are charged per execution, through dacc). */
    uint64_t d[TS_D_KINDS];
    uint64_t dexact[TS_D_KINDS]; /* d at the freeze */
    uint64_t freeze_count;       /* count at the freeze (0 for blocks first seen after it) */
    uint32_t drate[TS_D_KINDS];  /* learned events per execution, 16.16 fixed point */
    uint32_t dacc[2];            /* fraction of the miss / prefetch events, < TS_RATE_ONE */
    uint32_t dregion;            /* region charged with the learned misses (TS_NONE: none) */
    uint64_t hint_fills;         /* icache.fills when all n_lines hints were last right */
    /* the successor memo before next_*: a block with two alternating successors (a loop's
     * back edge and its exit, a call returning to two sites) finds either without a hash
     * lookup; successor_of swaps the two on a hit here. */
    uint64_t alt_addr;
    uint32_t alt_size;
    uint32_t alt_id;
    uint32_t alt_edge;
    /* The inline fast path (ts_fast_slot): the epoch in which a slot was last armed for this
     * block (its lines are then noted in way_epoch). */
    uint32_t arm_epoch;
    uint32_t walk_stamp;  /* fetch_settle: the walk that last passed this block */
    uint32_t walk_newer;  /* fetch_settle: the block the walk came from (run after this one) */
    uint32_t pad4;
} ts_block;

/* One control transfer src -> dst.  Layout mirrored by tinysim/emu/counter/native.py. */
typedef struct {
    uint32_t src;
    uint32_t dst;
    uint64_t count;
    uint32_t taken;       /* 1 if dst is not src's fall-through address */
    uint32_t extra;       /* cycles charged per traversal: src's taken_extra if taken, else 0 */
} ts_edge;

/* A data region [begin, end).  Layout mirrored by tinysim/emu/counter/native.py. */
typedef struct {
    uint64_t begin;
    uint64_t end;
    uint64_t reads;
    uint64_t writes;
    uint64_t dmiss;       /* data-cache misses (flash reads only) */
    uint64_t dprefetch;   /* data-cache misses served by the prefetcher */
} ts_region;

/* Set-associative LRU cache of line numbers.  Fully associative when n_sets == 1.
 * Exact LRU in O(1) per access: `map` finds a resident line (open addressing, tag -> way + 1),
 * and each set keeps its ways in a doubly linked list from least to most recently used (`lru`:
 * prev[capacity], next[capacity], head[capacity], tail[capacity], global way indexes; head and
 * tail per set).  The list starts in way order, so while a set has invalid ways the lowest is
 * filled first, then the least recently used way is replaced: the same choices as a scan for
 * the oldest time stamp with ties to the lowest way.  ts_cache_reset empties it. */
typedef struct {
    uint32_t enabled;
    uint32_t line_shift;
    uint32_t n_sets;        /* power of two */
    uint32_t n_ways;
    uint32_t miss_penalty;  /* cycles per miss */
    uint32_t prefetch;      /* 1: a miss on last_line + 1 is a prefetch hit */
    uint32_t prefetch_penalty;
    uint32_t capacity;      /* ways allocated: n_sets * n_ways <= capacity */
    uint64_t hits;          /* the data side only: I-cache hits are derived in Python (readout.py) */
    uint64_t misses;
    uint64_t prefetch_hits;
    uint64_t map_mask;      /* slots in `map` - 1 */
    uint64_t last_line;     /* line number + 1 of the previous access; 0 = none */
    uint64_t *tags;         /* line number + 1; 0 = invalid */
    uint32_t *lru;
    uint32_t *map;
    /* Lines brought in so far plus resets: while it has not changed no line has left the
     * cache.  Never goes back (a reset or a new geometry adds one), so a block's hint_fills
     * can only match while its lines are where its hints say. */
    uint64_t fills;
} ts_cache;

typedef int (*ts_describe_fn)(uint64_t addr, uint32_t size, uint32_t *out4);
typedef int (*ts_emu_stop_fn)(void *uc);
typedef int (*ts_reg_read_fn)(void *uc, int regid, void *value);
typedef int (*ts_mem_write_fn)(void *uc, uint64_t addr, const void *bytes, uint64_t size);
typedef int (*ts_reg_write_fn)(void *uc, int regid, const void *value);
/* Takes, from inside the block hook, the interrupt a lifted mask now lets in: 1 = entered (the
 * handler's address is written to PC, so the engine leaves this block unrun), 0 = nothing to take
 * (the block runs), -1 = stop the run instead (TS_STOP_UNMASK; an error, a stop pending). */
typedef int (*ts_unmask_fn)(void);

/* The first part of this struct (up to n_regions) is mirrored by tinysim/emu/counter/native.py: keep in sync. */
typedef struct {
    uint64_t instructions;
    uint64_t cycles;
    uint64_t hook_calls;      /* calls of ts_block_hook_fast (the inline fast path makes none) */
    uint64_t budget;          /* stop when instructions >= budget; UINT64_MAX = none */
    uint64_t deadline;        /* stop when cycles >= deadline; UINT64_MAX = none */
    uint64_t stop_addr;       /* offending data address (stack overflow) */
    uint64_t stop_pc;         /* PC of the offending instruction, or the unexecuted block */
    uint64_t guard_lo;
    uint64_t guard_hi;
    ts_block *blocks;
    ts_edge *edges;
    uint32_t n_blocks;
    uint32_t n_edges;
    uint32_t prev;            /* id of the previous block, TS_NONE after a non-branch transfer */
    /* Never 0; raised (ts_fast_disarm) by whatever makes an armed inline slot wrong (ts_fast_slot
     * below).  With prev it forms the 64-bit key the slots are armed with: keep the two adjacent
     * and 8-byte aligned. */
    uint32_t fast_epoch;
    uint32_t stop_reason;
    uint32_t n_regions;
    uint32_t n_flash;
    ts_region regions[TS_MAX_REGIONS];
    ts_cache icache;
    ts_cache dcache;
    uint64_t unlearned_execs; /* learned phase: executions of blocks without a rate (synced) */
    uint32_t data_state;      /* enum ts_data_state */
    uint32_t stop_on_unmask;  /* 1: before a block entered from a TS_BLOCK_UNMASKS block, call
                               * on_unmask (stop when it is NULL or says so) */
    /* ---- private below ---- */
    uint64_t flash_lo[TS_MAX_FLASH];
    uint64_t flash_hi[TS_MAX_FLASH];
    uint32_t cap_blocks;
    uint32_t cap_edges;
    uint32_t *block_index;    /* open addressing: block id + 1, 0 = empty */
    uint32_t block_index_mask;
    uint32_t *edge_index;     /* open addressing: edge id + 1, 0 = empty */
    uint32_t edge_index_mask;
    ts_describe_fn describe;
    ts_emu_stop_fn emu_stop;
    ts_unmask_fn on_unmask;   /* NULL: stop_on_unmask stops the run */
    ts_reg_read_fn reg_read;
    ts_mem_write_fn mem_write;
    int pc_regid;
    int guard_in_write_hook;  /* 1: the write hook checks the guard (no page protection) */
    ts_reg_write_fn reg_write; /* uc_reg_write, for it_resync */
    int it_regid;             /* UC_ARM_REG_EPSR on Thumb cores; -1: no IT state (RISC-V) */
    /* 1: icache and dcache are two views of ONE cache (ts_share_caches): the same tags / LRU
     * lists, separate hit and miss counts and last lines (the STM32U5 ICACHE serves the
     * instruction fetches and the data reads of the C-AHB bus). */
    uint32_t cache_shared;
    uint32_t pad_shared;
    /* I-cache way hints: per fetch-modelled block, from hint_base, the way each of its lines was
     * found in last time (TS_NONE: none yet).  Used without a look only while icache.fills
     * equals the block's hint_fills (nothing has left the cache since they were all right);
     * otherwise each is checked against its way's tag, so a stale one (evicted line, cache
     * reset) costs a lookup, never a wrong count.  Append-only, like the tables. */
    uint32_t *hints;
    uint32_t n_hints;
    uint32_t cap_hints;
    /* The inline fast path runs a block only while cycles + its extra < fast_limit (ts_fast_slot).
     * ts_fast_limit sets it to min(deadline, cycles + min(budget - instructions, TS_RUN_LOG));
     * armed blocks charge at least one cycle per instruction (fast_arm) and ts_block_hook_fast
     * keeps the bound over the blocks the hook counts, so until it is passed neither the
     * deadline nor the budget can be.  Lower than that is always safe (the hook then decides). */
    uint64_t fast_limit;
    /* The I-cache LRU order the inline fast path leaves behind (fetch_settle).  Blocks run by
     * their slots touch no cache state; the order their fetches would have left is restored
     * from the log of the blocks they ran (run_log below) before anything reads or changes the
     * cache: the hook, an exception entry (ts_note_transfer), a re-configuration.  settled is
     * `instructions` when the cache was last up to date (the hook keeps it so): the inline
     * instructions since then bound what the logged blocks can add up to (a check). */
    uint64_t settled;
    /* The blocks the slots ran, in order (the engine appends each id: the log of
     * uc_block_fast; not a block run again right after itself): run_log[i % TS_RUN_LOG] for
     * log_settled <= i < log_pos are the runs since the cache was last up to date.  fast_limit
     * keeps them within TS_RUN_LOG (ts_fast_limit). */
    uint64_t log_pos;
    uint64_t log_settled;
    uint32_t *run_log;
    uint64_t settle_errors;   /* walks that did not add up (a bug; tests assert 0) */
    uint32_t walk_stamp;
    /* 1: the engine translates blocks with the slots' fixed-point terms (ts_set_fast_terms,
     * after the D-cache model's freeze): only then may fast_arm give a slot acc */
    uint32_t fast_terms;
    /* Per I-cache way (icache.capacity of them): the fast_epoch in which a fetch-modelled block
     * with its line there was armed.  A fill replacing such a line ends the epoch (fetch_block);
     * other fills leave the armed slots alone.  NULL when not allocated (no I-cache). */
    uint32_t *way_epoch;
} ts_counter;

/* The inline fast path of the block hook (Unicorn patch 0006, third_party/unicorn/README.md): per
 * translated block a slot, Unicorn's uc_block_fast_slot (same layout), that ts_block_hook_fast
 * arms with what the block hook did for this block after a previous block, one way per previous
 * block (two ways), when that work depends on nothing but the key it is armed with (fast_arm).
 * The translated block then does it itself while, for the way w whose key matches,
 *     ((uint64_t)fast_epoch << 32 | prev) == w.key  and  cycles + w.extra < fast_limit:
 * instructions += insns; cycles += w.cycles; (*count)++; (*w.edge_count)++;
 * run_log[log_pos % TS_RUN_LOG] = the block's id, log_pos += (the block is not prev);
 * key := next_key; and with acc set (a block with fractional learned D-cache rates; only in
 * blocks translated after ts_set_fast_terms turned the terms on), for the
 * miss and prefetch terms i: a = acc[i] + frac[i]; acc[i] = a & 0xFFFF; cycles += (a >> 16) *
 * unit[i], which is data_learned's carry (acc is the block's dacc, shared with the hook).
 * fast_limit (ts_fast_limit) is at most the deadline and stands in for the budget too. */
typedef struct {
    uint64_t key;         /* 0: not armed (fast_epoch is never 0) */
    uint64_t extra;       /* the edge's taken-branch cycles, charged before the limit check */
    uint64_t cycles;      /* extra + the block's static cycles (+ the learned D-cache rates'
                           * whole events' penalties) */
    uint64_t *edge_count; /* the execution count of the edge from the key's block */
} ts_fast_way;

typedef struct {
    ts_fast_way way[2];
    uint64_t insns;
    uint64_t *count;      /* the block's execution count */
    uint64_t next_key;
    uint32_t *acc;        /* the block's dacc when a learned rate has a fraction, else NULL */
    uint32_t frac[2];     /* the fractions of its miss and prefetch rates (TS_RATE_SHIFT bits) */
    uint32_t unit[2];     /* the D-cache's miss and prefetch penalties */
    uint64_t reserved;    /* tinysim's: the key this block was last found not armable with */
    uint64_t spare;       /* the hook's too; unused */
} ts_fast_slot;

/* Unicorn's uc_block_fast: where the slot's words are compared and added in a ts_counter. */
typedef struct {
    void *state;
    uint32_t key_off;
    uint32_t cycles_off;
    uint32_t limit_off;
    uint32_t insns_off;
    uint32_t log_pos_off;
    uint32_t log_mask;
    uint32_t *log;
    uint32_t flags;       /* TS_FAST_TERMS: blocks translated carry the slots' terms */
} ts_fast_desc;

#define TS_FAST_TERMS 1u  /* Unicorn's UC_BLOCK_FAST_TERMS */

/* Makes every armed slot miss (they re-arm on their next call of the hook). */
static inline void ts_fast_disarm(ts_counter *c)
{
    if (++c->fast_epoch == 0)
        c->fast_epoch = 1;
}

/* fast_limit from the counts, budget and deadline now; called after each of them changes
 * other than by blocks the limit allowed (the hook, Python's set_budget / set_deadline), with
 * the run log settled (fetch_settle).  It is also at most TS_RUN_LOG cycles ahead: an armed
 * block adds at least one cycle, so no more runs than the log holds can pass it before the
 * hook runs again, and the hook settles the log. */
static inline void ts_fast_limit(ts_counter *c)
{
    uint64_t room = c->budget > c->instructions ? c->budget - c->instructions : 0;
    if (room > TS_RUN_LOG)
        room = TS_RUN_LOG;
    uint64_t lim = c->cycles + room;
    c->fast_limit = lim < c->deadline ? lim : c->deadline;
}

/* Shared between the two files; hidden so the shared object exports only the ts_* API. */
#define TS_INTERNAL __attribute__((visibility("hidden")))
TS_INTERNAL int blocks_rehash(ts_counter *c, uint32_t slots);
TS_INTERNAL int edges_rehash(ts_counter *c, uint32_t slots);
TS_INTERNAL void set_block_flags(ts_counter *c, ts_block *b);
TS_INTERNAL void fetch_settle(ts_counter *c);
void ts_cache_reset(ts_cache *k);

#endif
