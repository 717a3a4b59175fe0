/* Host port of the board API: the DUT harness built with the host gcc, talking over
 * stdin/stdout, so the protocol can be exercised natively (tests, quick manual checks) without
 * the emulator or a board. Time comes from CLOCK_MONOTONIC; there is no cycle counter, so
 * board_cycles() counts microseconds at a nominal 1 MHz "clock". Output is buffered and flushed
 * whenever the harness waits for input, i.e. after each complete response. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tinysim_board.h"

static struct timespec t0;

static uint64_t elapsed_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)(now.tv_sec - t0.tv_sec) * 1000000u + (uint64_t)((now.tv_nsec - t0.tv_nsec) / 1000);
}

void board_init(void)
{
    clock_gettime(CLOCK_MONOTONIC, &t0);
}

void board_putc(char c)
{
    putchar((unsigned char)c);
}

void board_puts(const char *s)
{
    fputs(s, stdout);
}

void board_write(const char *buf, size_t len)
{
    fwrite(buf, 1, len, stdout);
}

int board_getc(void)
{
    int c;
    fflush(stdout);
    c = getchar();
    if (c == EOF) { /* the host closed our stdin: nothing more will come */
        exit(0);
    }
    return c;
}

int board_getc_nowait(void)
{
    return -1; /* stdin is blocking here; the harness never polls */
}

uint64_t board_cycles(void)
{
    return elapsed_us();
}

uint32_t board_micros(void)
{
    return (uint32_t)elapsed_us();
}

uint32_t board_clock_hz(void)
{
    return 1000000u;
}

const char *board_name(void)
{
    return "host";
}

int board_timer_start(uint32_t hz, void (*handler)(void))
{
    (void)handler;
    return hz == 0u ? 0 : -1; /* no periodic interrupt on the host */
}

void board_wait_for_interrupt(void)
{
}

void board_halt(void)
{
    fflush(stdout);
    exit(0);
}

void board_put_u32(uint32_t v)
{
    printf("%lu", (unsigned long)v);
}

void board_put_i32(int32_t v)
{
    printf("%ld", (long)v);
}

void board_put_u64(uint64_t v)
{
    printf("%llu", (unsigned long long)v);
}

void board_put_hex32(uint32_t v)
{
    printf("%08lx", (unsigned long)v);
}

size_t board_fmt_u64(char *buf, uint64_t v)
{
    return (size_t)sprintf(buf, "%llu", (unsigned long long)v);
}

size_t board_fmt_hex32(char *buf, uint32_t v)
{
    return (size_t)sprintf(buf, "%08lx", (unsigned long)v);
}
