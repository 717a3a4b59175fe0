/*
 * Cortex-M start-up shared by the Cortex-M SoCs (no CMSIS, no HAL); a SoC's startup.c holds only
 * its vector table (cortex_m_startup.h).
 *
 * Reset (ARMv7-M ARM DDI 0403E §B1.5.5; ARMv8-M DDI 0553 the same): the core loads SP from word 0
 * of the vector table at the boot address and jumps to word 1, Reset_Handler. It sets the
 * ARMv8-M main stack limit, enables the FPU, copies .data from flash, zeroes .bss, points VTOR
 * at the table, then calls board_init() and main().
 */
#include <stdint.h>

#include "cortex_m_regs.h"
#include "cortex_m_startup.h"
#include "tinysim_board.h"

/* Linker script symbols (the SoC's linker.ld; platforms/README.md). */
extern uint32_t __stack_limit[];
extern uint32_t _sidata[], _sdata[], _edata[];
extern uint32_t _sbss[], _ebss[];

int main(void);

void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));
void MemManage_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void BusFault_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("Default_Handler")));
void DebugMon_Handler(void) __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));
void Console_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));

__attribute__((noreturn)) void Reset_Handler(void)
{
#if defined(__ARM_ARCH_8M_MAIN__)
    /* Stack limit (ARMv8-M MSPLIM, DDI 0553 B3.20, from memory): a push below the reserve is a
     * STKOF UsageFault instead of a silent overwrite of .bss. */
    __asm volatile("msr msplim, %0" ::"r"((uint32_t)(uintptr_t)__stack_limit));
#endif

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

/* Faults: print the fault status registers (ARM DUI 0553 §4.3.10-4.3.13) and the stacked PC of
 * the faulting instruction, then halt. Uses the stack it faulted on; a stack overflow may not get
 * this far on silicon.
 *
 * The exception frame the core pushed is R0, R1, R2, R3, R12, LR, PC, xPSR from the stack pointer
 * up (DDI 0403E §B1.5.6, Figure B1-3; DDI 0553 §B3.19 the same for ARMv8-M without TrustZone),
 * so the PC is the word at +24, on the stack EXC_RETURN bit 2 names (0: MSP, 1: PSP). The handler
 * is naked so that no prologue moves SP before it is read: a C function pushes its saved registers
 * first, and SP then no longer points at the frame (this port once printed the stacked R2 for the
 * PC that way). */
__attribute__((noreturn)) void cortex_m_fault_report(const uint32_t *frame);

__attribute__((naked)) void HardFault_Handler(void)
{
    __asm volatile("tst lr, #4\n\t"
                   "ite eq\n\t"
                   "mrseq r0, msp\n\t"
                   "mrsne r0, psp\n\t"
                   "b cortex_m_fault_report");
}

void cortex_m_fault_report(const uint32_t *frame)
{
    board_puts("\r\n*** fault CFSR=");
    board_put_hex32(SCB_CFSR);
    board_puts(" HFSR=");
    board_put_hex32(SCB_HFSR);
    board_puts(" PC=");
    board_put_hex32(frame[6]);
    board_puts("\r\n");
    board_halt();
}
