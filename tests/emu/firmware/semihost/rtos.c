/* A two-task round-robin kernel as FreeRTOS's Cortex-M4F port builds one: tasks on the process
 * stack, a yield that pends PendSV, and a PendSV handler that saves r4-r11 (and s16-s31 when
 * EXC_RETURN says the task used the FPU, lazily stacked) on the task's stack, switches PSP and
 * returns into the other task. Each task does integer and floating-point work across yields and
 * prints it; tinysim (nucleo-l4r5zi) and QEMU (mps2-an386) must print the same. */
#include <stdint.h>
#include <stdio.h>

#define ICSR (*(volatile uint32_t *)0xE000ED04)
#define SHPR3 (*(volatile uint32_t *)0xE000ED20)

static uint32_t stacks[2][1024] __attribute__((aligned(8)));
uint32_t *task_sp[2];
volatile uint32_t current;
static volatile int done[2];

static void yield(void) {
    ICSR = 1u << 28;
    __asm volatile("dsb\n isb" ::: "memory");
}

/* PendSV: r0 = PSP; push r4-r11 (and s16-s31 if bit 4 of EXC_RETURN is clear) with the
 * EXC_RETURN; store it; switch `current`; load the other task's SP; pop; return. */
__attribute__((naked)) void PendSV_Handler(void) {
    __asm volatile(
        "mrs r0, psp\n"
        "tst lr, #0x10\n it eq\n vstmdbeq r0!, {s16-s31}\n"
        "stmdb r0!, {r4-r11, lr}\n"
        "ldr r1, =current\n ldr r2, [r1]\n ldr r3, =task_sp\n str r0, [r3, r2, lsl #2]\n"
        "eor r2, r2, #1\n str r2, [r1]\n ldr r0, [r3, r2, lsl #2]\n"
        "ldmia r0!, {r4-r11, lr}\n"
        "tst lr, #0x10\n it eq\n vldmiaeq r0!, {s16-s31}\n"
        "msr psp, r0\n bx lr\n");
}

static void task(uint32_t id) {
    uint32_t acc = id + 1;
    float x = 1.0f + (float)id;
    register float keep __asm("s16") = 0.5f * (float)(id + 1);   /* callee-saved: PendSV keeps it */
    for (int i = 0; i < 5; i++) {
        acc = acc * 31u + (uint32_t)i;
        x = x * 1.5f + keep;
        __asm volatile("" : "+t"(keep));
        yield();
    }
    printf("task %lu: acc=%lu x=%ld keep=%ld\n", (unsigned long)id, (unsigned long)acc,
           (long)(x * 1000.0f), (long)(keep * 1000.0f));
    done[id] = 1;
    while (!done[id ^ 1])
        yield();
    if (id == 0)
        return;   /* task 0 ends the program: back to the frame made for it below */
    for (;;)
        yield();
}

static void task0(void) { task(0); }
static void task1(void) { task(1); }

extern void finish(void);
/* A task's first context, as PendSV pops it: r4-r11 and EXC_RETURN (thread, PSP, no FP frame),
 * then the exception frame the return unstacks: r0-r3, r12, lr, pc, xPSR. */
static uint32_t *initial_context(uint32_t *top, void (*entry)(void)) {
    uint32_t *sp = top - 17;
    for (int i = 0; i < 17; i++)
        sp[i] = 0;
    sp[8] = 0xFFFFFFFDu;
    sp[9 + 5] = (uint32_t)finish;
    sp[9 + 6] = (uint32_t)entry;
    sp[9 + 7] = 0x01000000u;          /* xPSR: Thumb */
    return sp;
}

uint32_t main_sp;
__attribute__((naked, used)) void finish(void) {
    /* task 0 returned: back to Thread mode on MSP, as main left it */
    __asm volatile("movs r0, #0\n msr control, r0\n isb\n ldr r0, =main_sp\n ldr r0, [r0]\n"
                   "mov sp, r0\n pop {r4-r11, pc}\n");
}

__attribute__((naked, noinline)) static void start_first_task(void) {
    /* save main's context on MSP; run task 0 on PSP from its initial frame */
    __asm volatile("push {r4-r11, lr}\n ldr r0, =main_sp\n str sp, [r0]\n"
                   "ldr r0, =task_sp\n ldr r0, [r0]\n ldmia r0!, {r4-r11, lr}\n"
                   "adds r0, #32\n"                      /* skip r0-r3, r12, lr, pc, xpsr ... */
                   "msr psp, r0\n movs r0, #2\n msr control, r0\n isb\n"
                   "ldr lr, =finish\n ldr r0, =task0_entry\n ldr r0, [r0]\n bx r0\n");
}
void (*task0_entry)(void) = task0;

int main(void) {
    SHPR3 = (SHPR3 & 0xFF00FFFFu) | (0xE0u << 16);           /* PendSV lowest */
    for (int t = 0; t < 2; t++)
        task_sp[t] = initial_context(&stacks[t][1024], t ? task1 : task0);
    current = 0;
    start_first_task();
    printf("switches done: current=%lu\n", (unsigned long)current);
    return 0;
}
