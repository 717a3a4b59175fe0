/* FULLY_CONNECTED, int8: Cortex-M4 DSP port. Same arithmetic as the reference.
 *
 * Four output units per pass share each unpacked input word: per 4 input bytes one
 * input load and two SXTB16, then per unit one weight load (the four rows streaming
 * from flash side by side), two SXTB16 and two SMLAD. On the
 * Cortex-M4 that loop is inline asm (GCC spills the four row pointers); elsewhere,
 * and for the last 1..3 units and the n % 4 tail bytes, ts_dot2 / ts_dot1 / C.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-schedule-insns")
#endif
#include "../common/ts_kernels.h"
#include "../common/ts_fc_requant.h"
#include "ts_simd.h"

/* a[0..3] += rows w0..w3 . x over 4 * groups bytes (groups >= 1); advances the pointers. */
static inline __attribute__((always_inline)) void ts_fc_dot4(const int8_t **px, const int8_t **pw,
                                                             int n, int groups, int32_t *a)
{
    const int8_t *x = *px, *w0 = pw[0], *w1 = pw[1], *w2 = pw[2], *w3 = pw[3];
    int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
#if defined(__ARM_FEATURE_DSP)
    /* rows 1 and 3 as [row 0 + n] and [row 2 + n]: thirteen registers in all */
    uint32_t xe, xo, tw, tt;
    /* an odd group first, then two groups per loop pass */
    __asm__("tst %[g], #1\n\t"
            "beq 2f\n\t"
            "ldr %[xo], [%[x]], #4\n\t"
            "ldr %[tw], [%[w0], %[n]]\n\t"
            "sxtb16 %[xe], %[xo]\n\t"
            "sxtb16 %[xo], %[xo], ror #8\n\t"
            "sxtb16 %[tt], %[tw]\n\t"
            "sxtb16 %[tw], %[tw], ror #8\n\t"
            "smlad %[a1], %[tt], %[xe], %[a1]\n\t"
            "smlad %[a1], %[tw], %[xo], %[a1]\n\t"
            "ldr %[tw], [%[w0]], #4\n\t"
            "sxtb16 %[tt], %[tw]\n\t"
            "sxtb16 %[tw], %[tw], ror #8\n\t"
            "smlad %[a0], %[tt], %[xe], %[a0]\n\t"
            "smlad %[a0], %[tw], %[xo], %[a0]\n\t"
            "ldr %[tw], [%[w2], %[n]]\n\t"
            "sxtb16 %[tt], %[tw]\n\t"
            "sxtb16 %[tw], %[tw], ror #8\n\t"
            "smlad %[a3], %[tt], %[xe], %[a3]\n\t"
            "smlad %[a3], %[tw], %[xo], %[a3]\n\t"
            "ldr %[tw], [%[w2]], #4\n\t"
            "sxtb16 %[tt], %[tw]\n\t"
            "sxtb16 %[tw], %[tw], ror #8\n\t"
            "smlad %[a2], %[tt], %[xe], %[a2]\n\t"
            "smlad %[a2], %[tw], %[xo], %[a2]\n\t"
            "2:\n\t"
            "lsrs %[g], %[g], #1\n\t"
            "beq 3f\n\t"
            "1:\n\t"
            "ldr %[xo], [%[x]], #4\n\t"
            "ldr %[tw], [%[w0], %[n]]\n\t"
            "sxtb16 %[xe], %[xo]\n\t"
            "sxtb16 %[xo], %[xo], ror #8\n\t"
            "sxtb16 %[tt], %[tw]\n\t"
            "sxtb16 %[tw], %[tw], ror #8\n\t"
            "smlad %[a1], %[tt], %[xe], %[a1]\n\t"
            "smlad %[a1], %[tw], %[xo], %[a1]\n\t"
            "ldr %[tw], [%[w0]], #4\n\t"
            "sxtb16 %[tt], %[tw]\n\t"
            "sxtb16 %[tw], %[tw], ror #8\n\t"
            "smlad %[a0], %[tt], %[xe], %[a0]\n\t"
            "smlad %[a0], %[tw], %[xo], %[a0]\n\t"
            "ldr %[tw], [%[w2], %[n]]\n\t"
            "sxtb16 %[tt], %[tw]\n\t"
            "sxtb16 %[tw], %[tw], ror #8\n\t"
            "smlad %[a3], %[tt], %[xe], %[a3]\n\t"
            "smlad %[a3], %[tw], %[xo], %[a3]\n\t"
            "ldr %[tw], [%[w2]], #4\n\t"
            "sxtb16 %[tt], %[tw]\n\t"
            "sxtb16 %[tw], %[tw], ror #8\n\t"
            "smlad %[a2], %[tt], %[xe], %[a2]\n\t"
            "smlad %[a2], %[tw], %[xo], %[a2]\n\t"
            "ldr %[xo], [%[x]], #4\n\t"
            "ldr %[tw], [%[w0], %[n]]\n\t"
            "sxtb16 %[xe], %[xo]\n\t"
            "sxtb16 %[xo], %[xo], ror #8\n\t"
            "sxtb16 %[tt], %[tw]\n\t"
            "sxtb16 %[tw], %[tw], ror #8\n\t"
            "smlad %[a1], %[tt], %[xe], %[a1]\n\t"
            "smlad %[a1], %[tw], %[xo], %[a1]\n\t"
            "ldr %[tw], [%[w0]], #4\n\t"
            "sxtb16 %[tt], %[tw]\n\t"
            "sxtb16 %[tw], %[tw], ror #8\n\t"
            "smlad %[a0], %[tt], %[xe], %[a0]\n\t"
            "smlad %[a0], %[tw], %[xo], %[a0]\n\t"
            "ldr %[tw], [%[w2], %[n]]\n\t"
            "sxtb16 %[tt], %[tw]\n\t"
            "sxtb16 %[tw], %[tw], ror #8\n\t"
            "smlad %[a3], %[tt], %[xe], %[a3]\n\t"
            "smlad %[a3], %[tw], %[xo], %[a3]\n\t"
            "ldr %[tw], [%[w2]], #4\n\t"
            "sxtb16 %[tt], %[tw]\n\t"
            "sxtb16 %[tw], %[tw], ror #8\n\t"
            "smlad %[a2], %[tt], %[xe], %[a2]\n\t"
            "smlad %[a2], %[tw], %[xo], %[a2]\n\t"
            "subs %[g], %[g], #1\n\t"
            "bne 1b\n\t"
            "3:\n\t"
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x),
              [w0] "+r"(w0), [w2] "+r"(w2), [g] "+r"(groups),
              [xe] "=&r"(xe), [xo] "=&r"(xo), [tw] "=&r"(tw), [tt] "=&r"(tt)
            : [n] "r"(n)
            : "cc", "memory");
    w1 = w0 + n;
    w3 = w2 + n;
#else
    (void)n;
    for (; groups > 0; groups--, x += 4, w0 += 4, w1 += 4, w2 += 4, w3 += 4) {
        const uint32_t xv = ts_load4(x);
        const uint32_t xe = ts_sxtb16(xv), xo = ts_sxtb16_odd(xv);
        const uint32_t v0 = ts_load4(w0), v1 = ts_load4(w1), v2 = ts_load4(w2), v3 = ts_load4(w3);
        a0 = ts_smlad(ts_sxtb16_odd(v0), xo, ts_smlad(ts_sxtb16(v0), xe, a0));
        a1 = ts_smlad(ts_sxtb16_odd(v1), xo, ts_smlad(ts_sxtb16(v1), xe, a1));
        a2 = ts_smlad(ts_sxtb16_odd(v2), xo, ts_smlad(ts_sxtb16(v2), xe, a2));
        a3 = ts_smlad(ts_sxtb16_odd(v3), xo, ts_smlad(ts_sxtb16(v3), xe, a3));
    }
#endif
    a[0] = a0;
    a[1] = a1;
    a[2] = a2;
    a[3] = a3;
    *px = x;
    pw[0] = w0;
    pw[1] = w1;
    pw[2] = w2;
    pw[3] = w3;
}

void ts_fully_connected(const ts_fc_params *p, const int8_t *in, int8_t *out)
{
    const int n = p->in_depth, groups = n >> 2;
    for (int b = 0; b < p->batches; b++, in += n) {
        const int8_t *w = p->weights;
        int o = 0;
        if (groups > 0) {
            for (; o + 3 < p->out_depth; o += 4, w += 4 * n) {
                int32_t a[4] = {p->bias[o], p->bias[o + 1], p->bias[o + 2], p->bias[o + 3]};
                const int8_t *x = in;
                const int8_t *rows[4] = {w, w + n, w + 2 * n, w + 3 * n};
                ts_fc_dot4(&x, rows, n, groups, a);
                for (int k = n & 3; k > 0; k--, x++) {   /* tail bytes */
                    for (int r = 0; r < 4; r++) {
                        a[r] += *rows[r]++ * *x;
                    }
                }
                for (int r = 0; r < 4; r++) {
                    out[r] = ts_fc_requant(p, a[r], o + r);
                }
                out += 4;
            }
        }
        for (; o + 1 < p->out_depth; o += 2, w += 2 * n) {
            int32_t a0 = p->bias[o], a1 = p->bias[o + 1];
            ts_dot2(in, w, w + n, n, &a0, &a1);
            out[0] = ts_fc_requant(p, a0, o);
            out[1] = ts_fc_requant(p, a1, o + 1);
            out += 2;
        }
        if (o < p->out_depth) {
            int32_t a0 = p->bias[o];
            ts_dot1(in, w, n, &a0);
            *out++ = ts_fc_requant(p, a0, o);
        }
    }
}
