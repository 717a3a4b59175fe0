/* Output helpers for the DUT harness. Everything funnels into board_putc so the harness needs no
 * stdio and no printf float support (which newlib-nano and picolibc drop by default). */
#include "harness.h"
#include "tinysim_board.h"

void ee_puts(const char *s)
{
    while (*s != '\0') {
        board_putc(*s++);
    }
}

void ee_newline(void)
{
    board_putc('\r');
    board_putc('\n');
}

void ee_putline(const char *s)
{
    ee_puts(s);
    ee_newline();
}

void ee_ready(void)
{
    ee_putline("m-ready");
}

/* Decimal numbers come from the board port's printf-free formatters. */
void ee_put_u32(uint32_t v)
{
    board_put_u32(v);
}

void ee_put_i32(int32_t v)
{
    board_put_i32(v);
}

void ee_put_hex8(uint8_t v)
{
    static const char hex[] = "0123456789abcdef";
    board_putc(hex[v >> 4]);
    board_putc(hex[v & 0x0fu]);
}

/* Fixed-point "%.3f". The fraction is rounded half-up from the float value, so on an exact binary
 * tie (e.g. 0.0625) it prints 0.063 where glibc's printf prints 0.062 (round-half-even); the host
 * checks bit-exactness on the m-results-raw line, never on these decimals.
 * From 2^32 up the value is scaled down by tens and printed as digits followed by zeros: right to
 * the float's own precision (~7 significant digits), like printf on a float. */
void ee_put_fixed3(float v)
{
    uint32_t whole;
    uint32_t milli;
    uint32_t zeros = 0;
    float frac;

    if (v != v) {
        ee_puts("nan");
        return;
    }
    if (v < 0.0f) {
        board_putc('-');
        v = -v;
    }
    if (v > 3.4028235e38f) {
        ee_puts("inf");
        return;
    }
    if (v >= 4294967040.0f) { /* largest float below 2^32: the integer part must fit a uint32 */
        while (v >= 4294967040.0f) {
            v /= 10.0f;
            zeros++;
        }
        ee_put_u32((uint32_t)(v + 0.5f));
        while (zeros-- > 0u) {
            board_putc('0');
        }
        ee_puts(".000");
        return;
    }
    whole = (uint32_t)v;
    frac = v - (float)whole; /* exact: the integer part of a float is representable in float */
    milli = (uint32_t)(frac * 1000.0f + 0.5f);
    if (milli >= 1000u) {
        whole += 1u;
        milli -= 1000u;
    }
    ee_put_u32(whole);
    board_putc('.');
    board_putc((char)('0' + milli / 100u));
    board_putc((char)('0' + (milli / 10u) % 10u));
    board_putc((char)('0' + milli % 10u));
}

int ee_streq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

size_t ee_strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    return n;
}
