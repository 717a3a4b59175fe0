/* The ARMv7-M exception model (ARM DDI 0403 B1.5), exercised with synchronous exceptions only
 * (SVC, pend bits written by the program, faults), so that any two correct emulators take each
 * one at the same instruction; each scenario prints one line. Run under tinysim and under QEMU
 * (mps2-an386, also a Cortex-M4), the output must be the same byte for byte.
 *
 * Priorities use only the top three bits (QEMU's mps2-an386 implements three, the STM32L4R5
 * four); IRQ 0..3 are lines no modelled peripheral of either machine drives. */
#include <stdint.h>
#include <stdio.h>

#define REG(addr) (*(volatile uint32_t *)(addr))
#define ICSR REG(0xE000ED04)
#define VTOR REG(0xE000ED08)
#define AIRCR REG(0xE000ED0C)
#define CCR REG(0xE000ED14)
#define SHPR2 REG(0xE000ED1C)
#define SHPR3 REG(0xE000ED20)
#define SHCSR REG(0xE000ED24)
#define CFSR REG(0xE000ED28)
#define HFSR REG(0xE000ED2C)
#define CPACR REG(0xE000ED88)
#define FPCCR REG(0xE000EF34)
#define NVIC_ISER REG(0xE000E100)
#define NVIC_ICER REG(0xE000E180)
#define NVIC_ISPR REG(0xE000E200)
#define NVIC_ICPR REG(0xE000E280)
#define NVIC_IABR REG(0xE000E300)
#define NVIC_IPR(n) (*(volatile uint8_t *)(0xE000E400 + (n)))
#define STIR REG(0xE000EF00)

static char log_buf[128];
static unsigned log_n;
static void note(char c) {
    if (log_n < sizeof log_buf - 1)
        log_buf[log_n++] = c;
}
static void note_hex(uint32_t v) { note("0123456789abcdef"[v & 0xF]); }
static void show(const char *what) {
    log_buf[log_n] = 0;
    printf("%s: %s\n", what, log_buf);
    log_n = 0;
}

static inline void isb(void) { __asm volatile("dsb\n isb" ::: "memory"); }
static inline uint32_t get_control(void) { uint32_t v; __asm volatile("mrs %0, control" : "=r"(v)); return v; }
static inline uint32_t get_ipsr(void) { uint32_t v; __asm volatile("mrs %0, ipsr" : "=r"(v)); return v; }
static inline void set_basepri(uint32_t v) { __asm volatile("msr basepri, %0\n isb" ::"r"(v) : "memory"); }

/* ---- SVC: the handler reads the caller's r0-r3 from the frame and answers in r0 ---- */
volatile uint32_t svc_seen[4], svc_xpsr;
__attribute__((naked)) void SVC_Handler(void) {
    __asm volatile(
        "tst lr, #4\n ite eq\n mrseq r0, msp\n mrsne r0, psp\n"
        "ldr r1, =svc_seen\n ldm r0, {r2, r3, r12}\n stm r1, {r2, r3, r12}\n"
        "ldr r2, [r0, #12]\n str r2, [r1, #12]\n"
        "ldr r2, [r0, #28]\n ldr r1, =svc_xpsr\n str r2, [r1]\n"
        "ldr r2, [r0, #24]\n ldrb r2, [r2, #-2]\n"     /* the SVC's immediate, from the stacked PC */
        "add r2, r2, #100\n str r2, [r0]\n bx lr\n");   /* r0 on return: 100 + immediate */
}
static uint32_t svc7(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    register uint32_t r0 __asm("r0") = a, r1 __asm("r1") = b, r2 __asm("r2") = c, r3 __asm("r3") = d;
    __asm volatile("svc #7" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r3) : "memory");
    return r0;
}

/* ---- IRQs: each logs its letter; IRQ0 pends others from inside ---- */
volatile int irq0_pends, irq2_pends_irq3;
void IRQ0_Handler(void) {
    note('a');
    if (irq0_pends & 1) { NVIC_ISPR = 1u << 1; isb(); }   /* higher priority: nests */
    if (irq0_pends & 2) { NVIC_ISPR = 1u << 2; isb(); }   /* same group: waits, tail-chains */
    note_hex(ICSR >> 11 & 1);                             /* RETTOBASE */
    note('A');
}
void IRQ1_Handler(void) {
    note('b');
    note_hex(NVIC_IABR);                                  /* the active IRQs */
    note_hex(ICSR >> 11 & 1);
}
volatile uint32_t icsr_seen;
volatile int irq2_calls_svc;
static uint32_t svc7(uint32_t a, uint32_t b, uint32_t c, uint32_t d);
void IRQ2_Handler(void) {
    note('c');
    if (irq2_pends_irq3) {                                /* lower priority: stays pending */
        NVIC_ISPR = 1u << 3;
        isb();
        icsr_seen = ICSR;
    }
    if (irq2_calls_svc)                                   /* SVCall (priority 0) nests */
        note(svc7(1, 2, 3, 4) == 107 ? 'S' : 's');
}
volatile int irq3_uses_fp;
volatile float fp_in = 1.5f, handler_result;
volatile uint32_t fpca_in_handler;
void IRQ3_Handler(void) {
    note('d');
    if (irq3_uses_fp) {                                   /* clobbers s0-s15: lazy stacking */
        float x = fp_in;
        for (int i = 0; i < 8; i++)
            x = x * 1.25f + 0.5f;
        handler_result = x;
        fpca_in_handler = get_control() >> 2 & 1;
    }
}
void PendSV_Handler(void) { note('P'); note_hex(get_ipsr()); }
void NMI_Handler(void) { note('N'); note_hex(get_ipsr()); }

/* ---- faults ---- */
volatile uint32_t fault_cfsr, fault_hfsr, fault_exc;
static void skip_faulting_instruction(uint32_t *frame) {
    uint16_t first = *(uint16_t *)frame[6];
    frame[6] += (first >> 11) >= 0x1D ? 4 : 2;            /* 32-bit or 16-bit encoding */
}
__attribute__((used)) void fault_common(uint32_t *frame, uint32_t exc) {
    fault_exc = exc;
    fault_cfsr = CFSR;
    fault_hfsr = HFSR;
    CFSR = fault_cfsr;                                    /* write-one-to-clear */
    HFSR = fault_hfsr;
    skip_faulting_instruction(frame);
}
__attribute__((naked)) void UsageFault_Handler(void) {
    __asm volatile("tst lr, #4\n ite eq\n mrseq r0, msp\n mrsne r0, psp\n mrs r1, ipsr\n"
                   "push {lr}\n bl fault_common\n pop {pc}\n");
}
__attribute__((naked)) void HardFault_Handler(void) {
    __asm volatile("tst lr, #4\n ite eq\n mrseq r0, msp\n mrsne r0, psp\n mrs r1, ipsr\n"
                   "push {lr}\n bl fault_common\n pop {pc}\n");
}

/* ---- FP context: s0, s15 and s16 hold values across IRQ3, whose handler uses the FPU; the
 * result is 1.5 + 2.5 + 3.0 = 7 if they survived ---- */
__attribute__((naked)) static int fp_survives(void) {
    __asm volatile(
        "vpush {s16}\n vmov.f32 s0, #1.5\n vmov.f32 s15, #2.5\n vmov.f32 s16, #3.0\n"
        "ldr r0, =0xE000E200\n movs r1, #8\n str r1, [r0]\n dsb\n isb\n"
        "vadd.f32 s0, s0, s15\n vadd.f32 s0, s0, s16\n vcvt.s32.f32 s0, s0\n vmov r0, s0\n"
        "vpop {s16}\n bx lr\n");
}

/* ---- thread mode on the process stack: SVC and PendSV from it, CONTROL and SP after ---- */
static uint32_t psp_stack[64] __attribute__((aligned(8)));
volatile uint32_t psp_result[3];
__attribute__((naked)) static void on_process_stack(void) {
    __asm volatile(
        "push {r4-r6, lr}\n ldr r0, =psp_stack + 256\n msr psp, r0\n"
        "movs r0, #2\n msr control, r0\n isb\n"
        "movs r0, #1\n movs r1, #2\n movs r2, #3\n movs r3, #4\n svc #9\n mov r5, r0\n"
        "ldr r1, =0xE000ED04\n mov.w r2, #0x10000000\n str r2, [r1]\n dsb\n isb\n"
        "mrs r6, control\n mov r0, sp\n movs r1, #0\n msr control, r1\n isb\n"
        "ldr r1, =psp_result\n str r5, [r1]\n str r6, [r1, #4]\n str r0, [r1, #8]\n"
        "pop {r4-r6, pc}\n");
}

__attribute__((noinline)) static uint32_t unaligned_ldrd(volatile uint8_t *p) {
    uint32_t lo, hi;
    __asm volatile("ldrd %0, %1, [%2]" : "=r"(lo), "=r"(hi) : "r"(p) : "memory");
    return lo ^ hi;
}
__attribute__((noinline)) static int divide(volatile int a, volatile int b) { return a / b; }
__attribute__((noinline)) static uint32_t unaligned_ldr(volatile uint8_t *p) {
    uint32_t v;
    __asm volatile("ldr %0, [%1]" : "=r"(v) : "r"(p) : "memory");
    return v;
}

/* an SVC with SP at 4 mod 8: the frame is padded (stacked xPSR bit 9) and SP comes back */
__attribute__((naked)) static uint32_t svc_sp_misaligned(void) {
    __asm volatile("push {r4, lr}\n mov r4, sp\n sub sp, #4\n svc #3\n mov r0, sp\n add sp, #4\n"
                   "sub r0, r4, r0\n pop {r4, pc}\n");
}

static uint32_t ram_vectors[16 + 4] __attribute__((aligned(128)));
static void ram_irq2(void) { note('R'); }

int main(void) {
    /* SVC */
    uint32_t r = svc7(11, 22, 33, 44);
    printf("svc: r0=%lu args=%lu,%lu,%lu,%lu\n", (unsigned long)r, (unsigned long)svc_seen[0],
           (unsigned long)svc_seen[1], (unsigned long)svc_seen[2], (unsigned long)svc_seen[3]);

    /* PendSV from thread mode, then with PendSV set below SVC... a plain pend */
    ICSR = 1u << 28;
    isb();
    show("pendsv");

    /* priorities: IRQ0 0x80, IRQ1 0x40 (preempts IRQ0), IRQ2 0x80 (same as IRQ0), IRQ3 0xC0 */
    NVIC_IPR(0) = 0x80; NVIC_IPR(1) = 0x40; NVIC_IPR(2) = 0x80; NVIC_IPR(3) = 0xC0;
    NVIC_ISER = 0xF;
    irq0_pends = 1;
    NVIC_ISPR = 1u << 0;
    isb();
    show("nested");
    irq0_pends = 2;
    NVIC_ISPR = 1u << 0;
    isb();
    show("tail-chain");

    /* one write pends three: taken by priority, then number */
    irq0_pends = 0;
    NVIC_ISPR = (1u << 3) | (1u << 2) | (1u << 0);
    isb();
    show("by priority");

    /* STIR; BASEPRI holds back IRQ0 (0x80) but not IRQ1 (0x40) */
    set_basepri(0x80);
    STIR = 0;
    isb();
    note('-');
    STIR = 1;
    isb();
    note('-');
    set_basepri(0);
    show("basepri");

    /* PRIMASK: pending, then cleared with ICPR before CPSIE; then pending again */
    __asm volatile("cpsid i" ::: "memory");
    NVIC_ISPR = 1u << 2;
    isb();
    note((char)('0' + (NVIC_ISPR & 0xF)));
    NVIC_ICPR = 1u << 2;
    NVIC_ISPR = 1u << 3;
    isb();
    note('-');
    __asm volatile("cpsie i\n isb" ::: "memory");
    show("primask");

    /* priority grouping: PRIGROUP 5 (group = bits 7:6): 0x40 and 0x60 are one group, so IRQ1
     * (0x60) does not preempt IRQ0 (0x40) and waits; sub-priority orders the pending ones */
    AIRCR = 0x05FA0000 | (5u << 8);
    NVIC_IPR(0) = 0x40; NVIC_IPR(1) = 0x60; NVIC_IPR(2) = 0x40;
    irq0_pends = 1;
    NVIC_ISPR = 1u << 0;
    isb();
    show("prigroup");
    AIRCR = 0x05FA0000;

    /* VTOR: a copy of the table in RAM with IRQ2 replaced */
    const uint32_t *flash_vectors = (const uint32_t *)VTOR;
    for (int i = 0; i < 20; i++)
        ram_vectors[i] = flash_vectors[i];
    ram_vectors[16 + 2] = (uint32_t)ram_irq2;
    VTOR = (uint32_t)ram_vectors;
    isb();
    irq0_pends = 0;
    NVIC_ISPR = 1u << 2;
    isb();
    VTOR = (uint32_t)flash_vectors;
    isb();
    NVIC_ISPR = 1u << 2;
    isb();
    show("vtor");

    /* NMI pended from thread mode */
    ICSR = 1u << 31;
    isb();
    show("nmi");

    /* the exclusive monitor across an exception: LDREX, PendSV (which does not touch the
     * word), STREX */
    static volatile uint32_t word = 5;
    uint32_t loaded, failed;
    __asm volatile("ldrex %0, [%1]" : "=r"(loaded) : "r"(&word) : "memory");
    ICSR = 1u << 28;
    isb();
    __asm volatile("strex %0, %2, [%1]" : "=&r"(failed) : "r"(&word), "r"(loaded + 1) : "memory");
    show("exclusive handlers");
    printf("strex after an exception: failed=%lu word=%lu\n", (unsigned long)failed, (unsigned long)word);

    /* thread mode on the process stack */
    on_process_stack();
    show("psp handlers");
    printf("psp: r0=%lu control=%lu sp_was_psp=%d\n", (unsigned long)psp_result[0],
           (unsigned long)psp_result[1],
           psp_result[2] > (uint32_t)psp_stack && psp_result[2] <= (uint32_t)psp_stack + sizeof psp_stack);

    /* FP: the thread's S registers survive a handler that uses the FPU (lazy stacking) */
    irq3_uses_fp = 1;
    int sum = fp_survives();
    irq3_uses_fp = 0;
    show("fp handler");
    printf("fp: sum=%d handler=%d fpca_in_handler=%lu lspen=%lu\n", sum, (int)(handler_result * 100),
           (unsigned long)fpca_in_handler, (unsigned long)(FPCCR >> 30 & 1));

    /* faults: DIV_0_TRP, an unaligned LDRD, and the same with UsageFault disabled (HardFault) */
    static volatile uint8_t bytes[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    SHCSR |= 1u << 18;                                    /* USGFAULTENA */
    CCR |= 1u << 4;                                       /* DIV_0_TRP */
    int q = divide(7, 0);
    printf("div0: exc=%lu cfsr=%08lx q=%d\n", (unsigned long)fault_exc, (unsigned long)fault_cfsr, q);
    fault_exc = 0;
    unaligned_ldrd(bytes + 1);
    printf("ldrd: exc=%lu cfsr=%08lx\n", (unsigned long)fault_exc, (unsigned long)fault_cfsr);
    SHCSR &= ~(1u << 18);
    fault_exc = 0;
    unaligned_ldrd(bytes + 2);
    printf("escalated: exc=%lu cfsr=%08lx hfsr=%08lx\n", (unsigned long)fault_exc,
           (unsigned long)fault_cfsr, (unsigned long)fault_hfsr);
    CCR &= ~(1u << 4);

    /* DIV_0_TRP clear: a division by zero gives 0; UNALIGN_TRP: an unaligned LDR faults */
    printf("div0 untrapped: q=%d\n", divide(7, 0));
    SHCSR |= 1u << 18;
    CCR |= 1u << 3;
    fault_exc = 0;
    unaligned_ldr(bytes + 1);
    printf("unalign_trp: exc=%lu cfsr=%08lx\n", (unsigned long)fault_exc, (unsigned long)fault_cfsr);
    CCR &= ~(1u << 3);
    printf("unaligned ldr: %08lx\n", (unsigned long)unaligned_ldr(bytes + 1));

    /* priorities back to distinct groups: IRQ0 0x80, IRQ1 0x40, IRQ2 0x80, IRQ3 0xC0 */
    NVIC_IPR(0) = 0x80; NVIC_IPR(1) = 0x40; NVIC_IPR(2) = 0x80; NVIC_IPR(3) = 0xC0;

    /* a disabled IRQ stays pending; enabling it takes it at once */
    NVIC_ICER = 1u << 2;
    NVIC_ISPR = 1u << 2;
    isb();
    note('-');
    NVIC_ISER = 1u << 2;
    isb();
    note('-');
    show("enable");

    /* FAULTMASK holds back IRQ1 too */
    __asm volatile("cpsid f" ::: "memory");
    NVIC_ISPR = 1u << 1;
    isb();
    note('-');
    __asm volatile("cpsie f\n isb" ::: "memory");
    show("faultmask");

    /* BASEPRI_MAX only raises the priority: 0xC0 over 0x80 is ignored, 0x40 is taken */
    set_basepri(0x80);
    uint32_t bp1, bp2;
    __asm volatile("msr basepri_max, %1\n isb\n mrs %0, basepri" : "=r"(bp1) : "r"(0xC0) : "memory");
    __asm volatile("msr basepri_max, %1\n isb\n mrs %0, basepri" : "=r"(bp2) : "r"(0x40) : "memory");
    set_basepri(0);
    printf("basepri_max: %02lx %02lx\n", (unsigned long)bp1, (unsigned long)bp2);

    /* ICSR in a handler with a lower-priority IRQ pending: VECTACTIVE, VECTPENDING, ISRPENDING */
    irq2_pends_irq3 = 1;
    NVIC_ISPR = 1u << 2;
    isb();
    irq2_pends_irq3 = 0;
    show("icsr handlers");
    printf("icsr: active=%lu pending=%lu isrpending=%lu rettobase=%lu\n", (unsigned long)(icsr_seen & 0x1FF),
           (unsigned long)(icsr_seen >> 12 & 0x1FF), (unsigned long)(icsr_seen >> 22 & 1),
           (unsigned long)(icsr_seen >> 11 & 1));

    /* SVC from an IRQ handler nests (SVCall 0x00 is above 0x80) */
    irq2_calls_svc = 1;
    NVIC_ISPR = 1u << 2;
    isb();
    irq2_calls_svc = 0;
    show("svc in irq");

    /* PENDSVCLR takes back a pend PRIMASK held */
    __asm volatile("cpsid i" ::: "memory");
    ICSR = 1u << 28;
    isb();
    ICSR = 1u << 27;
    __asm volatile("cpsie i\n isb" ::: "memory");
    note('-');
    show("pendsvclr");

    /* stack alignment on entry */
    uint32_t restored = svc_sp_misaligned();
    printf("sp misaligned: restored=%lu padded=%lu\n", (unsigned long)restored,
           (unsigned long)(svc_xpsr >> 9 & 1));
    return 0;
}
