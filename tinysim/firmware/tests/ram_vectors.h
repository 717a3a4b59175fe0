/* A test firmware's own interrupt handlers: the SoC startup's vector table (in flash, every device
 * interrupt on Default_Handler) is copied to RAM once and VTOR pointed at the copy (ARMv7-M ARM
 * DDI 0403 B1.5.3: VTOR, the table aligned to its size rounded up to a power of two: 111 words
 * -> 512 bytes). STM32L4R5: 16 system exceptions + 95 device interrupts (startup.c). */
#ifndef TINYSIM_TEST_RAM_VECTORS_H
#define TINYSIM_TEST_RAM_VECTORS_H

#include "stm32l4r5_regs.h"

#define RAM_VECTORS_N (16 + 95)
typedef void (*ram_vector_t)(void);

static ram_vector_t s_ram_vectors[RAM_VECTORS_N] __attribute__((aligned(512)));

/* Install `handler` for device interrupt `irq` and enable it in the NVIC. */
static void ram_vectors_install(uint32_t irq, ram_vector_t handler)
{
    if (SCB_VTOR != (uint32_t)(uintptr_t)s_ram_vectors) {
        const ram_vector_t *rom = (const ram_vector_t *)(uintptr_t)SCB_VTOR;
        for (uint32_t i = 0; i < RAM_VECTORS_N; i++) {
            s_ram_vectors[i] = rom[i];
        }
        SCB_VTOR = (uint32_t)(uintptr_t)s_ram_vectors;
    }
    s_ram_vectors[16u + irq] = handler;
    __asm volatile("dsb\n\tisb" ::: "memory");
    NVIC_ISER(irq / 32u) = 1u << (irq % 32u);
}

#endif
