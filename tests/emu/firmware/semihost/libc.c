/* What newlib does for an ordinary embedded application, each line a checksum or a printout:
 * formatted output of floats and doubles, parsing, qsort, the heap, the soft-float double and
 * single-precision libm (sin, exp, log, pow, sqrt: long instruction mixes of shifts, CLZ,
 * UMULL/UMLAL, IT blocks), 64-bit division, setjmp/longjmp, C11 atomics (LDREX/STREX), and the
 * bit instructions GCC emits for builtins (CLZ, RBIT, REV, REV16, SSAT, USAT, UBFX, BFI).
 * tinysim and QEMU must print the same, in every counting mode; built for RV32IMC with picolibc
 * too. */
#include <math.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static jmp_buf env;
static __attribute__((noinline)) void deep(int n) {
    if (n == 0)
        longjmp(env, 42);
    deep(n - 1);
}

static uint32_t fnv(const void *p, size_t n) {
    const uint8_t *b = p;
    uint32_t h = 2166136261u;
    while (n--)
        h = (h ^ *b++) * 16777619u;
    return h;
}

int main(void) {
    char buf[128];
    /* formatted output */
    snprintf(buf, sizeof buf, "%.6f %.3e %g %.10f", 3.14159265358979, -1.5e-7, 1e21, 1.0 / 3.0);
    printf("fmt: %s\n", buf);
    snprintf(buf, sizeof buf, "%08.3f|%-8d|%+5ld|%#x|%lld", -2.5, 42, -7L, 255u, -123456789012LL);
    printf("fmt2: %s\n", buf);
    /* parsing */
    double d = strtod("-12345.678e-3", 0);
    long l = strtol("  -0x7fff", 0, 16);
    unsigned long ul = strtoul("4294967295", 0, 10);
    printf("parse: %.9f %ld %lu\n", d, l, ul);
    /* qsort and the heap */
    int n = 200, *v = malloc(n * sizeof *v);
    uint32_t x = 12345;
    for (int i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        v[i] = (int)(x >> 8) - (1 << 22);
    }
    qsort(v, n, sizeof *v, cmp_int);
    int sorted = 1;
    for (int i = 1; i < n; i++)
        sorted &= v[i - 1] <= v[i];
    char *s = malloc(1000);
    memset(s, 'a', 999);
    s[999] = 0;
    s = realloc(s, 3000);
    printf("qsort: sorted=%d min=%d max=%d hash=%08lx len=%u\n", sorted, v[0], v[n - 1],
           (unsigned long)fnv(v, n * sizeof *v), (unsigned)strlen(s));
    free(v);
    free(s);
    /* double-precision libm (soft float) */
    double acc = 0;
    for (int i = 1; i <= 40; i++) {
        double t = i * 0.37;
        acc += sin(t) * exp(-t / 9) + log(t) - pow(t, 0.3) + sqrt(t) + atan2(t, 3.0) + fmod(t * 7, 2.5);
    }
    printf("libm: %.12e\n", acc);
    /* single precision (the FPU, and libm's float functions) */
    float f = 0;
    for (int i = 1; i <= 100; i++) {
        float t = (float)i * 0.05f;
        f += sinf(t) * expf(-t) + sqrtf(t) / (1.0f + t) + logf(t + 1.0f) + fabsf(cosf(t * 3.0f));
    }
    union { float f; uint32_t u; } fu = {f};
    printf("libmf: %.7e bits=%08lx\n", (double)f, (unsigned long)fu.u);
    /* 64-bit arithmetic */
    uint64_t big = 0xfedcba9876543210ull, q = 0, r = 0;
    for (uint64_t dv = 3; dv < 3000000000ull; dv = dv * 7 + 1) {
        q += big / dv;
        r ^= big % dv;
    }
    int64_t sq = -9223372036854775807LL / 12345;
    printf("div64: %016llx %016llx %lld\n", (unsigned long long)q, (unsigned long long)r, (long long)sq);
    /* setjmp / longjmp */
    volatile int jumped = 0;
    int got = setjmp(env);
    if (!jumped) {
        jumped = 1;
        deep(20);
    }
    printf("longjmp: %d\n", got);
    /* C11 atomics (LDREX/STREX; built for RV32IMC, which has no A extension, plain code) */
#if defined(__riscv) && !defined(__riscv_atomic)
    int counter = 0;
    unsigned flags = 0;
    for (int i = 0; i < 100; i++) {
        counter += i;
        flags |= 1u << (i % 32);
        counter ^= 0x55;
    }
    printf("atomics: %d %08x\n", counter, flags);
#else
    atomic_int counter = 0;
    atomic_uint flags = 0;
    for (int i = 0; i < 100; i++) {
        atomic_fetch_add(&counter, i);
        atomic_fetch_or(&flags, 1u << (i % 32));
        int expected = atomic_load(&counter);
        atomic_compare_exchange_strong(&counter, &expected, expected ^ 0x55);
    }
    printf("atomics: %d %08x\n", atomic_load(&counter), atomic_load(&flags));
#endif
    /* bit builtins */
    uint32_t bits = 0;
    for (uint32_t i = 1; i < 5000; i += 7) {
        uint32_t w = i * 2654435761u;
        bits += (uint32_t)__builtin_clz(w | 1) + __builtin_ctz(w | 0x80000000u) + __builtin_popcount(w);
        bits ^= __builtin_bswap32(w) + (uint32_t)__builtin_bswap16((uint16_t)w);
        int32_t sat = (int32_t)w >> 9;
        sat = sat > 32767 ? 32767 : sat < -32768 ? -32768 : sat; /* SSAT */
        uint32_t usat = (int32_t)w < 0 ? 0 : (w >> 20) > 255 ? 255 : (w >> 20); /* USAT */
        bits += (uint32_t)sat + usat + ((w >> 5) & 0x3ff); /* UBFX */
        bits = (bits & ~(0xffu << 8)) | ((w & 0xffu) << 8); /* BFI */
    }
    printf("bits: %08lx\n", (unsigned long)bits);
    return 0;
}
