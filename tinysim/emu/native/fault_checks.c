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
