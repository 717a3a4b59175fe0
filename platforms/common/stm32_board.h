/*
 * The part of tinysim_board.h every STM32 board shares: the console UART driver (RX interrupt into
 * the Cortex-M boards' byte queue, polled TX, halt: platforms/common/stm32_board.c) on top of the
 * Cortex-M part (DWT cycle counter extended to 64 bits, SysTick timer, getc with WFI, sleep:
 * platforms/common/cortex_m_board.c; the board file lists both). A board's board.c keeps what
 * differs: its clock tree, caches, the console's pins and kernel clock and the divider they give,
 * and the order of board_init():
 *
 *     void board_init(void)
 *     {
 *         clock_init();                 // the board's: PLL, wait states, voltage scaling
 *         stm32_cycle_counter_start();
 *         console_init();               // the board's: pins, kernel clock, then stm32_console_start(brr)
 *         stm32_ticks_start();          // SysTick, interrupts on
 *     }
 *
 * The console UART is the board file's [console] peripheral (TS_CONSOLE_BASE, TS_CONSOLE_IRQ in
 * the generated board_config.h); its interrupt is Console_IRQHandler in the vector table
 * (cortex_m_startup.h).
 */
#ifndef STM32_BOARD_H
#define STM32_BOARD_H

#include <stdint.h>

#include "board_config.h"
#include "cortex_m_board.h"
#include "cortex_m_regs.h"
#include "stm32_usart.h"
#include "tinysim_board.h"

/* DWT_CYCCNT on, from 0: the time base of board_cycles() (cortex_m_board.h). */
static inline void stm32_cycle_counter_start(void)
{
    cortex_m_cycle_counter_start();
}

/* The console UART 8N1 with TX, RX and the RX interrupt, divider `brr` (the board computes it from
 * the kernel clock it selected: the LPUART and USART formulas differ), its NVIC line enabled. */
void stm32_console_start(uint32_t brr);

/* SysTick from the core clock at its largest reload, then interrupts on: the end of board_init()
 * (cortex_m_board.h). */
static inline void stm32_ticks_start(void)
{
    cortex_m_ticks_start();
}

/* A delay of at least n loop iterations (each several cycles): for the microsecond waits of the
 * clock set-up sequences, before a timer runs. */
static inline void stm32_busy_wait_loops(uint32_t n)
{
    for (volatile uint32_t i = 0; i < n; i++) {
    }
}

#endif /* STM32_BOARD_H */
