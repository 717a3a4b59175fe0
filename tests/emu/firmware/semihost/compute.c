/* Ordinary compiled code, built with -Os so GCC packs conditions into IT blocks (the code in
 * which Unicorn 2.1.4's IT-state leak showed): a state machine over a text buffer as CoreMark's
 * core_bench_state does it, CRC-16, a linked-list insertion sort, a Q15 dot product (SMLAD), 64-bit
 * arithmetic, division and remainders, bit operations, floating point and unaligned copies. Each
 * prints a checksum; tinysim and QEMU must print the same, in every counting mode. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint16_t crc16(uint16_t crc, const uint8_t *p, unsigned n) {
    while (n--) {
        crc ^= *p++;
        for (int i = 0; i < 8; i++)
            crc = (crc & 1) ? (crc >> 1) ^ 0xA001 : crc >> 1;
    }
    return crc;
}

/* a number scanner as CoreMark's: count the kinds of tokens, and scramble the separators */
static unsigned scan(uint8_t *buf, unsigned n, unsigned counts[4]) {
    unsigned passes = 0;
    for (uint8_t *p = buf; p < buf + n; p += 7) {
        uint8_t c = *p;
        if (c == ',')
            counts[0]++;
        else if (c >= '0' && c <= '9')
            counts[1]++;
        else if (c == '.' || c == 'e' || c == '-')
            counts[2]++;
        else
            counts[3]++;
        if (c != ',')
            *p ^= 7;
        passes++;
    }
    return passes;
}

struct node {
    struct node *next;
    int32_t key;
};

static struct node *sort_list(struct node *head) {
    struct node *sorted = 0;
    while (head) {
        struct node *n = head, **at = &sorted;
        head = head->next;
        while (*at && (*at)->key < n->key)
            at = &(*at)->next;
        n->next = *at;
        *at = n;
    }
    return sorted;
}

static int32_t dot_q15(const int16_t *a, const int16_t *b, unsigned n) {
    int32_t acc = 0;
    for (unsigned i = 0; i < n; i += 2) {
        uint32_t x, y;
        memcpy(&x, a + i, 4);
        memcpy(&y, b + i, 4);
        __asm("smlad %0, %1, %2, %0" : "+r"(acc) : "r"(x), "r"(y));
    }
    return acc;
}

int main(void) {
    static uint8_t text[256];
    const char *seed = "5012,1.25e-3,-99,8,abc,77.5,0x1F,,3e8,";
    for (unsigned i = 0; i < sizeof text; i++)
        text[i] = (uint8_t)seed[i % strlen(seed)];
    unsigned counts[4] = {0};
    unsigned passes = 0;
    for (int round = 0; round < 29; round++)
        passes += scan(text, sizeof text, counts);
    printf("state: passes=%u counts=%u,%u,%u,%u crc=%04x\n", passes, counts[0], counts[1], counts[2],
           counts[3], crc16(0xFFFF, text, sizeof text));

    static struct node nodes[64];
    uint32_t r = 12345;
    for (int i = 0; i < 64; i++) {
        r = r * 1103515245u + 12345u;
        nodes[i].key = (int32_t)(r >> 8) % 1000 - 500;
        nodes[i].next = i < 63 ? &nodes[i + 1] : 0;
    }
    uint32_t order = 0;
    int32_t last = -1000, sorted_ok = 1;
    for (struct node *n = sort_list(&nodes[0]); n; n = n->next) {
        sorted_ok &= n->key >= last;
        last = n->key;
        order = order * 31u + (uint32_t)(n - nodes);
    }
    printf("list: sorted=%ld order=%08lx\n", (long)sorted_ok, (unsigned long)order);

    static int16_t a[64], b[64];
    for (int i = 0; i < 64; i++) {
        a[i] = (int16_t)(i * 517 - 16000);
        b[i] = (int16_t)(12000 - i * 311);
    }
    printf("smlad: %ld\n", (long)dot_q15(a, b, 64));

    uint64_t big = 0x123456789ABCDEFull;
    int64_t sbig = -0x7654321012345678ll;
    for (int i = 0; i < 10; i++) {
        big = big * 6364136223846793005ull + 1442695040888963407ull;
        sbig = sbig / 3 + (int64_t)(big >> 40);
    }
    printf("64-bit: %08lx%08lx %ld\n", (unsigned long)(big >> 32), (unsigned long)big, (long)(sbig % 100000));

    int32_t q = 0;
    uint32_t m = 0;
    for (int32_t i = -50; i < 50; i++) {
        q += (i * 7919) / (i % 7 + 8);
        m += (uint32_t)(i * i) % 97u;
    }
    printf("divide: %ld %lu\n", (long)q, (unsigned long)m);

    uint32_t bits = 0;
    for (uint32_t v = 1; v; v <<= 3) {
        uint32_t rev;
        __asm("rbit %0, %1" : "=r"(rev) : "r"(v * 0x9E3779B9u));
        bits += (uint32_t)__builtin_clz(v | 1) + __builtin_popcount(rev) + (rev >> 27);
    }
    printf("bits: %lu\n", (unsigned long)bits);

    volatile float x = 0.1f;
    float acc = 0.0f;
    for (int i = 1; i <= 100; i++)
        acc += x * (float)i / (float)(i + 1) - (acc > 10.0f ? 0.5f : 0.0f);
    printf("float: %ld\n", (long)(acc * 100000.0f));

    static uint8_t src[80], dst[80];
    for (int i = 0; i < 80; i++)
        src[i] = (uint8_t)(i * 13);
    memcpy(dst + 3, src + 1, 61);
    memmove(dst + 5, dst + 3, 40);
    printf("copy: crc=%04x\n", crc16(0, dst, sizeof dst));
    return 0;
}
