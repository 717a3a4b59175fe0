/* Cortex-M start-up for the semihosting test programs with newlib's rdimon: the vector table
 * (handlers a program does not define spin in `hang`), the FPU when built for it, .data and .bss,
 * the semihosting handles, then exit(main()). */
#include <stdlib.h>

extern unsigned __etext, __data_start__, __data_end__, __bss_start__, __bss_end__, __stack_top;
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);
int main(void);

void Reset_Handler(void) {
#ifdef __ARM_FP
    *(volatile unsigned *)0xE000ED88 |= 0xFu << 20;   /* CPACR: CP10, CP11 full access (the FPU) */
    __asm volatile("dsb\n isb");
#endif
    unsigned *src = &__etext, *dst = &__data_start__;
    while (dst < &__data_end__)
        *dst++ = *src++;
    for (dst = &__bss_start__; dst < &__bss_end__;)
        *dst++ = 0;
    initialise_monitor_handles();
    __libc_init_array();
    exit(main());
}

void hang(void) {
    for (;;)
        ;
}

#define HANDLER(name) void name(void) __attribute__((weak, alias("hang")))
HANDLER(NMI_Handler);
HANDLER(HardFault_Handler);
HANDLER(MemManage_Handler);
HANDLER(BusFault_Handler);
HANDLER(UsageFault_Handler);
HANDLER(SVC_Handler);
HANDLER(PendSV_Handler);
HANDLER(SysTick_Handler);
HANDLER(IRQ0_Handler);
HANDLER(IRQ1_Handler);
HANDLER(IRQ2_Handler);
HANDLER(IRQ3_Handler);

__attribute__((section(".vectors"), used)) static const void *vectors[16 + 4] = {
    &__stack_top, Reset_Handler, NMI_Handler, HardFault_Handler, MemManage_Handler,
    BusFault_Handler, UsageFault_Handler, 0, 0, 0, 0, SVC_Handler, 0, 0, PendSV_Handler,
    SysTick_Handler, IRQ0_Handler, IRQ1_Handler, IRQ2_Handler, IRQ3_Handler};

void _init(void) {}
void _fini(void) {}
