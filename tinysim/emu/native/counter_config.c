/*
 * The configuration half of the native counter, called from Python through ctypes: creating and
 * freeing a counter, its flash ranges, data regions, caches and stack guard, the learned
 * data-cache model (freeze and sync), and the CPython module shell that makes setuptools build
 * the shared object.  Nothing here runs per block; the hooks are in counter_hooks.c.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "counter.h"

static int cache_configure(ts_cache *k, uint32_t line_bytes, uint32_t n_sets, uint32_t n_ways,
                           uint32_t miss_penalty, uint32_t prefetch, uint32_t prefetch_penalty)
{
    if (line_bytes == 0 || (line_bytes & (line_bytes - 1)) || n_sets == 0 ||
        (n_sets & (n_sets - 1)) || n_ways == 0 || (uint64_t)n_sets * n_ways > (1u << 24))
        return -1;
    size_t n = (size_t)n_sets * n_ways;
    size_t slots = 16;
    while (slots < 4 * n) /* load factor <= 1/4: a lookup takes one or two probes */
        slots *= 2;
    uint64_t *tags = calloc(n, sizeof(uint64_t));
    uint32_t *lru = calloc(4 * n, sizeof(uint32_t));
    uint32_t *map = calloc(slots, sizeof(uint32_t));
    if (!tags || !lru || !map) {
        free(tags);
        free(lru);
        free(map);
        return -2;
    }
    uint64_t fills = k->fills;
    free(k->tags);
    free(k->lru);
    free(k->map);
    memset(k, 0, sizeof(*k));
    k->fills = fills; /* never goes back: ts_cache_reset below adds one */
    k->tags = tags;
    k->lru = lru;
    k->map = map;
    k->map_mask = slots - 1;
    k->capacity = (uint32_t)n;
    k->line_shift = (uint32_t)__builtin_ctz(line_bytes);
    k->n_sets = n_sets;
    k->n_ways = n_ways;
    k->miss_penalty = miss_penalty;
    k->prefetch = prefetch ? 1 : 0;
    k->prefetch_penalty = prefetch_penalty;
    k->enabled = 1;
    ts_cache_reset(k);
    return 0;
}

/* Empty the cache for its current geometry (n_sets * n_ways <= capacity): every way invalid,
 * each set's LRU list in way order.  Python calls it when a cache is reset or resized. */
void ts_cache_reset(ts_cache *k)
{
    uint32_t cap = k->capacity;
    if (!cap || (uint64_t)k->n_sets * k->n_ways > cap)
        return;
    uint32_t *prev = k->lru, *next = prev + cap, *head = prev + 2 * (size_t)cap, *tail = prev + 3 * (size_t)cap;
    memset(k->tags, 0, (size_t)cap * sizeof(uint64_t));
    memset(k->map, 0, (size_t)(k->map_mask + 1) * sizeof(uint32_t));
    for (uint32_t set = 0; set < k->n_sets; set++) {
        uint32_t first = set * k->n_ways, last = first + k->n_ways - 1;
        for (uint32_t g = first; g <= last; g++) {
            prev[g] = g == first ? TS_NONE : g - 1;
            next[g] = g == last ? TS_NONE : g + 1;
        }
        head[set] = first;
        tail[set] = last;
    }
    k->last_line = 0;
    k->fills++; /* every line left: no block's hints hold any more */
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
    free(c->hints);
    free(c->way_epoch);
    free(c->run_log);
    free(c->icache.tags);
    free(c->icache.lru);
    free(c->icache.map);
    if (!c->cache_shared) { /* shared: the icache's arrays, freed above */
        free(c->dcache.tags);
        free(c->dcache.lru);
        free(c->dcache.map);
    }
    free(c);
}

ts_counter *ts_new(void *describe, void *emu_stop, void *reg_read, void *mem_write, int pc_regid)
{
    ts_counter *c = calloc(1, sizeof(ts_counter));
    if (!c)
        return NULL;
    c->prev = TS_NONE;
    c->fast_epoch = 1;
    c->it_regid = -1;
    c->budget = UINT64_MAX;
    c->deadline = UINT64_MAX;
    c->cap_blocks = 1024;
    c->cap_edges = 1024;
    c->blocks = malloc(c->cap_blocks * sizeof(ts_block));
    c->edges = malloc(c->cap_edges * sizeof(ts_edge));
    c->run_log = malloc(TS_RUN_LOG * sizeof(uint32_t));
    if (!c->blocks || !c->edges || !c->run_log || blocks_rehash(c, 4096) || edges_rehash(c, 4096)) {
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
    fetch_settle(c);
    ts_fast_disarm(c); /* flags and lines decide what a slot may be armed with */
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
    if (c->cache_shared) /* one storage for both views: reconfiguring one would free it */
        return -1;
    fetch_settle(c); /* before the cache it brings up to date is replaced */
    int err = cache_configure(&c->icache, line_bytes, n_sets, n_ways, miss_penalty, prefetch,
                              prefetch_penalty);
    free(c->way_epoch);
    c->way_epoch = err ? NULL : calloc(c->icache.capacity, sizeof(uint32_t)); /* NULL: none armed */
    refresh_block_flags(c);
    return err;
}

int ts_set_dcache(ts_counter *c, uint32_t line_bytes, uint32_t n_sets, uint32_t n_ways,
                  uint32_t miss_penalty, uint32_t prefetch, uint32_t prefetch_penalty)
{
    if (c->cache_shared) /* one storage for both views: reconfiguring one would free it */
        return -1;
    int err = cache_configure(&c->dcache, line_bytes, n_sets, n_ways, miss_penalty, prefetch,
                              prefetch_penalty);
    if (!err)
        c->data_state = TS_DATA_EXACT;
    return err;
}

/* Makes the dcache a second view of the icache: ONE cache (STM32U5 ICACHE: instruction fetches
 * and data reads over the C-AHB bus share its lines).  Both must be configured, with the same
 * geometry; the dcache's own arrays are freed and it points at the icache's, so a line either
 * side brings in can evict a line of the other.  Penalties, prefetch, hit and miss counts and
 * the last line (the same-line shortcut) stay per side.  Call once, after both ts_set_*cache. */
int ts_share_caches(ts_counter *c)
{
    ts_cache *i = &c->icache, *d = &c->dcache;
    if (c->cache_shared)
        return 0;
    fetch_settle(c);
    if (!i->tags || !d->tags || i->line_shift != d->line_shift || i->n_sets != d->n_sets ||
        i->n_ways != d->n_ways || i->capacity != d->capacity)
        return -1;
    free(d->tags);
    free(d->lru);
    free(d->map);
    d->tags = i->tags;
    d->lru = i->lru;
    d->map = i->map;
    d->map_mask = i->map_mask;
    d->last_line = 0;
    c->cache_shared = 1;
    ts_fast_disarm(c); /* fast_arm arms no fetch-modelled block with a shared cache */
    return 0;
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
    fetch_settle(c); /* before the epoch ends (ts_fast_disarm below) */
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
    ts_fast_disarm(c); /* the flags changed */
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

/* Thumb cores: have the memory hooks re-zero the IT state (counter_hooks.c, it_resync). */
void ts_set_it_resync(ts_counter *c, void *reg_write, int epsr_regid)
{
    c->reg_write = (ts_reg_write_fn)reg_write;
    c->it_regid = reg_write ? epsr_regid : -1;
}

/* An exception entry or a register write to PC is not a branch of the previous block. */
void ts_note_transfer(ts_counter *c)
{
    fetch_settle(c); /* it walks back from prev */
    c->prev = TS_NONE;
}

/* on_unmask: a ts_unmask_fn, or NULL (stop_on_unmask then stops the run). */
void ts_set_on_unmask(ts_counter *c, void *on_unmask) { c->on_unmask = (ts_unmask_fn)on_unmask; }

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
    "Native block/edge/cache counter for tinysim (loaded with ctypes, see tinysim/emu/counter/native.py).", -1, NULL,
};

PyMODINIT_FUNC PyInit__counter(void) { return PyModule_Create(&counter_module); }
