/*
 * tinysim native execution counter.
 *
 * Unicorn calls the hooks in this file once per executed translation block (TB) and, when asked,
 * once per data access.  Doing that work in Python costs ~0.5 us per block (research notes A.9);
 * here it costs a few nanoseconds, so counting keeps most of Unicorn's raw speed.
 *
 * This file does not link against libunicorn.  Python passes the two engine entry points it needs
 * (uc_emu_stop, uc_reg_read) as function pointers taken from the unicorn binding's own library,
 * and registers the hooks below with that library's uc_hook_add, passing a ts_counter as
 * user_data.  The module is built as the CPython extension `tinysim.emu._counter` only so that
 * setuptools compiles and installs it; Python then opens the same shared object with ctypes.
 *
 * Everything here is deterministic: no clocks, no randomness.  Tables are append-only, so a
 * block id or an edge id never changes for the life of a counter.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TS_NONE 0xffffffffu
#define TS_MAX_REGIONS 16
#define TS_MAX_FLASH 4
#define TS_PRED_SLOTS 256u
#define TS_PRED_MASK (TS_PRED_SLOTS - 1)

enum ts_stop_reason {
    TS_STOP_NONE = 0,
    TS_STOP_BUDGET = 1,         /* instruction budget reached */
    TS_STOP_DEADLINE = 2,       /* cycle deadline reached */
    TS_STOP_STACK_OVERFLOW = 3, /* write into the stack guard range */
    TS_STOP_DESCRIBE_ERROR = 4, /* the Python describe callback failed */
    TS_STOP_NO_MEMORY = 5,      /* a table could not grow */
};

enum ts_block_flags {
    TS_BLOCK_IN_FLASH = 1u,
    TS_BLOCK_FETCH_MODEL = 2u,    /* in flash and icache on */
    TS_BLOCK_DATA_RATE = 4u,      /* learned: misses or prefetch hits to charge per execution */
    TS_BLOCK_DATA_UNLEARNED = 8u, /* learned data model: no rate (not run in the exact phase) */
    TS_BLOCK_DATA_LEARNED = 16u,  /* learned: some nonzero rate (counts kept up by ts_sync_data) */
};
#define TS_BLOCK_DATA_MASK (TS_BLOCK_DATA_RATE | TS_BLOCK_DATA_UNLEARNED | TS_BLOCK_DATA_LEARNED)

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

/* One translation block, keyed by (addr, size).  Layout mirrored by counter.py. */
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
    uint32_t pad;
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
    uint32_t pad2;
} ts_block;

/* One control transfer src -> dst.  Layout mirrored by counter.py. */
typedef struct {
    uint32_t src;
    uint32_t dst;
    uint64_t count;
    uint32_t taken;       /* 1 if dst is not src's fall-through address */
    uint32_t extra;       /* cycles charged per traversal: src's taken_extra if taken, else 0 */
} ts_edge;

/* A data region [begin, end).  Layout mirrored by counter.py. */
typedef struct {
    uint64_t begin;
    uint64_t end;
    uint64_t reads;
    uint64_t writes;
    uint64_t dmiss;       /* data-cache misses (flash reads only) */
    uint64_t dprefetch;   /* data-cache misses served by the prefetcher */
} ts_region;

/* Set-associative LRU cache of line numbers.  Fully associative when n_sets == 1. */
typedef struct {
    uint32_t enabled;
    uint32_t line_shift;
    uint32_t n_sets;        /* power of two */
    uint32_t n_ways;
    uint32_t miss_penalty;  /* cycles per miss */
    uint32_t prefetch;      /* 1: a miss on last_line + 1 is a prefetch hit */
    uint32_t prefetch_penalty;
    uint32_t pad;
    uint64_t hits;
    uint64_t misses;
    uint64_t prefetch_hits;
    uint64_t clock;         /* LRU time stamp source */
    uint64_t last_line;     /* line number + 1 of the previous access; 0 = none */
    uint64_t *tags;         /* line number + 1; 0 = invalid */
    uint64_t *stamps;
    uint32_t *pred;         /* TS_PRED_SLOTS way hints indexed by line number */
} ts_cache;

typedef int (*ts_describe_fn)(uint64_t addr, uint32_t size, uint32_t *out3);
typedef int (*ts_emu_stop_fn)(void *uc);
typedef int (*ts_reg_read_fn)(void *uc, int regid, void *value);
typedef int (*ts_mem_write_fn)(void *uc, uint64_t addr, const void *bytes, uint64_t size);

/* The first part of this struct (up to n_regions) is mirrored by counter.py: keep in sync. */
typedef struct {
    uint64_t instructions;
    uint64_t cycles;
    uint64_t reserved;
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
    uint32_t stop_reason;
    uint32_t prev;            /* id of the previous block, TS_NONE after a non-branch transfer */
    uint32_t n_regions;
    uint32_t n_flash;
    ts_region regions[TS_MAX_REGIONS];
    ts_cache icache;
    ts_cache dcache;
    uint64_t unlearned_execs; /* learned phase: executions of blocks without a rate (synced) */
    uint32_t data_state;      /* enum ts_data_state */
    uint32_t pad_state;
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
    ts_reg_read_fn reg_read;
    ts_mem_write_fn mem_write;
    int pc_regid;
    int guard_in_write_hook;  /* 1: the write hook checks the guard (no page protection) */
} ts_counter;

/* ------------------------------------------------------------------------------------------ */
/* hashing                                                                                    */

static inline uint64_t ts_mix(uint64_t x)
{
    /* splitmix64 finalizer: cheap and spreads nearby addresses over the table */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static inline uint64_t block_key_hash(uint64_t addr, uint32_t size)
{
    return ts_mix(addr ^ ((uint64_t)size << 48));
}

static inline uint64_t edge_key_hash(uint32_t src, uint32_t dst)
{
    return ts_mix(((uint64_t)src << 32) | dst);
}

static int index_alloc(uint32_t **index, uint32_t *mask, uint32_t slots)
{
    uint32_t *t = calloc(slots, sizeof(uint32_t));
    if (!t)
        return -1;
    free(*index);
    *index = t;
    *mask = slots - 1;
    return 0;
}

static int blocks_rehash(ts_counter *c, uint32_t slots)
{
    if (index_alloc(&c->block_index, &c->block_index_mask, slots))
        return -1;
    for (uint32_t id = 0; id < c->n_blocks; id++) {
        uint64_t h = block_key_hash(c->blocks[id].addr, c->blocks[id].size);
        uint32_t i = (uint32_t)h & c->block_index_mask;
        while (c->block_index[i])
            i = (i + 1) & c->block_index_mask;
        c->block_index[i] = id + 1;
    }
    return 0;
}

static int edges_rehash(ts_counter *c, uint32_t slots)
{
    if (index_alloc(&c->edge_index, &c->edge_index_mask, slots))
        return -1;
    for (uint32_t id = 0; id < c->n_edges; id++) {
        uint64_t h = edge_key_hash(c->edges[id].src, c->edges[id].dst);
        uint32_t i = (uint32_t)h & c->edge_index_mask;
        while (c->edge_index[i])
            i = (i + 1) & c->edge_index_mask;
        c->edge_index[i] = id + 1;
    }
    return 0;
}

static void request_stop(ts_counter *c, void *uc, uint32_t reason, uint64_t pc)
{
    if (c->stop_reason == TS_STOP_NONE) {
        c->stop_reason = reason;
        c->stop_pc = pc;
    }
    if (c->emu_stop)
        c->emu_stop(uc);
}

/* ------------------------------------------------------------------------------------------ */
/* cache model                                                                                */

enum { CACHE_HIT = 0, CACHE_MISS = 1, CACHE_PREFETCH = 2 };

static inline int cache_access(ts_cache *k, uint64_t line)
{
    uint64_t tag = line + 1;
    if (tag == k->last_line) {
        /* same line as the previous access: it is resident and already most recent */
        k->hits++;
        return CACHE_HIT;
    }
    int sequential = k->prefetch && k->last_line && tag == k->last_line + 1;
    k->last_line = tag;
    size_t base = (size_t)((uint32_t)line & (k->n_sets - 1)) * k->n_ways;
    uint64_t *tags = k->tags + base;
    uint64_t *stamps = k->stamps + base;
    uint32_t *pred = &k->pred[line & TS_PRED_MASK];
    /* way predictor: where this line was found or put last time (exact: it is only a hint) */
    if (*pred < k->n_ways && tags[*pred] == tag) {
        stamps[*pred] = ++k->clock;
        k->hits++;
        return CACHE_HIT;
    }
    uint32_t victim = 0;
    uint64_t oldest = UINT64_MAX;
    for (uint32_t w = 0; w < k->n_ways; w++) {
        if (tags[w] == tag) {
            stamps[w] = ++k->clock;
            *pred = w;
            k->hits++;
            return CACHE_HIT;
        }
        /* invalid ways have stamp 0, so they are chosen first; ties pick the lowest way */
        if (stamps[w] < oldest) {
            oldest = stamps[w];
            victim = w;
        }
    }
    tags[victim] = tag;
    stamps[victim] = ++k->clock;
    *pred = victim;
    if (sequential) {
        k->prefetch_hits++;
        return CACHE_PREFETCH;
    }
    k->misses++;
    return CACHE_MISS;
}

static int cache_configure(ts_cache *k, uint32_t line_bytes, uint32_t n_sets, uint32_t n_ways,
                           uint32_t miss_penalty, uint32_t prefetch, uint32_t prefetch_penalty)
{
    if (line_bytes == 0 || (line_bytes & (line_bytes - 1)) || n_sets == 0 ||
        (n_sets & (n_sets - 1)) || n_ways == 0)
        return -1;
    size_t n = (size_t)n_sets * n_ways;
    uint64_t *tags = calloc(n, sizeof(uint64_t));
    uint64_t *stamps = calloc(n, sizeof(uint64_t));
    uint32_t *pred = calloc(TS_PRED_SLOTS, sizeof(uint32_t));
    if (!tags || !stamps || !pred) {
        free(tags);
        free(stamps);
        free(pred);
        return -2;
    }
    free(k->tags);
    free(k->stamps);
    free(k->pred);
    memset(k, 0, sizeof(*k));
    k->tags = tags;
    k->stamps = stamps;
    k->pred = pred;
    k->line_shift = (uint32_t)__builtin_ctz(line_bytes);
    k->n_sets = n_sets;
    k->n_ways = n_ways;
    k->miss_penalty = miss_penalty;
    k->prefetch = prefetch ? 1 : 0;
    k->prefetch_penalty = prefetch_penalty;
    k->enabled = 1;
    return 0;
}

static int in_flash(const ts_counter *c, uint64_t addr)
{
    for (uint32_t i = 0; i < c->n_flash; i++)
        if (addr >= c->flash_lo[i] && addr < c->flash_hi[i])
            return 1;
    return 0;
}

static void set_block_flags(const ts_counter *c, ts_block *b)
{
    b->flags = (b->flags & TS_BLOCK_DATA_MASK) | (in_flash(c, b->addr) ? TS_BLOCK_IN_FLASH : 0);
    b->n_lines = 0;
    if ((b->flags & TS_BLOCK_IN_FLASH) && c->icache.enabled) {
        uint32_t shift = c->icache.line_shift;
        uint64_t last = b->addr + (b->size ? b->size - 1 : 0);
        b->flags |= TS_BLOCK_FETCH_MODEL;
        b->n_lines = (uint32_t)((last >> shift) - (b->addr >> shift) + 1);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* block table                                                                                */

/* Returns the id of block (addr, size), describing and appending it on first sight, or TS_NONE. */
static uint32_t block_lookup(ts_counter *c, void *uc, uint64_t addr, uint32_t size)
{
    uint64_t h = block_key_hash(addr, size);
    uint32_t i = (uint32_t)h & c->block_index_mask;
    for (;;) {
        uint32_t slot = c->block_index[i];
        if (!slot)
            break;
        ts_block *b = &c->blocks[slot - 1];
        if (b->addr == addr && b->size == size)
            return slot - 1;
        i = (i + 1) & c->block_index_mask;
    }

    /* first execution of this (addr, size): ask the cost model */
    uint32_t info[3] = {0, 0, 0};
    if (!c->describe || c->describe(addr, size, info) != 0) {
        request_stop(c, uc, TS_STOP_DESCRIBE_ERROR, addr);
        return TS_NONE;
    }
    if (c->n_blocks == c->cap_blocks) {
        uint32_t cap = c->cap_blocks * 2;
        ts_block *nb = realloc(c->blocks, (size_t)cap * sizeof(ts_block));
        if (!nb) {
            request_stop(c, uc, TS_STOP_NO_MEMORY, addr);
            return TS_NONE;
        }
        c->blocks = nb;
        c->cap_blocks = cap;
    }
    uint32_t id = c->n_blocks++;
    ts_block *b = &c->blocks[id];
    memset(b, 0, sizeof(*b));
    b->addr = addr;
    b->size = size;
    b->n_insns = info[0];
    b->static_cycles = info[1];
    b->taken_extra = info[2];
    b->next_addr = UINT64_MAX; /* no successor yet: never equals a real block address */
    b->next_id = TS_NONE;
    b->next_edge = TS_NONE;
    b->dregion = TS_NONE;
    set_block_flags(c, b);
    if (c->data_state == TS_DATA_LEARNED)
        b->flags |= TS_BLOCK_DATA_UNLEARNED; /* first seen after the freeze: nothing learned */
    /* (memset above: freeze_count = 0, so all its executions count as unlearned) */
    c->block_index[i] = id + 1;
    /* keep the load factor at or below 1/2 */
    if ((uint64_t)c->n_blocks * 2 > (uint64_t)c->block_index_mask + 1) {
        if (blocks_rehash(c, (c->block_index_mask + 1) * 2)) {
            request_stop(c, uc, TS_STOP_NO_MEMORY, addr);
        }
    }
    return id;
}

/* Returns the id of edge src -> dst, appending it (with count 0) on first sight, or TS_NONE. */
static uint32_t edge_lookup(ts_counter *c, void *uc, uint32_t src, uint32_t dst)
{
    uint64_t h = edge_key_hash(src, dst);
    uint32_t i = (uint32_t)h & c->edge_index_mask;
    for (;;) {
        uint32_t slot = c->edge_index[i];
        if (!slot)
            break;
        ts_edge *e = &c->edges[slot - 1];
        if (e->src == src && e->dst == dst)
            return slot - 1;
        i = (i + 1) & c->edge_index_mask;
    }
    if (c->n_edges == c->cap_edges) {
        uint32_t cap = c->cap_edges * 2;
        ts_edge *ne = realloc(c->edges, (size_t)cap * sizeof(ts_edge));
        if (!ne) {
            request_stop(c, uc, TS_STOP_NO_MEMORY, c->blocks[dst].addr);
            return TS_NONE;
        }
        c->edges = ne;
        c->cap_edges = cap;
    }
    const ts_block *s = &c->blocks[src];
    uint32_t id = c->n_edges++;
    ts_edge *e = &c->edges[id];
    e->src = src;
    e->dst = dst;
    e->count = 0;
    e->taken = (s->addr + s->size != c->blocks[dst].addr);
    e->extra = e->taken ? s->taken_extra : 0;
    c->edge_index[i] = id + 1;
    if ((uint64_t)c->n_edges * 2 > (uint64_t)c->edge_index_mask + 1) {
        if (edges_rehash(c, (c->edge_index_mask + 1) * 2)) {
            request_stop(c, uc, TS_STOP_NO_MEMORY, c->blocks[dst].addr);
        }
    }
    return id;
}

/* Runs the instruction-cache model over the lines of block b; returns the penalty cycles. */
static inline uint64_t fetch_block(ts_counter *c, ts_block *b)
{
    ts_cache *k = &c->icache;
    uint64_t line = b->addr >> k->line_shift;
    if (b->n_lines == 1 && line + 1 == k->last_line) {
        /* a loop within one line: resident and already most recent */
        k->hits++;
        return 0;
    }
    uint64_t penalty = 0;
    for (uint32_t i = 0; i < b->n_lines; i++, line++) {
        int r = cache_access(k, line);
        if (r == CACHE_MISS) {
            b->imiss++;
            penalty += k->miss_penalty;
        } else if (r == CACHE_PREFETCH) {
            b->iprefetch++;
            penalty += k->prefetch_penalty;
        }
    }
    return penalty;
}

/* Learned data model: the penalty cycles of one execution of block b.  The whole events of
 * this execution are acc >> 16 (the fraction carries over), so after k executions exactly
 * floor(k * rate / 2^16) events were charged: the count ts_sync_data reports. */
static inline uint64_t data_learned(ts_counter *c, ts_block *b)
{
    uint32_t m = b->dacc[0] + b->drate[TS_D_MISS];
    uint32_t p = b->dacc[1] + b->drate[TS_D_PREFETCH];
    b->dacc[0] = m & (TS_RATE_ONE - 1);
    b->dacc[1] = p & (TS_RATE_ONE - 1);
    return (uint64_t)(m >> TS_RATE_SHIFT) * c->dcache.miss_penalty +
           (uint64_t)(p >> TS_RATE_SHIFT) * c->dcache.prefetch_penalty;
}

/* ------------------------------------------------------------------------------------------ */
/* hooks (registered from Python with uc_hook_add; user_data is the ts_counter)               */

/* The general case of ts_block_hook: new blocks or successors, stops, cache misses. */
__attribute__((noinline, cold)) static void block_hook_slow(ts_counter *c, void *uc, uint64_t addr,
                                                             uint32_t size)
{
    uint32_t prev = c->prev;
    uint32_t id;
    uint64_t extra = 0;

    if (__builtin_expect(prev != TS_NONE, 1)) {
        /* The transfer prev -> id happened before this block starts: it is charged now, once,
         * even if this block is then stopped (prev is cleared, so when the engine resumes at
         * this block the hook charges nothing again). */
        ts_block *p = &c->blocks[prev];
        uint32_t eid;
        if (__builtin_expect(p->next_addr == addr && p->next_size == size, 1)) {
            id = p->next_id;
            eid = p->next_edge;
        } else {
            id = block_lookup(c, uc, addr, size);
            if (id == TS_NONE)
                return; /* stop already requested */
            eid = edge_lookup(c, uc, prev, id);
            if (eid == TS_NONE)
                return;
            p = &c->blocks[prev]; /* block_lookup may have moved the table */
            p->next_addr = addr;
            p->next_size = size;
            p->next_id = id;
            p->next_edge = eid;
        }
        ts_edge *e = &c->edges[eid];
        e->count++;
        extra = e->extra;
    } else {
        id = block_lookup(c, uc, addr, size);
        if (id == TS_NONE)
            return;
    }

    uint64_t cycles = c->cycles + extra;
    uint64_t insns = c->instructions;
    /* Stopping inside a block hook prevents the block from executing (PC stays at addr), so
     * the counts below only ever include blocks that really run. */
    if (__builtin_expect(insns >= c->budget || cycles >= c->deadline, 0)) {
        c->cycles = cycles;
        c->prev = TS_NONE;
        request_stop(c, uc, insns >= c->budget ? TS_STOP_BUDGET : TS_STOP_DEADLINE, addr);
        return;
    }

    ts_block *b = &c->blocks[id];
    b->count++;
    cycles += b->static_cycles;
    if (b->flags & TS_BLOCK_FETCH_MODEL)
        cycles += fetch_block(c, b);
    if (b->flags & TS_BLOCK_DATA_RATE)
        cycles += data_learned(c, b);
    c->instructions = insns + b->n_insns;
    c->cycles = cycles;
    c->prev = id;
}

/* UC_HOOK_BLOCK callback.  The fast path (same successor as last time, no stop due, no
 * instruction-cache work beyond a hit on the line fetched last) is kept small so the compiler
 * needs no stack frame for it; everything else goes to block_hook_slow. */
void ts_block_hook(void *uc, uint64_t addr, uint32_t size, void *user_data)
{
    ts_counter *c = user_data;
    uint32_t prev = c->prev;
    if (__builtin_expect(prev != TS_NONE, 1)) {
        ts_block *p = &c->blocks[prev];
        if (__builtin_expect(p->next_addr == addr && p->next_size == size, 1)) {
            uint32_t id = p->next_id;
            ts_edge *e = &c->edges[p->next_edge];
            ts_block *b = &c->blocks[id];
            uint64_t cycles = c->cycles + e->extra;
            uint64_t insns = c->instructions;
            uint32_t flags = b->flags;
            if (__builtin_expect(insns < c->budget && cycles < c->deadline, 1) &&
                (!(flags & TS_BLOCK_FETCH_MODEL) ||
                 (b->n_lines == 1 && (addr >> c->icache.line_shift) + 1 == c->icache.last_line))) {
                e->count++;
                b->count++;
                cycles += b->static_cycles;
                if (__builtin_expect(flags & TS_BLOCK_DATA_RATE, 0))
                    cycles += data_learned(c, b);
                c->cycles = cycles;
                c->instructions = insns + b->n_insns;
                c->prev = id;
                return;
            }
        }
    }
    block_hook_slow(c, uc, addr, size);
}

static void stack_overflow(ts_counter *c, void *uc, uint64_t addr);

static inline int region_of(const ts_counter *c, uint64_t addr)
{
    for (uint32_t i = 0; i < c->n_regions; i++)
        if (addr >= c->regions[i].begin && addr < c->regions[i].end)
            return (int)i;
    return -1;
}

void ts_read_hook(void *uc, int type, uint64_t addr, int size, int64_t value, void *user_data)
{
    ts_counter *c = user_data;
    (void)uc;
    (void)type;
    (void)size;
    (void)value;
    int r = region_of(c, addr);
    if (r >= 0)
        c->regions[r].reads++;
    if (c->data_state == TS_DATA_EXACT && in_flash(c, addr)) {
        int res = cache_access(&c->dcache, addr >> c->dcache.line_shift);
        /* the block running now (its hook ran last); TS_NONE only between an exception
         * entry and the next block, where no guest code runs */
        ts_block *b = c->prev != TS_NONE ? &c->blocks[c->prev] : NULL;
        if (res == CACHE_MISS) {
            c->cycles += c->dcache.miss_penalty;
            if (r >= 0)
                c->regions[r].dmiss++;
        } else if (res == CACHE_PREFETCH) {
            c->cycles += c->dcache.prefetch_penalty;
            if (r >= 0)
                c->regions[r].dprefetch++;
        }
        if (b) {
            b->d[res == CACHE_MISS ? TS_D_MISS : res == CACHE_PREFETCH ? TS_D_PREFETCH : TS_D_HIT]++;
            if (res != CACHE_HIT && b->dregion == TS_NONE && r >= 0)
                b->dregion = (uint32_t)r;
        }
    }
}

void ts_write_hook(void *uc, int type, uint64_t addr, int size, int64_t value, void *user_data)
{
    ts_counter *c = user_data;
    (void)type;
    (void)value;
    int r = region_of(c, addr);
    if (r >= 0)
        c->regions[r].writes++;
    if (c->guard_in_write_hook && addr < c->guard_hi && addr + (uint64_t)size > c->guard_lo)
        stack_overflow(c, uc, addr);
}

static void stack_overflow(ts_counter *c, void *uc, uint64_t addr)
{
    uint64_t pc = 0;
    if (c->reg_read)
        c->reg_read(uc, c->pc_regid, &pc);
    if (c->stop_reason == TS_STOP_NONE)
        c->stop_addr = addr;
    request_stop(c, uc, TS_STOP_STACK_OVERFLOW, pc);
}

/* UC_HOOK_MEM_WRITE_PROT callback for the page-protection stack guard.  Python makes the pages
 * covering the guard read-only; Unicorn then calls this only for writes to those pages, at no
 * cost to any other access (a UC_HOOK_MEM_WRITE, even a range-limited one, slows every memory
 * access).  Returning true means "handled": Unicorn skips the store and carries on. */
_Bool ts_guard_prot_hook(void *uc, int type, uint64_t addr, int size, int64_t value,
                         void *user_data)
{
    ts_counter *c = user_data;
    (void)type;
    if (addr < c->guard_hi && addr + (uint64_t)size > c->guard_lo) {
        stack_overflow(c, uc, addr); /* the store is not performed; PC stays on it */
        return 1;
    }
    /* A legitimate write to the part of a protected page outside the guard (the deepest stack
     * bytes): perform it for the firmware (a host write ignores the protection), then let the
     * engine continue past the store. */
    if (c->mem_write && size > 0 && size <= 8) {
        uint64_t v = (uint64_t)value; /* little-endian host and target: low bytes first */
        c->mem_write(uc, addr, &v, (uint64_t)size);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* configuration API (ctypes)                                                                 */

void ts_free(ts_counter *c)
{
    if (!c)
        return;
    free(c->blocks);
    free(c->edges);
    free(c->block_index);
    free(c->edge_index);
    free(c->icache.tags);
    free(c->icache.stamps);
    free(c->icache.pred);
    free(c->dcache.tags);
    free(c->dcache.stamps);
    free(c->dcache.pred);
    free(c);
}

ts_counter *ts_new(void *describe, void *emu_stop, void *reg_read, void *mem_write, int pc_regid)
{
    ts_counter *c = calloc(1, sizeof(ts_counter));
    if (!c)
        return NULL;
    c->prev = TS_NONE;
    c->budget = UINT64_MAX;
    c->deadline = UINT64_MAX;
    c->cap_blocks = 1024;
    c->cap_edges = 1024;
    c->blocks = malloc(c->cap_blocks * sizeof(ts_block));
    c->edges = malloc(c->cap_edges * sizeof(ts_edge));
    if (!c->blocks || !c->edges || blocks_rehash(c, 4096) || edges_rehash(c, 4096)) {
        ts_free(c);
        return NULL;
    }
    c->describe = (ts_describe_fn)describe;
    c->emu_stop = (ts_emu_stop_fn)emu_stop;
    c->reg_read = (ts_reg_read_fn)reg_read;
    c->mem_write = (ts_mem_write_fn)mem_write;
    c->pc_regid = pc_regid;
    return c;
}

size_t ts_sizeof_block(void) { return sizeof(ts_block); }
size_t ts_sizeof_edge(void) { return sizeof(ts_edge); }
size_t ts_sizeof_region(void) { return sizeof(ts_region); }
size_t ts_offsetof_icache(void) { return offsetof(ts_counter, icache); }
size_t ts_offsetof_data_state(void) { return offsetof(ts_counter, data_state); }
size_t ts_sizeof_cache(void) { return sizeof(ts_cache); }

static void refresh_block_flags(ts_counter *c)
{
    for (uint32_t i = 0; i < c->n_blocks; i++)
        set_block_flags(c, &c->blocks[i]);
}

int ts_add_flash(ts_counter *c, uint64_t lo, uint64_t hi)
{
    if (c->n_flash >= TS_MAX_FLASH || hi <= lo)
        return -1;
    c->flash_lo[c->n_flash] = lo;
    c->flash_hi[c->n_flash] = hi;
    c->n_flash++;
    refresh_block_flags(c);
    return 0;
}

int ts_add_region(ts_counter *c, uint64_t begin, uint64_t end)
{
    if (c->n_regions >= TS_MAX_REGIONS || end <= begin)
        return -1;
    ts_region *r = &c->regions[c->n_regions++];
    memset(r, 0, sizeof(*r));
    r->begin = begin;
    r->end = end;
    return 0;
}

int ts_set_icache(ts_counter *c, uint32_t line_bytes, uint32_t n_sets, uint32_t n_ways,
                  uint32_t miss_penalty, uint32_t prefetch, uint32_t prefetch_penalty)
{
    int err = cache_configure(&c->icache, line_bytes, n_sets, n_ways, miss_penalty, prefetch,
                              prefetch_penalty);
    refresh_block_flags(c);
    return err;
}

int ts_set_dcache(ts_counter *c, uint32_t line_bytes, uint32_t n_sets, uint32_t n_ways,
                  uint32_t miss_penalty, uint32_t prefetch, uint32_t prefetch_penalty)
{
    int err = cache_configure(&c->dcache, line_bytes, n_sets, n_ways, miss_penalty, prefetch,
                              prefetch_penalty);
    if (!err)
        c->data_state = TS_DATA_EXACT;
    return err;
}

/* 16.16 rate of `events` per `execs`, rounded to nearest, clamped so acc + rate cannot wrap. */
static uint32_t learned_rate(uint64_t events, uint64_t execs)
{
    if (events >= ((uint64_t)1 << 47)) /* > 2^47 events: the shift below would overflow */
        return TS_RATE_MAX;
    uint64_t rate = ((events << TS_RATE_SHIFT) + execs / 2) / execs;
    return rate > TS_RATE_MAX ? TS_RATE_MAX : (uint32_t)rate;
}

/* Ends the exact phase of the data-cache model: every block run so far gets its D-cache
 * events per execution as fixed-point rates (all its executions so far were exact).  From
 * now on the block hook charges the rates' cycles; the read hook ignores flash reads (Python
 * deletes it).  Returns 0, or -1 when the model is not in its exact phase. */
int ts_freeze_data(ts_counter *c)
{
    if (c->data_state != TS_DATA_EXACT)
        return -1;
    for (uint32_t i = 0; i < c->n_blocks; i++) {
        ts_block *b = &c->blocks[i];
        b->flags &= ~TS_BLOCK_DATA_MASK;
        memcpy(b->dexact, b->d, sizeof(b->d));
        memset(b->dacc, 0, sizeof(b->dacc));
        memset(b->drate, 0, sizeof(b->drate));
        b->freeze_count = b->count;
        if (b->count == 0) { /* described but never run (stopped at its entry) */
            b->flags |= TS_BLOCK_DATA_UNLEARNED;
            continue;
        }
        for (int k = 0; k < TS_D_KINDS; k++)
            b->drate[k] = learned_rate(b->d[k], b->count);
        if (b->drate[TS_D_MISS] | b->drate[TS_D_PREFETCH])
            b->flags |= TS_BLOCK_DATA_RATE;
        if (b->drate[TS_D_MISS] | b->drate[TS_D_PREFETCH] | b->drate[TS_D_HIT])
            b->flags |= TS_BLOCK_DATA_LEARNED;
    }
    c->dcache.last_line = 0; /* no access sequence any more */
    c->data_state = TS_DATA_LEARNED;
    return 0;
}

/* Brings the learned phase's event counts up to date (per block, per region, cache totals)
 * and counts the executions of unlearned blocks.  Python calls it before reading counts. */
void ts_sync_data(ts_counter *c)
{
    if (c->data_state != TS_DATA_LEARNED)
        return;
    uint64_t unlearned = 0;
    uint64_t *total[TS_D_KINDS] = {&c->dcache.misses, &c->dcache.prefetch_hits, &c->dcache.hits};
    for (uint32_t i = 0; i < c->n_blocks; i++) {
        ts_block *b = &c->blocks[i];
        if (b->flags & TS_BLOCK_DATA_UNLEARNED) {
            unlearned += b->count - b->freeze_count;
            continue;
        }
        if (!(b->flags & TS_BLOCK_DATA_LEARNED))
            continue;
        uint64_t k = b->count - b->freeze_count;
        for (int j = 0; j < TS_D_KINDS; j++) {
            uint64_t now = b->dexact[j] +
                           (uint64_t)(((unsigned __int128)k * b->drate[j]) >> TS_RATE_SHIFT);
            uint64_t delta = now - b->d[j];
            b->d[j] = now;
            *total[j] += delta;
            if (b->dregion != TS_NONE && j == TS_D_MISS)
                c->regions[b->dregion].dmiss += delta;
            else if (b->dregion != TS_NONE && j == TS_D_PREFETCH)
                c->regions[b->dregion].dprefetch += delta;
        }
    }
    c->unlearned_execs = unlearned;
}

/* in_write_hook: 1 if ts_write_hook must check the guard, 0 if page protection does it. */
void ts_set_guard(ts_counter *c, uint64_t lo, uint64_t hi, int in_write_hook)
{
    c->guard_lo = lo;
    c->guard_hi = hi;
    c->guard_in_write_hook = in_write_hook;
}

/* An exception entry or a register write to PC is not a branch of the previous block. */
void ts_note_transfer(ts_counter *c) { c->prev = TS_NONE; }

void ts_clear_stop(ts_counter *c)
{
    c->stop_reason = TS_STOP_NONE;
    c->stop_addr = 0;
    c->stop_pc = 0;
}

/* ------------------------------------------------------------------------------------------ */
/* CPython module shell: no Python-level API, it only makes setuptools build and install us.  */

static struct PyModuleDef counter_module = {
    PyModuleDef_HEAD_INIT, "_counter",
    "Native block/edge/cache counter for tinysim (loaded with ctypes, see counter.py).", -1, NULL,
};

PyMODINIT_FUNC PyInit__counter(void) { return PyModule_Create(&counter_module); }
