/*
 * The few C library functions a freestanding build still needs: GCC emits calls to memcpy,
 * memset and memmove for struct copies and zeroing even with -ffreestanding, and kernels use
 * them directly. Byte loops are enough for the test firmwares; a board or kernel that needs
 * speed provides its own.
 *
 * The loops must not be turned back into calls to the functions being defined (GCC's
 * loop-distribution pass does exactly that at -O2), hence the optimize attribute.
 */
#include <stddef.h>
#include <stdint.h>

#define NO_LIBCALL_RECOGNITION __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_LIBCALL_RECOGNITION void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0u) {
        while (n >= 4u) {
            *(uint32_t *)(void *)d = *(const uint32_t *)(const void *)s;
            d += 4;
            s += 4;
            n -= 4u;
        }
    }
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

NO_LIBCALL_RECOGNITION void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0u) {
        return dst;
    }
    if (d < s || d >= s + n) {
        return memcpy(dst, src, n);
    }
    while (n--) {
        d[n] = s[n];
    }
    return dst;
}

NO_LIBCALL_RECOGNITION void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--) {
        *d++ = (unsigned char)c;
    }
    return dst;
}

NO_LIBCALL_RECOGNITION int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a;
    const unsigned char *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return (int)x[i] - (int)y[i];
        }
    }
    return 0;
}

NO_LIBCALL_RECOGNITION size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    return n;
}

NO_LIBCALL_RECOGNITION int strcmp(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

NO_LIBCALL_RECOGNITION int strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i] || a[i] == '\0') {
            return (int)(unsigned char)a[i] - (int)(unsigned char)b[i];
        }
    }
    return 0;
}
