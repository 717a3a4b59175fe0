/* ARMv8-M's stack limit at exception entry (ARMv8-M ARM B3.20): a thread on a process stack 16
 * bytes above PSPLIM pends PendSV; the entry's 32-byte frame would go below the limit, so nothing
 * is stacked, PSP is left at PSPLIM and a STKOF UsageFault is raised as a derived exception. Of
 * the two, both at priority 0, the lower-numbered UsageFault is entered and PendSV stays pending
 * (first run), or PendSV is entered first when UsageFault has the lower priority (second run).
 * The UsageFault handler prints what it sees, stacks by hand the frame the core could not (the
 * thread's continuation, on the process stack above the limit), clears PSPLIM and returns; PendSV
 * then runs (tail-chained), and the thread resumes. Run under tinysim and under QEMU's
 * mps2-an505 (Cortex-M33), the output must be the same. */
#include <stdint.h>
#include <stdio.h>

#define REG(addr) (*(volatile uint32_t *)(addr))
#define ICSR REG(0xE000ED04)
#define SHCSR REG(0xE000ED24)
#define CFSR REG(0xE000ED28)
#define SHPR1 REG(0xE000ED18)   /* MemManage, BusFault, UsageFault priorities */
#define PENDSVSET (1u << 28)
#define USGFAULTENA (1u << 18)

static uint64_t process_stack[32];                 /* 256 bytes */
static volatile uint32_t order[4], n_order, resumed;
static volatile uint32_t seen_cfsr, seen_psp_at_limit, seen_pendsv_pending, seen_ipsr;

void thread_continues(void) {
    resumed++;
    for (;;)                                        /* back to main through SVC below */
        __asm volatile("svc #0");
}

/* PendSV: note the order; UsageFault: what the derived STKOF looks like, then the frame the entry
 * could not stack, returning to thread_continues on the process stack. */
__attribute__((used)) void usage_fault_c(uint32_t psp) {
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    order[n_order++] = ipsr;
    seen_ipsr = ipsr;
    seen_cfsr = CFSR;
    CFSR = seen_cfsr;
    uint32_t lim;
    __asm volatile("mrs %0, psplim" : "=r"(lim));
    seen_psp_at_limit = psp == lim;
    seen_pendsv_pending = (ICSR & PENDSVSET) != 0;
    uint32_t *frame = (uint32_t *)((uint32_t)&process_stack[32] - 32);
    for (int i = 0; i < 8; i++)
        frame[i] = 0;
    frame[6] = (uint32_t)thread_continues & ~1u;    /* PC */
    frame[7] = 1u << 24;                            /* xPSR: T */
    __asm volatile("msr psplim, %0\n msr psp, %1" :: "r"(0), "r"(frame));
}
__attribute__((naked)) void UsageFault_Handler(void) {
    __asm volatile("mrs r0, psp\n push {r0, lr}\n bl usage_fault_c\n pop {r0, pc}\n");
}
void PendSV_Handler(void) {
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    order[n_order++] = ipsr;
}
/* SVC from thread_continues: back to main's stack and code, returning to Thread mode on MSP
 * (EXC_RETURN 0xFFFFFFF9) through a frame made here for the saved continuation */
static volatile uint32_t main_sp, main_pc;
__attribute__((naked)) void SVC_Handler(void) {
    __asm volatile("ldr r0, =main_sp\n ldr r0, [r0]\n msr msp, r0\n"
                   "ldr r0, =main_pc\n ldr r0, [r0]\n"
                   "sub sp, sp, #32\n str r0, [sp, #24]\n mov r0, #0x01000000\n str r0, [sp, #28]\n"
                   "ldr lr, =0xFFFFFFF9\n bx lr\n");
}

/* On the process stack 16 bytes above PSPLIM, FP context off, pend PendSV. */
__attribute__((naked, noinline)) static void pend_near_limit(uint32_t top) {
    (void)top;
    __asm volatile("push {r4-r7, lr}\n ldr r4, =main_sp\n mrs r5, msp\n str r5, [r4]\n"
                   "ldr r4, =main_pc\n adr r5, 2f\n orr r5, r5, #1\n str r5, [r4]\n"
                   "msr psp, r0\n sub r4, r0, #16\n msr psplim, r4\n"
                   "mrs r4, control\n orr r4, r4, #2\n bic r4, r4, #4\n msr control, r4\n isb\n"
                   "ldr r4, =0xE000ED04\n mov r5, #0x10000000\n str r5, [r4]\n isb\n"
                   "1: b 1b\n"                      /* not reached: the thread resumes elsewhere */
                   ".align 2\n2: pop {r4-r7, pc}\n");
}

static void run(const char *what) {
    n_order = resumed = 0;
    seen_cfsr = seen_psp_at_limit = seen_pendsv_pending = seen_ipsr = 0;
    pend_near_limit((uint32_t)&process_stack[32]);
    printf("%s: first=%lu then=%lu n=%lu cfsr=%08lx psp_at_limit=%lu pendsv_pending=%lu resumed=%lu\n", what,
           (unsigned long)order[0], (unsigned long)order[1], (unsigned long)n_order, (unsigned long)seen_cfsr,
           (unsigned long)seen_psp_at_limit, (unsigned long)seen_pendsv_pending, (unsigned long)resumed);
}

int main(void) {
    SHCSR |= USGFAULTENA;
    run("equal priorities");
    SHPR1 = (SHPR1 & ~(0xFFu << 16)) | (0x40u << 16);  /* UsageFault below PendSV's 0 */
    run("usagefault lower");
    return 0;
}
