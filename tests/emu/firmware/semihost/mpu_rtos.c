/* Two unprivileged tasks under an MPU, as an RTOS with memory protection runs them (Zephyr's
 * userspace, FreeRTOS-MPU): each task sees only its own stack and data (two MPU regions the
 * PendSV switch reprograms for the task it resumes, with CONTROL.nPRIV), flash is read-only, the
 * kernel's RAM is reachable through the background region only (privileged). Tasks yield with
 * SVC, write their own data, and once each store to and load from the other task's data:
 * MemManage (DACCVIOL, MMFAR), taken on the task's process stack, recorded by the kernel, the
 * task resumed past the access. main prints what each task computed and every fault; tinysim and
 * QEMU (mps2-an386 / an500 / an505) must print the same. */
#include <stdint.h>
#include <stdio.h>

#include "fault_leaves.h"
#include "mpu_regs.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define ICSR REG(0xE000ED04)
#define SHPR2 REG(0xE000ED1C)
#define SHPR3 REG(0xE000ED20)
#define SHCSR REG(0xE000ED24)
#define CFSR REG(0xE000ED28)
#define MMFAR REG(0xE000ED34)

#define STACK_WORDS 256            /* 1 KiB, size-aligned (a PMSAv7 region) */
#define DATA_WORDS 16              /* 64 bytes, size-aligned */
static uint32_t stacks[2][STACK_WORDS] __attribute__((aligned(1024)));
static uint32_t data[2][DATA_WORDS] __attribute__((aligned(64)));
static uint32_t main_stack[256] __attribute__((aligned(8)));
uint32_t *task_sp[3];              /* tasks 0 and 1; 2: main, which starts and ends them */
volatile uint32_t current;

/* region n over [base, base + bytes), read/write for unprivileged code too, or read-only */
static void region(uint32_t n, uint32_t base, uint32_t bytes, int user_rw, int xn) {
    MPU_RNR = n;
#ifdef __ARM_ARCH_8M_MAIN__
    MPU_RBAR = base | (user_rw ? 1u : 3u) << 1 | (uint32_t)xn;       /* AP 01 RW any, 11 RO any */
    MPU_RASR = (base + bytes - 32u) | 1u;                            /* RLAR: LIMIT, AttrIndx 0, EN */
#else
    uint32_t log2 = 31u - (uint32_t)__builtin_clz(bytes);
    MPU_RBAR = base;
    MPU_RASR = (uint32_t)xn << 28 | (user_rw ? 3u : 6u) << 24 | (log2 - 1u) << 1 | 1u;
#endif
}

static void map_task(uint32_t t) {
    region(1, (uint32_t)stacks[t], sizeof stacks[t], 1, 1);
    region(2, (uint32_t)data[t], sizeof data[t], 1, 1);
    __asm volatile("dsb\n isb" ::: "memory");
}

/* ---- the kernel's fault record: MemManage on a task's access, the task resumed ---- */
volatile uint32_t faults_seen, fault_log[4][3];
__attribute__((used)) void fault_common(uint32_t *frame, uint32_t exc) {
    uint32_t cfsr = CFSR, pc = frame[6];
    if (faults_seen < 4) {
        fault_log[faults_seen][0] = exc << 24 | current << 16 | (cfsr & 0xFFFFu);
        fault_log[faults_seen][1] = cfsr & (1u << 7) ? MMFAR - (uint32_t)data : 0xFFFFFFFFu;
        fault_log[faults_seen][2] = pc == ((uint32_t)store_to & ~1u) ? 1u : pc == ((uint32_t)load_from & ~1u) ? 2u : 0u;
    }
    faults_seen++;
    CFSR = cfsr;
    frame[0] = 0xFA17FA17u;           /* what the leaf returns */
    frame[6] = frame[5] & ~1u;        /* past the call to the faulting leaf */
    frame[7] |= 1u << 24;
}
FAULT_HANDLER(MemManage_Handler)
FAULT_HANDLER(HardFault_Handler)

/* SVC #0: yield (pend PendSV, which runs when the SVC returns) */
void SVC_Handler(void) {
    ICSR = 1u << 28;
}

/* PendSV: r4-r11 saved on the running context's process stack; the next one chosen (main once
 * both tasks are done), its stack and data mapped and its privilege set; r4-r11 restored */
__attribute__((used)) uint32_t *switch_to_next(uint32_t *sp) {
    uint32_t next, control;
    task_sp[current] = sp;
    if (data[0][15] && data[1][15])
        next = 2;
    else
        next = current == 2 ? 0 : current ^ 1u;
    current = next;
    if (next < 2)
        map_task(next);
    __asm volatile("mrs %0, control" : "=r"(control));
    control = next < 2 ? control | 1u : control & ~1u;
    __asm volatile("msr control, %0\n isb" ::"r"(control) : "memory");
    return task_sp[next];
}
__attribute__((naked)) void PendSV_Handler(void) {
    __asm volatile("mrs r0, psp\n stmdb r0!, {r4-r11, lr}\n bl switch_to_next\n"
                   "ldmia r0!, {r4-r11, lr}\n msr psp, r0\n bx lr\n");
}

static void yield(void) { __asm volatile("svc #0" ::: "memory"); }

static void task(uint32_t id) {
    uint32_t *mine = data[id], *theirs = data[id ^ 1];
    uint32_t acc = id + 7;
    for (uint32_t i = 0; i < 6; i++) {
        acc = acc * 33u + i;
        mine[i] = acc;
        if (i == 2 + id)
            store_to((uint32_t)&theirs[i]);     /* not this task's: MemManage */
        if (i == 4 - id)
            mine[8] = load_from((uint32_t)&theirs[0]);
        yield();
    }
    mine[15] = 1;
    for (;;)
        yield();
}

static void task0(void) { task(0); }
static void task1(void) { task(1); }
void (*task0_entry)(void) = task0;

static uint32_t *initial_context(uint32_t *top, void (*entry)(void)) {
    uint32_t *sp = top - 17;                    /* r4-r11, EXC_RETURN, then the exception frame */
    for (int i = 0; i < 17; i++)
        sp[i] = 0;
    sp[8] = 0xFFFFFFFDu;                        /* Thread mode, PSP, no FP state */
    sp[9 + 6] = (uint32_t)entry;
    sp[9 + 7] = 0x01000000u;
    return sp;
}

extern char FLASH_BASE[];

/* main's registers while the tasks run (on the main stack), and the context the kernel switches
 * to once both tasks are done: `finish`, privileged on the process stack */
uint32_t main_sp;
__attribute__((naked, used)) void finish(void) {
    __asm volatile("movs r0, #0\n msr control, r0\n isb\n ldr r0, =main_sp\n ldr r0, [r0]\n"
                   "mov sp, r0\n pop {r4-r11, pc}\n");
}
/* run task 0 (its stack and data mapped already) from its initial context, unprivileged */
__attribute__((naked, noinline)) static void start_tasks(void) {
    __asm volatile("push {r4-r11, lr}\n ldr r0, =main_sp\n str sp, [r0]\n"
                   "ldr r0, =task_sp\n ldr r0, [r0]\n adds r0, #68\n"   /* past r4-r11, EXC_RETURN, the frame */
                   "msr psp, r0\n ldr r1, =task0_entry\n ldr r1, [r1]\n"   /* kernel data: read it privileged */
                   "movs r0, #3\n msr control, r0\n isb\n bx r1\n");
}

int main(void) {
    SHPR2 = 0x80u << 24;                                     /* SVCall */
    SHPR3 = (SHPR3 & 0xFF00FFFFu) | (0xE0u << 16);           /* PendSV lowest */
    SHCSR |= 1u << 16;                                       /* MemManage */
    task_sp[0] = initial_context(&stacks[0][STACK_WORDS], task0);
    task_sp[1] = initial_context(&stacks[1][STACK_WORDS], task1);
#ifdef __ARM_ARCH_8M_MAIN__
    MPU_MAIR0 = 0x44u;                                       /* attribute 0: Normal, non-cacheable */
#endif
    task_sp[2] = initial_context(&main_stack[256], finish);
    region(0, (uint32_t)FLASH_BASE, 0x40000u, 0, 0);         /* flash: read-only, executable */
    current = 0;
    map_task(0);
    MPU_CTRL = 5u;                                           /* ENABLE | PRIVDEFENA */
    __asm volatile("dsb\n isb" ::: "memory");
    start_tasks();                                           /* back here once both are done */
    MPU_CTRL = 0;
    __asm volatile("dsb\n isb" ::: "memory");
    for (int t = 0; t < 2; t++)
        printf("task %d: %08lx %08lx %08lx %08lx %08lx %08lx read=%08lx done=%lu\n", t,
               (unsigned long)data[t][0], (unsigned long)data[t][1], (unsigned long)data[t][2],
               (unsigned long)data[t][3], (unsigned long)data[t][4], (unsigned long)data[t][5],
               (unsigned long)data[t][8], (unsigned long)data[t][15]);
    printf("faults=%lu\n", (unsigned long)faults_seen);
    for (uint32_t i = 0; i < faults_seen && i < 4; i++)
        printf("fault %lu: %08lx at=%+ld leaf=%lu\n", (unsigned long)i, (unsigned long)fault_log[i][0],
               (long)fault_log[i][1], (unsigned long)fault_log[i][2]);
    return 0;
}
