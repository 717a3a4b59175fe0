/*
 * Board-independent parts of the board port: console strings and number formatting on top of
 * each board's board_putc(). No libc stdio: the firmware is freestanding.
 */
#include "tinysim_board.h"

void board_puts(const char *s)
{
    while (*s) {
        board_putc(*s++);
    }
}

void board_write(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        board_putc(buf[i]);
    }
}

size_t board_fmt_u64(char *buf, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        /* 64-bit division goes through libgcc's __aeabi_uldivmod / __udivdi3 */
        tmp[n++] = (char)('0' + (unsigned)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    for (size_t i = 0; i < n; i++) {
        buf[i] = tmp[n - 1u - i];
    }
    buf[n] = '\0';
    return n;
}

size_t board_fmt_hex32(char *buf, uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
        buf[i] = digits[(v >> (28 - 4 * i)) & 0xFu];
    }
    buf[8] = '\0';
    return 8;
}

void board_put_u64(uint64_t v)
{
    char buf[21];
    board_write(buf, board_fmt_u64(buf, v));
}

void board_put_u32(uint32_t v)
{
    board_put_u64(v);
}

void board_put_i32(int32_t v)
{
    if (v < 0) {
        board_putc('-');
        board_put_u64((uint64_t)(-(int64_t)v));
    } else {
        board_put_u64((uint64_t)v);
    }
}

void board_put_hex32(uint32_t v)
{
    char buf[9];
    board_write(buf, board_fmt_hex32(buf, v));
}
