/* compute: a compute-bound integer workload shaped like an int8 fully connected layer
 * (int8 x int8 -> int32 dot products, fixed-point requantization with saturation) plus a
 * bitwise CRC-32 over the results. About 25 M instructions on Cortex-M4 at -O2. The checksum
 * depends only on C integer arithmetic, so every board prints the same value. */
#include "tinysim_board.h"

#define ROWS   32
#define COLS   512
#define PASSES 300

static int8_t s_weights[ROWS][COLS];
static int8_t s_input[COLS];
static int8_t s_output[ROWS];

static uint32_t s_lcg = 12345u;

static int8_t next_int8(void)
{
    s_lcg = s_lcg * 1664525u + 1013904223u; /* Numerical Recipes LCG */
    return (int8_t)(s_lcg >> 24);
}

static uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t len)
{
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= data[i];
        for (int b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u))); /* reflected IEEE 802.3 */
        }
    }
    return ~crc;
}

static int32_t dot_int8(const int8_t *a, const int8_t *b, int n)
{
    int32_t acc = 0;
    for (int i = 0; i < n; i++) {
        acc += (int32_t)a[i] * (int32_t)b[i];
    }
    return acc;
}

/* TFLite-style requantization: (acc * multiplier) >> 31 with rounding, then a shift. */
static int8_t requantize(int32_t acc, int32_t multiplier, int shift)
{
    int64_t prod = (int64_t)acc * multiplier;
    int32_t high = (int32_t)((prod + (1ll << 30)) >> 31);
    int32_t v = (high + (1 << (shift - 1))) >> shift;
    if (v > 127) {
        v = 127;
    } else if (v < -128) {
        v = -128;
    }
    return (int8_t)v;
}

int main(void)
{
    for (int r = 0; r < ROWS; r++) {
        for (int c = 0; c < COLS; c++) {
            s_weights[r][c] = next_int8();
        }
    }
    for (int c = 0; c < COLS; c++) {
        s_input[c] = next_int8();
    }

    uint64_t start = board_cycles();
    uint32_t crc = crc32_update(0u, (const uint8_t *)s_weights, sizeof s_weights);
    for (int pass = 0; pass < PASSES; pass++) {
        for (int r = 0; r < ROWS; r++) {
            s_output[r] = requantize(dot_int8(s_weights[r], s_input, COLS), 1518500250, 6);
        }
        crc = crc32_update(crc, (const uint8_t *)s_output, sizeof s_output);
        /* feed the outputs back so no pass can be hoisted or skipped */
        for (int c = 0; c < COLS; c++) {
            s_input[c] = (int8_t)(s_input[c] ^ s_output[c % ROWS]);
        }
    }
    uint64_t spent = board_cycles() - start;

    board_puts("compute checksum ");
    board_put_hex32(crc);
    board_puts("\r\ncycles ");
    board_put_u64(spent);
    board_puts("\r\n");
    board_halt();
}
