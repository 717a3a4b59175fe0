/*
 * The flash cache model's structure (ts_cache in counter.h): the line index, the per-set LRU
 * lists, and one access.  Static inline functions for counter_hooks.c alone (its only
 * includer), so the block and read hooks get them inlined.
 */
#ifndef TINYSIM_CACHE_MODEL_H
#define TINYSIM_CACHE_MODEL_H

#include "counter.h"

enum { CACHE_HIT = 0, CACHE_MISS = 1, CACHE_PREFETCH = 2 };

/* The ts_cache line index and LRU lists (layout in counter.h). */
static inline uint32_t map_slot(const ts_cache *k, uint64_t tag)
{
    return (uint32_t)((tag * 0x9E3779B97F4A7C15ULL) >> 32) & (uint32_t)k->map_mask;
}

/* The way (global index) holding tag, or TS_NONE. */
static inline uint32_t map_find(const ts_cache *k, uint64_t tag)
{
    uint32_t mask = (uint32_t)k->map_mask;
    for (uint32_t i = map_slot(k, tag);; i = (i + 1) & mask) {
        uint32_t v = k->map[i];
        if (!v)
            return TS_NONE;
        if (k->tags[v - 1] == tag)
            return v - 1;
    }
}

static inline void map_insert(ts_cache *k, uint64_t tag, uint32_t way)
{
    uint32_t mask = (uint32_t)k->map_mask;
    uint32_t i = map_slot(k, tag);
    while (k->map[i])
        i = (i + 1) & mask;
    k->map[i] = way + 1;
}

/* Remove resident tag (linear probing, backward-shift deletion: no tombstones). */
static inline void map_remove(ts_cache *k, uint64_t tag)
{
    uint32_t mask = (uint32_t)k->map_mask;
    uint32_t i = map_slot(k, tag);
    while (k->tags[k->map[i] - 1] != tag)
        i = (i + 1) & mask;
    for (uint32_t j = (i + 1) & mask; k->map[j]; j = (j + 1) & mask) {
        /* the entry at j may fill the hole at i unless its home slot lies in (i, j] */
        uint32_t home = map_slot(k, k->tags[k->map[j] - 1]);
        if (((j - home) & mask) >= ((j - i) & mask)) {
            k->map[i] = k->map[j];
            i = j;
        }
    }
    k->map[i] = 0;
}

/* Move ways first..last, a stretch of set's LRU list in list order, to its most recent end:
 * the list then reads as after touching them one by one, first to last.  first == last
 * touches one way. */
static inline void lru_splice(ts_cache *k, uint32_t set, uint32_t first, uint32_t last)
{
    uint32_t cap = k->capacity;
    uint32_t *prev = k->lru, *next = prev + cap, *head = prev + 2 * (size_t)cap, *tail = prev + 3 * (size_t)cap;
    uint32_t t = tail[set];
    if (t == last)
        return;
    uint32_t p = prev[first], n = next[last]; /* n != TS_NONE: last is not the tail */
    if (p != TS_NONE)
        next[p] = n;
    else
        head[set] = n;
    prev[n] = p;
    prev[first] = t;
    next[t] = first;
    next[last] = TS_NONE;
    tail[set] = last;
}

/* Bring tag into its set's least recently used way (invalid ways first: they head the list)
 * as the most recent; returns that way. */
static inline uint32_t cache_fill(ts_cache *k, uint32_t set, uint64_t tag)
{
    uint32_t victim = k->lru[2 * (size_t)k->capacity + set]; /* head: invalid ways first, then the LRU */
    if (k->tags[victim])
        map_remove(k, k->tags[victim]);
    k->tags[victim] = tag;
    map_insert(k, tag, victim);
    lru_splice(k, set, victim, victim);
    k->fills++;
    return victim;
}

/* Inlined into its callers: a call per line access costs ~10% of the model (perf). */
static inline __attribute__((always_inline)) int cache_access(ts_cache *k, uint64_t line)
{
    uint64_t tag = line + 1;
    if (tag == k->last_line) {
        /* same line as the previous access: it is resident and already most recent */
        k->hits++;
        return CACHE_HIT;
    }
    int sequential = k->prefetch && k->last_line && tag == k->last_line + 1;
    k->last_line = tag;
    uint32_t set = (uint32_t)line & (k->n_sets - 1);
    uint32_t way = map_find(k, tag);
    if (way != TS_NONE) {
        lru_splice(k, set, way, way);
        k->hits++;
        return CACHE_HIT;
    }
    cache_fill(k, set, tag);
    if (sequential) {
        k->prefetch_hits++;
        return CACHE_PREFETCH;
    }
    k->misses++;
    return CACHE_MISS;
}

#endif
