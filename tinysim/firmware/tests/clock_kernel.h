/* The kernel the clock test firmwares (clock70, noprefetch) time in each phase: straight-line
 * code several KiB long (far more than the ART's instruction cache holds, so every line comes
 * from flash: wait states and prefetch show), looped, then a bitwise CRC-32 over 1 KiB of the
 * firmware's own flash (data reads through the ART data cache). Prints
 * "phase <name> cycles <DWT cycles> checksum <crc>". Header-only: each test is one main.c. */
#ifndef CLOCK_KERNEL_H
#define CLOCK_KERNEL_H

#include "tinysim_board.h"

#define CLOCK_KERNEL_BYTES  1024u
#define CLOCK_KERNEL_PASSES 1

static uint32_t clock_kernel_crc(const uint8_t *data, uint32_t len, uint32_t crc)
{
    crc = ~crc;
    for (uint32_t i = 0; i < len; i++) {
        crc ^= data[i];
        for (int b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u))); /* reflected IEEE 802.3 */
        }
    }
    return ~crc;
}

#define CK_STEP(a) a = (a ^ (a << 3)) + 0x9E3779B9u;
#define CK_16(a) CK_STEP(a) CK_STEP(a) CK_STEP(a) CK_STEP(a) CK_STEP(a) CK_STEP(a) CK_STEP(a) CK_STEP(a) \
                 CK_STEP(a) CK_STEP(a) CK_STEP(a) CK_STEP(a) CK_STEP(a) CK_STEP(a) CK_STEP(a) CK_STEP(a)
#define CK_256(a) CK_16(a) CK_16(a) CK_16(a) CK_16(a) CK_16(a) CK_16(a) CK_16(a) CK_16(a) \
                  CK_16(a) CK_16(a) CK_16(a) CK_16(a) CK_16(a) CK_16(a) CK_16(a) CK_16(a)
#define CLOCK_KERNEL_LOOPS 100

/* About 1000 straight-line steps of a few instructions each: several KiB of code per loop. */
static __attribute__((noinline)) uint32_t clock_kernel_straight(uint32_t a)
{
    for (int i = 0; i < CLOCK_KERNEL_LOOPS; i++) {
        CK_256(a) CK_256(a) CK_256(a) CK_256(a)
    }
    return a;
}

static void clock_kernel_phase(const char *name)
{
    const uint8_t *flash = (const uint8_t *)0x08000000u; /* vector table and code */
    uint64_t start = board_cycles();
    uint32_t crc = clock_kernel_straight(0x12345678u);
    for (int pass = 0; pass < CLOCK_KERNEL_PASSES; pass++) {
        crc = clock_kernel_crc(flash, CLOCK_KERNEL_BYTES, crc);
    }
    uint64_t spent = board_cycles() - start;
    board_puts("phase ");
    board_puts(name);
    board_puts(" cycles ");
    board_put_u64(spent);
    board_puts(" checksum ");
    board_put_hex32(crc);
    board_puts("\r\n");
}

#endif
