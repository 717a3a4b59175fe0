/* Cortex-M start-up for main.c with newlib's rdimon: the vector table, .data and .bss, the
 * semihosting handles, then exit(main()). */
#include <stdlib.h>

extern unsigned __etext, __data_start__, __data_end__, __bss_start__, __bss_end__, __stack_top;
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);
int main(void);

void Reset_Handler(void) {
    unsigned *src = &__etext, *dst = &__data_start__;
    while (dst < &__data_end__)
        *dst++ = *src++;
    for (dst = &__bss_start__; dst < &__bss_end__;)
        *dst++ = 0;
    initialise_monitor_handles();
    __libc_init_array();
    exit(main());
}

static void hang(void) {
    for (;;)
        ;
}

__attribute__((section(".vectors"), used)) static const void *vectors[16] = {
    &__stack_top, Reset_Handler, hang, hang, hang, hang, hang, 0, 0, 0, 0, hang, hang, 0, hang, hang};

void _init(void) {}
void _fini(void) {}
