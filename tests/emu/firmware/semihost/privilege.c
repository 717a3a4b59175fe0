/* Unprivileged Thread mode (CONTROL.nPRIV, ARM DDI 0403 B1.4.4, B3.2), as an RTOS runs its tasks:
 * what the thread may not change (PRIMASK, BASEPRI, CONTROL), the System Control Space refusing
 * it (a precise BusFault, BFAR; the refused write changes nothing), STIR with and without
 * CCR.USERSETMPEND, SVC as the way back to privileged, and exceptions taken from and returning to
 * an unprivileged thread on the process stack. Run under tinysim and under QEMU (mps2-an386 /
 * an500 / an505), the output must be the same byte for byte. */
#include <stdint.h>
#include <stdio.h>

#define REG(addr) (*(volatile uint32_t *)(addr))
#define CCR REG(0xE000ED14)
#define SHPR3 REG(0xE000ED20)
#define SHCSR REG(0xE000ED24)
#define CFSR REG(0xE000ED28)
#define BFAR REG(0xE000ED38)
#define NVIC_ISER REG(0xE000E100)
#define STIR REG(0xE000EF00)

volatile uint32_t seen_exc, seen_cfsr, seen_bfar, seen_pc, seen_count;
__attribute__((used)) void fault_common(uint32_t *frame, uint32_t exc) {
    seen_count++;
    seen_exc = exc;
    seen_cfsr = CFSR;
    seen_bfar = seen_cfsr & (1u << 15) ? BFAR : 0;
    seen_pc = frame[6];
    CFSR = seen_cfsr;
    frame[6] = frame[5] & ~1u;                            /* resume at the leaf's caller */
}
#define FAULT_HANDLER(name)                                                                     \
    __attribute__((naked)) void name(void) {                                                    \
        __asm volatile("tst lr, #4\n ite eq\n mrseq r0, msp\n mrsne r0, psp\n mrs r1, ipsr\n"   \
                       "push {r0, lr}\n bl fault_common\n pop {r0, pc}\n");                     \
    }
FAULT_HANDLER(HardFault_Handler)
FAULT_HANDLER(BusFault_Handler)

/* svc #1: back to privileged; svc #2: note CONTROL and the stack the frame went to */
volatile uint32_t svc_control, svc_lr;
__attribute__((naked)) void SVC_Handler(void) {
    __asm volatile(
        "mrs r0, control\n ldr r1, =svc_control\n str r0, [r1]\n ldr r1, =svc_lr\n str lr, [r1]\n"
        "tst lr, #4\n ite eq\n mrseq r1, msp\n mrsne r1, psp\n ldr r1, [r1, #24]\n"
        "ldrb r1, [r1, #-2]\n cmp r1, #1\n bne 1f\n"
        "bic r0, r0, #1\n msr control, r0\n isb\n"
        "1: bx lr\n");
}
volatile uint32_t irq0_count;
void IRQ0_Handler(void) { irq0_count++; }

__attribute__((naked, noinline, used)) uint32_t load_from(uint32_t a) {
    (void)a;
    __asm volatile("ldr r0, [r0]\n bx lr\n");
}
__attribute__((naked, noinline)) static void store_to(uint32_t a, uint32_t v) {
    (void)a, (void)v;
    __asm volatile("str r1, [r0]\n bx lr\n");
}
static inline uint32_t control(void) { uint32_t v; __asm volatile("mrs %0, control" : "=r"(v)); return v; }
static inline uint32_t primask(void) { uint32_t v; __asm volatile("mrs %0, primask" : "=r"(v)); return v; }
static inline uint32_t basepri(void) { uint32_t v; __asm volatile("mrs %0, basepri" : "=r"(v)); return v; }
static inline void isb(void) { __asm volatile("dsb\n isb" ::: "memory"); }

static void report(const char *what, uint32_t base) {
    printf("%s: exc=%lu cfsr=%08lx bfar=%s pc=%+ld n=%lu\n", what, (unsigned long)seen_exc,
           (unsigned long)seen_cfsr, seen_bfar ? "set" : "-", (long)(seen_pc - base),
           (unsigned long)seen_count);
    seen_exc = seen_cfsr = seen_bfar = seen_pc = seen_count = 0;
}

uint32_t psp_stack[128] __attribute__((aligned(8)));
volatile uint32_t psp_out[4];
/* In assembly, as C code cannot change stacks under its own feet: unprivileged on the process
 * stack, an SVC from it and back (CONTROL, SP), a refused NVIC read from it, then SVC #1 and
 * CONTROL = 0 back to a privileged thread on the main stack. */
__attribute__((naked, noinline)) static void on_process_stack_unprivileged(void) {
    __asm volatile(
        "push {r4-r7, lr}\n ldr r0, =psp_stack + 512\n msr psp, r0\n movs r0, #3\n msr control, r0\n isb\n"
        "svc #2\n mrs r4, control\n mov r5, sp\n"
        "ldr r0, =0xE000E100\n bl load_from\n mrs r6, control\n"
        "svc #1\n mrs r7, control\n movs r0, #0\n msr control, r0\n isb\n"
        "ldr r0, =psp_out\n str r4, [r0]\n str r5, [r0, #4]\n str r6, [r0, #8]\n str r7, [r0, #12]\n"
        "pop {r4-r7, pc}\n");
}

int main(void) {
    SHCSR |= 1u << 17;                                    /* BUSFAULTENA */
    SHPR3 = 0x40u << 16;                                  /* PendSV at 0x40: a value to keep */
    NVIC_ISER = 1;

    /* unprivileged, on the main stack */
    __asm volatile("msr control, %0\n isb" ::"r"(control() | 1u));
    uint32_t c1 = control();
    __asm volatile("cpsid i" ::: "memory");               /* ignored */
    uint32_t p1 = primask();
    __asm volatile("msr basepri, %0" ::"r"(0x80u));        /* ignored */
    uint32_t b1 = basepri();
    __asm volatile("msr control, %0\n isb" ::"r"(0u));    /* ignored: nPRIV stays */
    uint32_t c2 = control();
    uint32_t v = load_from(0xE000E100);
    uint32_t e1 = seen_exc, f1 = seen_cfsr, bf1 = seen_bfar, pc1 = seen_pc - ((uint32_t)load_from & ~1u);
    seen_exc = seen_cfsr = seen_bfar = seen_pc = seen_count = 0;
    store_to(0xE000ED20, 0xC0u << 16);                    /* refused: SHPR3 keeps 0x40 */
    uint32_t e2 = seen_exc, f2 = seen_cfsr, pc2 = seen_pc - ((uint32_t)store_to & ~1u);
    seen_exc = seen_cfsr = seen_bfar = seen_pc = seen_count = 0;
    store_to(0xE000EF00, 0);                              /* STIR: refused, USERSETMPEND clear */
    uint32_t e3 = seen_exc, irq_a = irq0_count;
    seen_exc = seen_cfsr = seen_bfar = seen_pc = seen_count = 0;
    __asm volatile("svc #1" ::: "memory");                /* back to privileged */
    uint32_t c3 = control();
    __asm volatile("cpsie i" ::: "memory");
    printf("unprivileged: control=%lu primask=%lu basepri=%lu after msr control=%lu\n", (unsigned long)c1,
           (unsigned long)p1, (unsigned long)b1, (unsigned long)c2);
    printf("nvic read: exc=%lu cfsr=%08lx bfar=%s pc=+%lu value kept=%d\n", (unsigned long)e1,
           (unsigned long)f1, bf1 == 0xE000E100 ? "iser" : "other", (unsigned long)pc1, v == 0xE000E100);
    printf("scb write: exc=%lu cfsr=%08lx pc=+%lu shpr3=%08lx\n", (unsigned long)e2, (unsigned long)f2,
           (unsigned long)pc2, (unsigned long)SHPR3);
    printf("stir refused: exc=%lu irq0=%lu\n", (unsigned long)e3, (unsigned long)irq_a);
    printf("svc back: control=%lu\n", (unsigned long)c3);

    /* STIR with CCR.USERSETMPEND: allowed */
    CCR |= 1u << 1;
    isb();
    __asm volatile("msr control, %0\n isb" ::"r"(control() | 1u));
    store_to(0xE000EF00, 0);
    isb();
    uint32_t e4 = seen_exc, irq_b = irq0_count;
    __asm volatile("svc #1" ::: "memory");
    CCR &= ~(1u << 1);
    printf("stir with usersetmpend: exc=%lu irq0=%lu\n", (unsigned long)e4, (unsigned long)irq_b);

    /* BASEPRI set while privileged still holds a pending IRQ back in the unprivileged thread */
    *(volatile uint8_t *)0xE000E400 = 0x80;               /* IRQ0 priority below BASEPRI */
    __asm volatile("msr basepri, %0\n isb" ::"r"(0x40u) : "memory");
    REG(0xE000E200) = 1;                                  /* NVIC_ISPR: IRQ0 pending */
    __asm volatile("msr control, %0\n isb" ::"r"(control() | 1u));
    isb();
    uint32_t held = irq0_count;
    __asm volatile("svc #1" ::: "memory");
    __asm volatile("msr basepri, %0\n isb" ::"r"(0u) : "memory");
    isb();
    printf("basepri in unprivileged: irq0 before=%lu after=%lu\n", (unsigned long)held,
           (unsigned long)irq0_count);

    /* unprivileged on the process stack */
    svc_control = svc_lr = 0;
    on_process_stack_unprivileged();
    uint32_t sc = svc_control, lr = svc_lr;
    printf("psp thread: control=%lu in svc=%lu exc_return=%08lx sp on psp=%d\n", (unsigned long)psp_out[0],
           (unsigned long)sc, (unsigned long)lr,
           psp_out[1] > (uint32_t)psp_stack && psp_out[1] <= (uint32_t)(psp_stack + 128));
    printf("psp fault: exc=%lu control=%lu after svc=%lu\n", (unsigned long)seen_exc,
           (unsigned long)psp_out[2], (unsigned long)psp_out[3]);
    return 0;
}
