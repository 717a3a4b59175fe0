/*
 * The instruction-cache model of one block fetch (fetch_block), and what one side of a shared
 * cache does to the other's shortcut (shared_data_touched).  Static inline functions for
 * counter_hooks.c alone (its only includer), so the block hook gets them inlined.
 */
#ifndef TINYSIM_FETCH_MODEL_H
#define TINYSIM_FETCH_MODEL_H

#include "cache_model.h"

/* Whether fetching block b (in the I-cache model) would change nothing: its lines are resident
 * and already in the LRU order its fetch leaves them, so all hit.  Two cases: a one-line block
 * on the line fetched last; a block that loops to itself (self_loop: nothing else was fetched
 * since its previous execution, which ended on its last line) and whose lines all fit in one
 * set's ways (so that execution evicted none of them).  Exact, not a heuristic: the cache
 * state and the misses are those of fetching the lines one by one. */
static inline int fetch_unchanged(const ts_counter *c, uint64_t addr, uint32_t n_lines, int self_loop)
{
    /* the last line fetched is this block's last line (tags are line + 1) */
    if ((addr >> c->icache.line_shift) + n_lines != c->icache.last_line)
        return 0;
    return n_lines == 1 || (self_loop && n_lines <= c->icache.n_ways);
}

/* Shared cache (ts_share_caches).  Each side skips the lookup for the line it accessed last
 * (the instruction side also for the lines of a block that loops to itself): valid while that
 * line is resident and the most recent of its set.  An access of the other side to the same set
 * (another line) may evict it or make it older, so the skipping side forgets its last line and
 * looks up again: residency and LRU order stay exact; the cost is that the access after it is
 * not recognised as sequential (a prefetch hit is charged as a miss).  `line` was just accessed
 * by the data side: */
static void shared_data_touched(ts_counter *c, uint64_t line)
{
    uint64_t mask = c->icache.n_sets - 1;
    if (!c->icache.last_line)
        return;
    uint64_t last = c->icache.last_line - 1; /* tags are line + 1 */
    if (last != line && !((last ^ line) & mask)) {
        c->icache.last_line = 0;
        return;
    }
    if (c->prev != TS_NONE) { /* the lines of the running block (self-loop shortcut) */
        const ts_block *b = &c->blocks[c->prev];
        uint64_t first = b->addr >> c->icache.line_shift;
        if (b->flags & TS_BLOCK_FETCH_MODEL)
            for (uint32_t i = 0; i < b->n_lines; i++)
                if (first + i != line && !(((first + i) ^ line) & mask)) {
                    c->icache.last_line = 0;
                    return;
                }
    }
}

/* The I-cache model over lines first..first+n-1 of block b, line by line: each line's way from
 * its hint (b's hints, or NULL) when that way still holds it, else from the index; hits are
 * moved to the recent end of their set's LRU list in stretches (see fetch_block).  Returns the
 * penalty cycles. */
static uint64_t fetch_lines(ts_cache *k, ts_block *b, uint32_t *hint, uint64_t first, uint32_t n,
                            const uint32_t *way_epoch, uint32_t epoch, int *evicted_armed)
{
    const uint32_t *next = k->lru + k->capacity;
    const uint64_t *tags = k->tags;
    const uint32_t capacity = k->capacity, set_mask = k->n_sets - 1;
    const uint64_t last = k->last_line; /* the line accessed before this block (tag), or 0 */
    uint32_t run_first = TS_NONE, run_last = TS_NONE, run_set = 0;
    uint64_t penalty = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t tag = first + i + 1;
        uint32_t set = (uint32_t)(tag - 1) & set_mask;
        uint32_t way = hint ? hint[i] : TS_NONE;
        if (way >= capacity || tags[way] != tag) {
            way = map_find(k, tag);
            if (hint)
                hint[i] = way;
        }
        if (way != TS_NONE) {
            if (run_last == TS_NONE || next[run_last] != way) { /* not the stretch's successor */
                if (run_last != TS_NONE)
                    lru_splice(k, run_set, run_first, run_last);
                run_first = way;
                run_set = set;
            }
            run_last = way;
            continue;
        }
        /* a miss; the access before it was this block's previous line, or for its first line
         * the last line fetched before the block */
        int sequential = k->prefetch && (i ? 1 : last && tag == last + 1);
        if (run_last != TS_NONE) /* the victim is chosen from the list as it is now */
            lru_splice(k, run_set, run_first, run_last);
        run_last = TS_NONE;
        way = cache_fill(k, set, tag);
        if (way_epoch && way_epoch[way] == epoch)
            *evicted_armed = 1; /* the line it replaced was an armed block's */
        if (hint)
            hint[i] = way;
        if (sequential) {
            k->prefetch_hits++;
            b->iprefetch++;
            penalty += k->prefetch_penalty;
        } else {
            k->misses++;
            b->imiss++;
            penalty += k->miss_penalty;
        }
    }
    if (run_last != TS_NONE)
        lru_splice(k, run_set, run_first, run_last);
    return penalty;
}

/* Moves the lines of block b, all resident and found where its hints say (b->hint_fills ==
 * k->fills), to the recent end of their sets' LRU lists in order, as fetching them would: a
 * stretch of them that already follow each other in a list moves in one splice. */
static inline void touch_resident(ts_cache *k, const uint32_t *hint, uint64_t first, uint32_t n)
{
    const uint32_t *next = k->lru + k->capacity;
    const uint32_t set_mask = k->n_sets - 1;
    uint32_t run_first = hint[0], run_set = (uint32_t)first & set_mask;
    for (uint32_t i = 1; i < n; i++) {
        if (next[hint[i - 1]] != hint[i]) {
            lru_splice(k, run_set, run_first, hint[i - 1]);
            run_first = hint[i];
            run_set = (uint32_t)(first + i) & set_mask;
        }
    }
    lru_splice(k, run_set, run_first, hint[n - 1]);
}

/* Whether the lines of fetch-modelled block b are all in the cache; if so its hints are made
 * right (b->hint_fills = k->fills), as touch_resident needs them.  Changes no cache state. */
static inline int lines_resident(ts_cache *k, ts_block *b, uint32_t *hints)
{
    if (b->hint_base == TS_NONE)
        return 0;
    if (b->hint_fills == k->fills)
        return 1;
    uint32_t *hint = hints + b->hint_base;
    uint64_t first = b->addr >> k->line_shift;
    for (uint32_t i = 0; i < b->n_lines; i++) {
        uint64_t tag = first + i + 1;
        if (hint[i] >= k->capacity || k->tags[hint[i]] != tag) {
            uint32_t way = map_find(k, tag);
            if (way == TS_NONE)
                return 0;
            hint[i] = way;
        }
    }
    b->hint_fills = k->fills;
    return 1;
}

/* The I-cache model over the lines of block b; returns the penalty cycles.  The same hits,
 * misses, victims and LRU order as cache_access on each line in turn, with less work:
 * - hits are not moved to the recent end of the LRU list one by one: a stretch of them that
 *   already follow each other in the list (the usual case for a block run before: its lines
 *   were moved there in this order) moves in one splice, before a miss looks at the list and
 *   at the end of the block;
 * - a line's way comes from the block's hint, checked against the way's tag; and when no line
 *   has been brought into the cache since the block's hints were last all right
 *   (b->hint_fills == k->fills: nothing was evicted), its lines are all still there and
 *   all hit, found without a lookup.
 * The line accessed last (k->last_line) needs no special case: it is resident and the most
 * recent of its set, so "moving" it changes nothing. */
static inline uint64_t fetch_block(ts_counter *c, ts_block *b, int self_loop)
{
    ts_cache *k = &c->icache;
    uint64_t first = b->addr >> k->line_shift;
    uint32_t n = b->n_lines;
    uint64_t penalty = 0;
    if (fetch_unchanged(c, b->addr, n, self_loop))
        return 0;
    uint32_t *hint = b->hint_base != TS_NONE ? c->hints + b->hint_base : NULL;
    if (hint && b->hint_fills == k->fills) {
        touch_resident(k, hint, first, n);
    } else {
        uint64_t fills = k->fills;
        int evicted_armed = 0;
        penalty = fetch_lines(k, b, hint, first, n, c->way_epoch, c->fast_epoch, &evicted_armed);
        /* all n hints right now, unless a line of the block evicted another of its lines
         * (fewer ways than its lines in a set): then the next fetch checks them again */
        if (hint && (k->fills == fills || n <= k->n_ways))
            b->hint_fills = k->fills;
        if (evicted_armed) /* the armed slots assumed their blocks' lines resident (fast_arm) */
            ts_fast_disarm(c);
    }
    k->last_line = first + n; /* the tag of the block's last line */
    if (c->cache_shared && c->dcache.last_line) { /* shared cache: see shared_data_touched */
        uint64_t dline = c->dcache.last_line - 1;
        for (uint64_t line = first; line < first + n; line++)
            if (line != dline && !((dline ^ line) & (k->n_sets - 1))) {
                c->dcache.last_line = 0;
                break;
            }
    }
    return penalty;
}

#endif
