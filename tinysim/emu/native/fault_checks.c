/* Per-instruction UsageFault checks for the Cortex-M engine (tinysim/emu/usage_checks.py).
 *
 * Unicorn 2.1.4 (QEMU 5.0) does not raise the ARMv7-M UsageFaults UNALIGNED and DIVBYZERO
 * (ARM DDI 0403E.e B3.2.15 UFSR; A3.2.1 alignment): an LDRD/LDM/VLDR to an address that is not
 * word aligned returns data, SDIV/UDIV by zero returns 0 whatever CCR.DIV_0_TRP says.  Python
 * finds the few instructions that can fault this way when a block is first described and
 * registers this callback as a UC_HOOK_CODE limited to each one's address, with a ts_check
 * describing it.  The callback runs before the instruction: it computes the data address (or
 * reads the divisor) from the registers and, only when the instruction would fault, calls back
 * into Python (`on_fault`), which makes the access itself fail so Unicorn stops precisely on the
 * instruction (even inside an IT block, where a code hook cannot stop the engine).
 * Cost: one hook call and one or two uc_reg_read per execution of such an instruction.
 *
 * ts_check_scan finds those instructions in a new block without a disassembler: Python decodes
 * (with capstone's details, which is slow) only what it reports, not every block.
 */
#include <stdint.h>

typedef int (*ts_reg_read_fn)(void *uc, int regid, void *value);
typedef void (*ts_on_fault_fn)(uint64_t pc, uint32_t kind, uint32_t address, uint32_t length);

enum { TS_CHECK_ALIGN = 1, TS_CHECK_DIV0 = 2 };

typedef struct ts_check {
    ts_reg_read_fn reg_read;
    ts_on_fault_fn on_fault;
    int32_t base;     /* unicorn register id of the base register (ALIGN) or the divisor (DIV0) */
    int32_t index;    /* register offset (LDR Rt, [Rn, Rm, LSL #s]), -1 if none */
    int32_t offset;   /* immediate added to the base before the access (0 when post-indexed) */
    uint32_t shift;   /* LSL of the index register */
    uint32_t mask;    /* the address must have these bits clear (3: word, 1: halfword) */
    uint32_t kind;    /* TS_CHECK_* */
    int32_t cond;     /* ARM condition 0-13 of an instruction in an IT block, 14 = always */
    int32_t apsr;     /* unicorn register id to read the flags from */
    uint32_t length;  /* bytes accessed, for the pages to make fail */
    uint64_t calls;   /* executions seen (bench/usage_checks_ab.py reports them) */
} ts_check;

/* A7.3.1 / A2.3.2 ConditionPassed: cond[3:1] picks the test, cond[0] inverts it (not for AL). */
static int cond_holds(uint32_t psr, int32_t cond)
{
    uint32_t n = psr >> 31 & 1, z = psr >> 30 & 1, c = psr >> 29 & 1, v = psr >> 28 & 1;
    int r;
    switch (cond >> 1) {
    case 0: r = z; break;
    case 1: r = c; break;
    case 2: r = n; break;
    case 3: r = v; break;
    case 4: r = c && !z; break;
    case 5: r = n == v; break;
    case 6: r = n == v && !z; break;
    default: return 1;
    }
    return (cond & 1) ? !r : r;
}

void ts_check_hook(void *uc, uint64_t addr, uint32_t size, void *user_data)
{
    ts_check *k = user_data;
    (void)size;
    k->calls++;
    if (k->cond < 14) {
        uint32_t psr = 0;
        k->reg_read(uc, k->apsr, &psr);
        if (!cond_holds(psr, k->cond))
            return;
    }
    uint32_t base = 0;
    k->reg_read(uc, k->base, &base);
    if (k->kind == TS_CHECK_DIV0) {
        if (base == 0)
            k->on_fault(addr, k->kind, 0, 0);
        return;
    }
    uint32_t a = base + (uint32_t)k->offset;
    if (k->index >= 0) {
        uint32_t idx = 0;
        k->reg_read(uc, k->index, &idx);
        a += idx << k->shift;
    }
    if (a & k->mask)
        k->on_fault(addr, k->kind, a, k->length);
}

/* ---- finding the instructions to check ----------------------------------------------------- */
typedef int (*ts_mem_read_fn)(void *uc, uint64_t address, void *bytes, uint64_t size);

enum { TS_GROUP_ALWAYS = 1, TS_GROUP_UNALIGN_TRP = 2, TS_GROUP_DIV0_TRP = 4 };
#define TS_SCAN_MAX_BYTES 4096

/* The instructions of the Thumb block [addr, addr+size) that may need a check of `groups`, a
 * superset of what usage_checks.decode() returns for them; SP- and PC-based forms excluded, as
 * there.  Encodings (ARM DDI 0403E.e A5.1 "Thumb instruction set encoding": a halfword whose
 * bits [15:11] are 0b11101/0b11110/0b11111 starts a 32-bit instruction; Rn is bits [3:0] of
 * the first halfword in every 32-bit form below):
 *   always:      LDM/STM (16-bit)       1100 x Rn reglist              (A5.2; Rn is never SP)
 *                LDM/STM, LDRD/STRD,    1110 100x xxxx Rn              (A5.3.5, A5.3.6)
 *                LDREX/STREX(B/H), TBB
 *                VLDR/VSTR/VLDM/VSTM    1110 110x xxxx Rn              (A6.4 "extension
 *                                                                       register load/store")
 *   unalign_trp: LDR/STR (register)     0101 xxx ...  (16-bit)         (A5.2.4)
 *                LDR/STR (immediate)    0110 x ...    (16-bit)
 *                LDRH/STRH (immediate)  1000 x ...    (16-bit)
 *                loads/stores single    1111 100x xxxx Rn              (A5.3.7-A5.3.10)
 *   div0_trp:    SDIV / UDIV            1111 1011 1001 / 1011 Rn       (A5.3.16)
 * `out` receives pairs (offset of the instruction, offset of the IT instruction whose block
 * holds it or -1), so the caller can disassemble from the IT and see the condition.  Returns
 * the number of pairs, or -1 when the block could not be read or scanned (too long, or more
 * than `max` candidates): the caller then decodes the whole block. */
int ts_check_scan(ts_mem_read_fn mem_read, void *uc, uint64_t addr, uint32_t size, uint32_t groups,
                  int32_t *out, int max)
{
    uint8_t code[TS_SCAN_MAX_BYTES];
    if (size > TS_SCAN_MAX_BYTES || mem_read(uc, addr, code, size) != 0)
        return -1;
    int n = 0, it_off = -1, it_left = 0;
    uint32_t i = 0;
    while (i + 2 <= size) {
        uint32_t hw1 = code[i] | (uint32_t)code[i + 1] << 8;
        int wide = (hw1 >> 11) >= 0x1D, cand = 0;
        if (wide && i + 4 > size)
            break;
        int in_it = it_left > 0 ? it_off : -1;
        if (!wide) {
            if ((hw1 & 0xFF00) == 0xBF00 && (hw1 & 0xF)) {   /* IT: A7.7.38, mask in [3:0] */
                it_off = (int)i;
                it_left = 4 - __builtin_ctz(hw1 & 0xF);
                i += 2;
                continue;
            }
            uint32_t top = hw1 >> 12;
            if ((groups & TS_GROUP_ALWAYS) && top == 0xC)
                cand = 1;
            if ((groups & TS_GROUP_UNALIGN_TRP) && (top == 0x5 || top == 0x6 || top == 0x8))
                cand = 1;
        } else {
            uint32_t rn = hw1 & 0xF, op = hw1 >> 9;
            int sp_pc = rn == 13 || rn == 15;
            if ((groups & TS_GROUP_ALWAYS) && (op == 0x74 || op == 0x76) && !sp_pc)
                cand = 1;
            if ((groups & TS_GROUP_UNALIGN_TRP) && op == 0x7C && !sp_pc)
                cand = 1;
            if ((groups & TS_GROUP_DIV0_TRP) && (hw1 & 0xFFD0) == 0xFB90)
                cand = 1;
        }
        if (cand) {
            if (n >= max)
                return -1;
            out[2 * n] = (int32_t)i;
            out[2 * n + 1] = in_it;
            n++;
        }
        if (it_left > 0)
            it_left--;
        i += wide ? 4 : 2;
    }
    return n;
}
