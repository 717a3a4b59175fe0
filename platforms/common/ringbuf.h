/*
 * Single-producer (RX interrupt) / single-consumer (board_getc) byte queue. Indices are free
 * running 8-bit counters, so the queue holds up to 255 bytes without a separate count.
 */
#ifndef TINYSIM_RINGBUF_H
#define TINYSIM_RINGBUF_H

#include <stdint.h>

typedef struct {
    volatile uint8_t head; /* written by the ISR */
    volatile uint8_t tail; /* written by the reader */
    volatile uint32_t dropped;
    uint8_t data[256];
} ringbuf_t;

static inline void ringbuf_push(ringbuf_t *rb, uint8_t byte)
{
    uint8_t next = (uint8_t)(rb->head + 1u);
    if (next == rb->tail) {
        rb->dropped++; /* full: the newest byte is lost, like a hardware overrun */
        return;
    }
    rb->data[rb->head] = byte;
    rb->head = next;
}

static inline int ringbuf_pop(ringbuf_t *rb)
{
    if (rb->head == rb->tail) {
        return -1;
    }
    uint8_t byte = rb->data[rb->tail];
    rb->tail = (uint8_t)(rb->tail + 1u);
    return byte;
}

#endif
