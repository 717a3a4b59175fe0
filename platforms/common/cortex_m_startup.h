/*
 * The Cortex-M start-up every Cortex-M SoC shares (platforms/common/cortex_m_startup.c): reset
 * handler, default and fault handlers. A SoC's startup.c keeps only what differs, its vector
 * table's length (the SoC's interrupt count):
 *
 *     #include "cortex_m_startup.h"
 *     CORTEX_M_VECTOR_TABLE(95); // RM0432 vector table: positions 0..94
 *
 * The table is the 16 ARMv7-M / ARMv8-M system exceptions (DDI 0403E §B1.5.2, Table B1-4), every
 * device interrupt on Default_Handler, and the console UART's interrupt (TS_CONSOLE_IRQ, from the
 * board file's [console] peripheral in board_config.h) on Console_IRQHandler. Handlers the port
 * does not define stay on Default_Handler (weak aliases), so a minimal board links.
 */
#ifndef CORTEX_M_STARTUP_H
#define CORTEX_M_STARTUP_H

#include <stdint.h>

#include "board_config.h"

typedef void (*cortex_m_vector_t)(void);

extern uint32_t _estack[]; /* linker.ld: initial stack pointer */

void Reset_Handler(void);
void Default_Handler(void);
void HardFault_Handler(void);
void NMI_Handler(void);
void MemManage_Handler(void);
void BusFault_Handler(void);
void UsageFault_Handler(void);
void SVC_Handler(void);
void DebugMon_Handler(void);
void PendSV_Handler(void);
void SysTick_Handler(void);
void Console_IRQHandler(void); /* the console UART: common/stm32_board.c, or the board.c (nRF) */

/* The vector table (in .isr_vector, placed at the boot address by linker.ld). */
extern const cortex_m_vector_t g_vectors[];

#ifdef TS_CONSOLE_IRQ
#define CORTEX_M_CONSOLE_VECTOR(n_irqs) [16 + TS_CONSOLE_IRQ] = Console_IRQHandler,
#define CORTEX_M_CHECK_CONSOLE_IRQ(n_irqs)                                                      \
    _Static_assert(TS_CONSOLE_IRQ < (n_irqs), "the console's irq (board file [console], SoC " \
                                              "[[peripheral]] irq) is past the vector table")
#else
#define CORTEX_M_CONSOLE_VECTOR(n_irqs)
#define CORTEX_M_CHECK_CONSOLE_IRQ(n_irqs) _Static_assert(1, "")
#endif

#define CORTEX_M_VECTOR_TABLE(n_irqs)                                \
    CORTEX_M_CHECK_CONSOLE_IRQ(n_irqs);                              \
    __attribute__((section(".isr_vector"), used))                    \
    const cortex_m_vector_t g_vectors[16 + (n_irqs)] = {             \
        [0] = (cortex_m_vector_t)(uintptr_t)_estack,                 \
        [1] = Reset_Handler,                                         \
        [2] = NMI_Handler,                                           \
        [3] = HardFault_Handler,                                     \
        [4] = MemManage_Handler,                                     \
        [5] = BusFault_Handler,                                      \
        [6] = UsageFault_Handler,                                    \
        [7 ... 10] = 0, /* reserved (SecureFault on ARMv8-M with TrustZone, unused here) */ \
        [11] = SVC_Handler,                                          \
        [12] = DebugMon_Handler,                                     \
        [13] = 0,                                                    \
        [14] = PendSV_Handler,                                       \
        [15] = SysTick_Handler,                                      \
        [16 ... 16 + (n_irqs) - 1] = Default_Handler,                \
        CORTEX_M_CONSOLE_VECTOR(n_irqs)                              \
    }

#endif /* CORTEX_M_STARTUP_H */
