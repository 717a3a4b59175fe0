/*
 * STM32U385 startup: vector table and reset handler (no CMSIS, no HAL).
 *
 * Reset (ARMv8-M ARM DDI 0553 B3.x "Reset", same as ARMv7-M B1.5.5): the core loads SP from word 0
 * of the vector table at the boot address (0x08000000, option bytes NSBOOTADD0 with TZEN = 0) and
 * jumps to word 1. The reset handler sets the ARMv8-M main stack limit (MSPLIM) to the bottom of
 * the stack reserve, enables the FPU, copies .data from flash, zeroes .bss, points VTOR at the
 * table, then calls board_init() and main().
 */
#include <stdint.h>

#include "stm32u385_regs.h"
#include "tinysim_board.h"

/* Linker script symbols (linker.ld). */
extern uint32_t _estack[], __stack_limit[];
extern uint32_t _sidata[], _sdata[], _edata[];
extern uint32_t _sbss[], _ebss[];

int main(void);

void Reset_Handler(void);
void Default_Handler(void);
void HardFault_Handler(void);
void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));
void MemManage_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void BusFault_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("Default_Handler")));
void DebugMon_Handler(void) __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));
void USART1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));

typedef void (*vector_t)(void);

/* 16 system exceptions + 125 device interrupts (stm32u385xx.h IRQn_Type: the last is PWR_S_IRQn = 124). */
#define N_VECTORS (16 + 125)

__attribute__((section(".isr_vector"), used))
const vector_t g_vectors[N_VECTORS] = {
    [0] = (vector_t)(uintptr_t)_estack,
    [1] = Reset_Handler,
    [2] = NMI_Handler,
    [3] = HardFault_Handler,
    [4] = MemManage_Handler,
    [5] = BusFault_Handler,
    [6] = UsageFault_Handler,
    [7 ... 10] = 0, /* reserved */
    [11] = SVC_Handler,
    [12] = DebugMon_Handler,
    [13] = 0,
    [14] = PendSV_Handler,
    [15] = SysTick_Handler,
    [16 ... N_VECTORS - 1] = Default_Handler,
    [16 + USART1_IRQN] = USART1_IRQHandler,
};

__attribute__((noreturn)) void Reset_Handler(void)
{
    /* Stack limit (ARMv8-M MSPLIM, DDI 0553 B3.20, from memory): a push below the reserve is a
     * STKOF UsageFault instead of a silent overwrite of .bss. */
    __asm volatile("msr msplim, %0" ::"r"((uint32_t)(uintptr_t)__stack_limit));

    /* FPU first: code built with -mfloat-abi=hard may touch s-registers anywhere
     * (ARM DUI 0553 §4.6.1 CPACR; DSB+ISB so the next instruction sees it). */
    SCB_CPACR |= SCB_CPACR_CP10_CP11_FULL;
    __asm volatile("dsb\n\tisb" ::: "memory");

    for (uint32_t *src = _sidata, *dst = _sdata; dst < _edata;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = _sbss; dst < _ebss;) {
        *dst++ = 0u;
    }

    SCB_VTOR = (uint32_t)(uintptr_t)g_vectors;
    __asm volatile("dsb\n\tisb" ::: "memory");

    board_init();
    (void)main();
    board_halt();
}

/* An unexpected interrupt: report its exception number and stop. */
void Default_Handler(void)
{
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    board_puts("\r\n*** unexpected exception ");
    board_put_u32(ipsr & 0x1FFu);
    board_puts("\r\n");
    board_halt();
}

/* Faults: print the fault status registers (ARM DUI 0553 §4.3.10-4.3.13) and the stacked PC,
 * then halt. Uses the stack it faulted on; a stack overflow may not get this far on silicon. */
void HardFault_Handler(void)
{
    uint32_t *frame;
    __asm volatile("tst lr, #4\n\t"
                   "ite eq\n\t"
                   "mrseq %0, msp\n\t"
                   "mrsne %0, psp"
                   : "=r"(frame));
    board_puts("\r\n*** fault CFSR=");
    board_put_hex32(SCB_CFSR);
    board_puts(" HFSR=");
    board_put_hex32(SCB_HFSR);
    board_puts(" PC=");
    board_put_hex32(frame[6]);
    board_puts("\r\n");
    board_halt();
}
