/*
 * The hot half of the native counter: the block and edge tables (open-addressing hash indexes
 * over append-only arrays), the flash cache model, and the Unicorn hooks that use them on every
 * executed block and, when asked, on every data access.  Kept in one translation unit so the
 * compiler can inline the tables and the cache model into the block hook: the cache structure
 * (cache_model.h) and the I-cache fetch of a block (fetch_model.h) are headers of static
 * inline functions included here only; the configuration API is in counter_config.c.
 */
#include "counter.h"

_Static_assert(TS_RATE_SHIFT == 16,
               "the engine's fixed-point terms (ts_fast_slot acc) have 16 fraction bits");
_Static_assert(offsetof(ts_counter, fast_epoch) == offsetof(ts_counter, prev) + 4 &&
                   offsetof(ts_counter, prev) % 8 == 0,
               "the inline key is the 64-bit word (fast_epoch << 32 | prev)");
_Static_assert(sizeof(ts_fast_way) == 32 && sizeof(ts_fast_slot) == 128 &&
                   offsetof(ts_fast_slot, acc) == 88 && offsetof(ts_fast_slot, unit) == 104,
               "ts_fast_slot mirrors Unicorn's uc_block_fast_slot (uc_hook_block_fast3)");
_Static_assert(offsetof(ts_fast_desc, log) == 32 && offsetof(ts_fast_desc, flags) == 40,
               "ts_fast_desc mirrors Unicorn's uc_block_fast");

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

int blocks_rehash(ts_counter *c, uint32_t slots)
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

int edges_rehash(ts_counter *c, uint32_t slots)
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

#include "cache_model.h"

static int in_flash(const ts_counter *c, uint64_t addr)
{
    for (uint32_t i = 0; i < c->n_flash; i++)
        if (addr >= c->flash_lo[i] && addr < c->flash_hi[i])
            return 1;
    return 0;
}

/* n way hints, all TS_NONE, appended to c->hints; returns their base, or TS_NONE when the
 * pool cannot grow (the block then runs without hints: same counts, more lookups). */
static uint32_t hints_alloc(ts_counter *c, uint32_t n)
{
    if ((uint64_t)c->n_hints + n >= TS_NONE)
        return TS_NONE;
    if (c->n_hints + n > c->cap_hints) {
        uint64_t cap = c->cap_hints ? (uint64_t)c->cap_hints * 2 : 4096;
        while (cap < (uint64_t)c->n_hints + n)
            cap *= 2;
        if (cap >= TS_NONE)
            cap = TS_NONE - 1;
        uint32_t *h = realloc(c->hints, cap * sizeof(uint32_t));
        if (!h)
            return TS_NONE;
        c->hints = h;
        c->cap_hints = (uint32_t)cap;
    }
    uint32_t base = c->n_hints;
    memset(c->hints + base, 0xff, (size_t)n * sizeof(uint32_t));
    c->n_hints += n;
    return base;
}

/* b's flags and fetch geometry for the current flash ranges and I-cache (b->hint_base is
 * TS_NONE or the block's hints for its previous n_lines). */
void set_block_flags(ts_counter *c, ts_block *b)
{
    uint32_t old_lines = b->n_lines;
    b->flags = (b->flags & (TS_BLOCK_DATA_MASK | TS_BLOCK_UNMASKS)) |
               (in_flash(c, b->addr) ? TS_BLOCK_IN_FLASH : 0);
    b->n_lines = 0;
    if ((b->flags & TS_BLOCK_IN_FLASH) && c->icache.enabled) {
        uint32_t shift = c->icache.line_shift;
        uint64_t last = b->addr + (b->size ? b->size - 1 : 0);
        b->flags |= TS_BLOCK_FETCH_MODEL;
        b->n_lines = (uint32_t)((last >> shift) - (b->addr >> shift) + 1);
        if (b->hint_base == TS_NONE || b->n_lines > old_lines)
            b->hint_base = hints_alloc(c, b->n_lines);
    }
    b->hint_fills = UINT64_MAX; /* hints unchecked: icache.fills never gets there */
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
    uint32_t info[4] = {0, 0, 0, 0};
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
        if (nb != c->blocks)
            ts_fast_disarm(c); /* armed slots point at the old table's counts */
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
    b->alt_addr = UINT64_MAX;
    b->alt_id = TS_NONE;
    b->alt_edge = TS_NONE;
    b->dregion = TS_NONE;
    b->hint_base = TS_NONE;
    if (info[3] & TS_DESCRIBE_UNMASKS)
        b->flags |= TS_BLOCK_UNMASKS;
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
        if (ne != c->edges)
            ts_fast_disarm(c); /* armed slots point at the old table's counts */
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

#include "fetch_model.h"

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
/* successor memos                                                                            */

/* The block (addr, size) that follows block prev, and the edge to it: from prev's two memos or,
 * on a miss of both, the tables.  The successor found becomes prev's first memo (next_*), the
 * first one moves to the second (alt_*).  Returns 0, or -1 when a stop was requested.  The
 * memos only cache what block_lookup and edge_lookup return, so the counts do not depend on them. */
static inline int successor_of(ts_counter *c, void *uc, uint32_t prev, uint64_t addr, uint32_t size,
                               uint32_t *id, uint32_t *eid)
{
    ts_block *p = &c->blocks[prev];
    if (__builtin_expect(p->next_addr == addr && p->next_size == size, 1)) {
        *id = p->next_id;
        *eid = p->next_edge;
        return 0;
    }
    uint64_t first_addr = p->next_addr;
    uint32_t first_size = p->next_size, first_id = p->next_id, first_edge = p->next_edge;
    if (p->alt_addr == addr && p->alt_size == size) {
        *id = p->alt_id;
        *eid = p->alt_edge;
    } else {
        *id = block_lookup(c, uc, addr, size);
        if (*id == TS_NONE)
            return -1; /* stop already requested */
        *eid = edge_lookup(c, uc, prev, *id);
        if (*eid == TS_NONE)
            return -1;
        p = &c->blocks[prev]; /* block_lookup may have moved the table */
    }
    if (p->flags & TS_BLOCK_UNMASKS)
        return 0; /* never memoised: see TS_DESCRIBE_UNMASKS */
    p->alt_addr = first_addr;
    p->alt_size = first_size;
    p->alt_id = first_id;
    p->alt_edge = first_edge;
    p->next_addr = addr;
    p->next_size = size;
    p->next_id = *id;
    p->next_edge = *eid;
    return 0;
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
        uint32_t eid;
        if (successor_of(c, uc, prev, addr, size, &id, &eid))
            return; /* stop already requested */
        ts_edge *e = &c->edges[eid];
        e->count++;
        extra = e->extra;
        if (c->stop_on_unmask && (c->blocks[prev].flags & TS_BLOCK_UNMASKS)) {
            /* charged like a deadline stop: the transfer now, the block when it runs (now, if
             * nothing is taken: then as the first block after a stop) */
            c->cycles += extra;
            extra = 0;
            c->prev = TS_NONE;
            int taken = c->on_unmask ? c->on_unmask() : -1;
            if (taken < 0)
                request_stop(c, uc, TS_STOP_UNMASK, addr);
            if (taken != 0)
                return; /* stopped, or the engine leaves the block for the handler */
        }
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
        cycles += fetch_block(c, b, id == prev);
    if (b->flags & TS_BLOCK_DATA_RATE)
        cycles += data_learned(c, b);
    c->instructions = insns + b->n_insns;
    c->settled = c->instructions; /* the fetch above left the cache up to date */
    c->cycles = cycles;
    c->prev = id;
}

/* The I-cache model of block b, its penalty added to the cycles. */
static __attribute__((noinline)) void fetch_charged(ts_counter *c, ts_block *b, int self_loop)
{
    c->cycles += fetch_block(c, b, self_loop);
}

/* UC_HOOK_BLOCK callback.  The fast path (same successor as last time, no stop due) is kept
 * small so the compiler needs few registers for it; everything else goes to block_hook_slow.
 * Instruction-cache work beyond a hit on the line fetched last is done last, by a tail call
 * with nothing live after it (fetch_charged): inlining it, or calling it with the counts still
 * to store, costs the hot path saved registers (~5-10% on blocks outside the cache model);
 * sending such blocks to block_hook_slow instead, as before, cost ~10% of the counter's time
 * on kws01 (bench/counter_replay.py). */
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
            if (__builtin_expect(insns < c->budget && cycles < c->deadline, 1)) {
                e->count++;
                b->count++;
                cycles += b->static_cycles;
                if (__builtin_expect(flags & TS_BLOCK_DATA_RATE, 0))
                    cycles += data_learned(c, b);
                c->cycles = cycles;
                c->instructions = insns + b->n_insns;
                c->settled = c->instructions; /* the fetch below keeps the cache up to date */
                c->prev = id;
                if ((flags & TS_BLOCK_FETCH_MODEL) &&
                    !(b->n_lines == 1 && (addr >> c->icache.line_shift) + 1 == c->icache.last_line))
                    fetch_charged(c, b, id == prev); /* a tail call: nothing is live after it */
                return;
            }
        }
    }
    block_hook_slow(c, uc, addr, size);
}

/* ------------------------------------------------------------------------------------------ */
/* the inline fast path (Unicorn patch 0006; ts_fast_slot in counter.h)                        */

/* Brings the I-cache up to date with the blocks the slots ran since the hook last ran (the run
 * log's entries from log_settled to log_pos; a block run again right after itself is not
 * logged: touching its lines again in the same order changes nothing).  Those runs all hit
 * (fast_arm), so they changed only the LRU order and the line fetched last: each line they
 * touched is now more recent than every line they did not, in the order of its last touch.
 * Reading the log newest first, a block's first entry is its last run; the blocks are then
 * touched in the order of those, oldest first, as their fetches would have touched them.
 * No-op when nothing ran inline. */
void fetch_settle(ts_counter *c)
{
    uint64_t left = c->instructions - c->settled;
    uint64_t end = c->log_pos, runs = end - c->log_settled;
    ts_cache *k = &c->icache;
    c->settled = c->instructions;
    c->log_settled = end;
    if (!runs || !k->enabled)
        return;
    if (runs > TS_RUN_LOG) { /* fast_limit did not hold them to the log's size */
        c->settle_errors++;
        return;
    }
    uint32_t stamp = ++c->walk_stamp;
    if (stamp == 0) { /* wrapped: forget the old walks */
        for (uint32_t i = 0; i < c->n_blocks; i++)
            c->blocks[i].walk_stamp = 0;
        stamp = c->walk_stamp = 1;
    }
    uint32_t newer = TS_NONE, oldest = TS_NONE;
    for (uint64_t i = end; i-- != end - runs;) {
        uint32_t x = c->run_log[i & (TS_RUN_LOG - 1)];
        if (x >= c->n_blocks) {
            c->settle_errors++;
            break;
        }
        ts_block *b = &c->blocks[x];
        if (b->n_insns > left || b->arm_epoch != c->fast_epoch) {
            c->settle_errors++;
            break;
        }
        left -= b->n_insns;
        if (b->walk_stamp == stamp)
            continue; /* a run before its last one */
        b->walk_stamp = stamp;
        b->walk_newer = newer;
        newer = oldest = x;
    }
    for (uint32_t y = oldest; y != TS_NONE; y = c->blocks[y].walk_newer) {
        ts_block *b = &c->blocks[y];
        if (!(b->flags & TS_BLOCK_FETCH_MODEL))
            continue;
        if (!lines_resident(k, b, c->hints)) {
            c->settle_errors++;
            continue;
        }
        uint64_t first = b->addr >> k->line_shift;
        touch_resident(k, c->hints + b->hint_base, first, b->n_lines);
        k->last_line = first + b->n_lines; /* the tag of its last line */
    }
}

/* For Python, before it changes prev itself (counter/data_model.py). */
void ts_settle(ts_counter *c) { fetch_settle(c); }

/* Walks of fetch_settle that did not add up since the counter was made: 0 unless a bug. */
uint64_t ts_settle_errors(const ts_counter *c) { return c->settle_errors; }

/* Arms a way of slot with what the block hook does for block id after block prev (the key's)
 * over edge eid (from prev's successor memo), if every later call with the same key and no stop
 * due would do exactly that (a stop now does not matter: the slot says what a counted execution
 * adds):
 * - a learned data rate's whole events go into the way's cycles; its fraction carries from one
 *   execution to the next in the block's dacc, which the slot's terms advance as data_learned
 *   does (acc, frac, unit; the penalties, like the rates, only change with the epoch).  Only
 *   while the engine translates with the terms (fast_terms);
 * - at least one cycle per instruction (what fast_limit stands on; see ts_counter);
 * - a fetch-modelled block only while its lines are resident (lines_resident): each run then
 *   hits them all and charges no penalty.  Its ways are noted (way_epoch): a fill replacing
 *   one of them ends the epoch (fetch_block).  The LRU order the runs would have left is
 *   restored by fetch_settle before anything reads the cache, from the log of the runs.  A
 *   block not resident now is not remembered; fast_arm returns 1 for it, and the hook arms it
 *   after this run brings its lines in.  Not with a shared cache, whose data side may forget
 *   the last line (shared_data_touched).
 * What the conditions read (block flags and lines, the I-cache geometry and contents, D-cache
 * penalties, the table addresses) raises fast_epoch when it changes.  A block that cannot be
 * armed with this key although it adds at least as many cycles as instructions is remembered
 * in s->reserved (the conditions only change with the key): ts_block_hook_fast then goes
 * straight to the hook.  The way filled: one not armed in this epoch, else way 0, whose key
 * moves to way 1 (the predecessor seen longest ago is forgotten). */
static int fast_arm(ts_counter *c, ts_fast_slot *s, uint64_t key, uint32_t id, uint32_t eid)
{
    ts_block *b = &c->blocks[id];
    ts_edge *e = &c->edges[eid];
    uint64_t cycles = (uint64_t)e->extra + b->static_cycles;
    if (cycles < b->n_insns)
        return 0; /* not remembered: ts_block_hook_fast lowers the limit for it each time */
    s->reserved = key;
    uint32_t *acc = NULL;
    if (b->flags & TS_BLOCK_DATA_RATE) {
        if ((b->drate[TS_D_MISS] | b->drate[TS_D_PREFETCH]) & (TS_RATE_ONE - 1)) {
            if (!c->fast_terms)
                return 0; /* its translation has no terms' code */
            acc = b->dacc;
        }
        cycles += (uint64_t)(b->drate[TS_D_MISS] >> TS_RATE_SHIFT) * c->dcache.miss_penalty +
                  (uint64_t)(b->drate[TS_D_PREFETCH] >> TS_RATE_SHIFT) * c->dcache.prefetch_penalty;
    }
    /* armed before in this epoch: its lines are still resident, and noted (way_epoch) */
    int noted = b->arm_epoch == c->fast_epoch;
    if (b->flags & TS_BLOCK_FETCH_MODEL) {
        if (c->cache_shared)
            return 0;
        if (!noted && !lines_resident(&c->icache, b, c->hints)) {
            s->reserved = 0;
            return 1;
        }
        if (!c->way_epoch)
            return 0; /* nowhere to note its lines */
        if (!noted) { /* where lines_resident found them */
            const uint32_t *hint = c->hints + b->hint_base;
            for (uint32_t i = 0; i < b->n_lines; i++)
                c->way_epoch[hint[i]] = c->fast_epoch;
        }
    }
    b->arm_epoch = c->fast_epoch;
    s->reserved = 0;
    uint64_t epoch = key >> 32; /* a way of an older epoch (or key 0) never matches */
    ts_fast_way *w = &s->way[0];
    if (s->way[0].key >> 32 == epoch) {
        if (s->way[1].key >> 32 == epoch)
            s->way[1] = s->way[0];
        else
            w = &s->way[1];
    }
    w->key = key;
    w->extra = e->extra;
    w->cycles = cycles;
    w->edge_count = &e->count;
    s->insns = b->n_insns;
    s->count = &b->count;
    s->next_key = (key & ~(uint64_t)TS_NONE) | id;
    s->acc = acc;
    s->frac[0] = b->drate[TS_D_MISS] & (TS_RATE_ONE - 1);
    s->frac[1] = b->drate[TS_D_PREFETCH] & (TS_RATE_ONE - 1);
    s->unit[0] = c->dcache.miss_penalty;
    s->unit[1] = c->dcache.prefetch_penalty;
    return 0;
}

/* UC_HOOK_BLOCK callback registered with uc_hook_block_fast3 (Unicorn patch 0006): fast_limit
 * kept valid and the slot armed, then the block hook.  slot is NULL when Unicorn calls it
 * without one (other block hooks present).  fast_limit only has to stay at or below
 * min(deadline, cycles + budget - instructions) for every later block the slots run, and at
 * most TS_RUN_LOG cycles past the cycles when the run log was last settled (ts_fast_limit is
 * only called with it settled, here after fetch_settle).  When
 * the block is known before the hook runs (remembered as not armable for this key, or from
 * the successor memo: the usual cases), that is settled first and the hook is a tail call
 * (its own fast path keeps its shape): a block adding at least as many cycles as instructions
 * keeps the bound, and when it is the armed one (its limit check failed) the limit is brought
 * up to date; one adding fewer lowers it by the difference.  Otherwise the limit is brought up
 * to date after the hook. */
void ts_block_hook_fast(void *uc, uint64_t addr, uint32_t size, void *user_data, ts_fast_slot *slot)
{
    ts_counter *c = user_data;
    if (c->instructions != c->settled) /* blocks ran inline since the hook last ran */
        fetch_settle(c);
    uint32_t prev = c->prev;
    c->hook_calls++;
    if (__builtin_expect(slot != NULL && prev != TS_NONE, 1)) {
        uint64_t key = ((uint64_t)c->fast_epoch << 32) | prev;
        if (__builtin_expect(slot->reserved == key, 1)) {
            ts_block_hook(uc, addr, size, user_data); /* not armable, adds >= its instructions */
            return;
        }
        const ts_block *p = &c->blocks[prev];
        uint32_t id = TS_NONE, eid = TS_NONE;
        if (__builtin_expect(p->next_addr == addr && p->next_size == size, 1)) {
            id = p->next_id;
            eid = p->next_edge;
        } else if (p->alt_addr == addr && p->alt_size == size) {
            id = p->alt_id;
            eid = p->alt_edge;
        }
        if (id != TS_NONE) {
            const ts_block *b = &c->blocks[id];
            uint64_t adds = (uint64_t)c->edges[eid].extra + b->static_cycles;
            int missing = 0;
            if (slot->way[0].key == key || slot->way[1].key == key)
                ts_fast_limit(c); /* armed: it was the limit that sent it here */
            else
                missing = fast_arm(c, slot, key, id, eid);
            if (__builtin_expect(adds < b->n_insns, 0)) {
                uint64_t d = b->n_insns - adds;
                c->fast_limit = c->fast_limit > d ? c->fast_limit - d : 0;
            }
            if (__builtin_expect(missing, 0)) {
                /* its lines come in with this run (a miss): armed once it ran, so that its next
                 * run after prev needs no call to arm it (not when the hook stopped first) */
                ts_block_hook(uc, addr, size, user_data);
                if (c->prev == id)
                    fast_arm(c, slot, ((uint64_t)c->fast_epoch << 32) | prev, id, eid);
                return;
            }
            ts_block_hook(uc, addr, size, user_data);
            return;
        }
    }
    ts_block_hook(uc, addr, size, user_data);
    ts_fast_limit(c);
}

/* Fills d with where the slots' words live in c (Unicorn's uc_block_fast). */
void ts_fast_desc_of(ts_counter *c, ts_fast_desc *d)
{
    d->state = c;
    d->key_off = offsetof(ts_counter, prev);
    d->cycles_off = offsetof(ts_counter, cycles);
    d->limit_off = offsetof(ts_counter, fast_limit);
    d->insns_off = offsetof(ts_counter, instructions);
    d->log_pos_off = offsetof(ts_counter, log_pos);
    d->log_mask = TS_RUN_LOG - 1;
    d->log = c->run_log;
    d->flags = c->fast_terms ? TS_FAST_TERMS : 0;
}

/* For Python: after a change the slots cannot see (flash timing, a cache geometry or reset)
 * disarm them all; after a new budget or deadline only the limit. */
void ts_fast_invalidate(ts_counter *c)
{
    fetch_settle(c);
    ts_fast_disarm(c);
    ts_fast_limit(c);
}

void ts_fast_limits_changed(ts_counter *c)
{
    fetch_settle(c); /* ts_fast_limit bounds the runs from here on */
    ts_fast_limit(c);
}

/* For Python, before it registers the fast path anew with ts_fast_desc_of's flags (which
 * flushes every translated block): whether blocks are from now on translated with the slots'
 * terms.  A change the slots cannot see, so as ts_fast_invalidate: the blocks run inline since
 * the hook last ran are settled before their epoch ends (a run stopped by uc_emu_stop ends
 * with some). */
void ts_set_fast_terms(ts_counter *c, int on)
{
    c->fast_terms = on != 0;
    ts_fast_invalidate(c);
}

static void stack_overflow(ts_counter *c, void *uc, uint64_t addr);

/* Thumb IT state after a memory hook (tinysim issue 10; Unicorn 2.1.4, upstream issue #2309).
 * Before calling a memory hook, Unicorn syncs the guest state with
 * cpu_restore_state(..., will_exit = false) (accel/tcg/cputlb.c), which on ARM also writes the
 * IT state of the accessing instruction into env->condexec_bits (restore_state_to_opc,
 * target/arm/translate.c).  The block then carries on, but QEMU's ARM translator keeps
 * condexec_bits at 0 while a block runs and only writes it back when a block ends inside an IT
 * block (arm_tr_tb_start / gen_set_condexec).  So after an IT block that ends inside the block
 * the stale state survives, and the next block is looked up (and chained) as if inside an IT
 * block: its first instructions run conditionally, or a conditional branch there is UNDEFINED.
 * Writing EPSR with IT = 0 (T = 1) from the hook restores the value the translator assumes; a
 * block that really ends inside an IT block writes its own state back at its end, and an
 * exception exit restores it from the instruction data, so 0 is always right here.
 * Cost: one uc_reg_write per hooked access (~8 ns).  Installed (ts_set_it_resync) only on an
 * engine that leaks: third_party/unicorn/0008-*.patch keeps the IT state in the engine, and
 * counter/core.py then leaves it_regid at -1 (engine_probes.py, engine_keeps_it_state). */
static inline void it_resync(ts_counter *c, void *uc)
{
    if (c->it_regid >= 0) {
        uint32_t epsr = 1u << 24; /* T = 1, IT[7:0] = 0 */
        c->reg_write(uc, c->it_regid, &epsr);
    }
}

static inline int region_of(const ts_counter *c, uint64_t addr)
{
    for (uint32_t i = 0; i < c->n_regions; i++)
        if (addr >= c->regions[i].begin && addr < c->regions[i].end)
            return (int)i;
    return -1;
}

/* Reads no guest register (it_resync only writes EPSR, and only on an engine that leaks the IT
 * state): on an engine with Unicorn patch 0009 counter/core.py has it called without Unicorn's
 * state sync (uc_hook_mem_no_sync).  Keep it that way: PC and the like are stale in here then. */
void ts_read_hook(void *uc, int type, uint64_t addr, int size, int64_t value, void *user_data)
{
    ts_counter *c = user_data;
    (void)type;
    (void)size;
    (void)value;
    it_resync(c, uc);
    int r = region_of(c, addr);
    if (r >= 0)
        c->regions[r].reads++;
    if (c->data_state == TS_DATA_EXACT && in_flash(c, addr)) {
        uint64_t line = addr >> c->dcache.line_shift;
        int res = cache_access(&c->dcache, line);
        if (c->cache_shared) {
            shared_data_touched(c, line);
            if (res != CACHE_HIT)
                c->icache.fills++; /* a line of the one cache left: the I side's hints are stale */
        }
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
    it_resync(c, uc);
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
    it_resync(c, uc);
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
