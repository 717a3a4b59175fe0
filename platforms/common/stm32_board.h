/*
 * The part of tinysim_board.h every STM32 board shares: the console UART driver (RX interrupt into
 * the Cortex-M boards' byte queue, polled TX, halt: platforms/common/stm32_board.c) on top of the
 * Cortex-M part (DWT cycle counter extended to 64 bits, SysTick timer, getc with WFI, sleep:
 * platforms/common/cortex_m_board.c; the board file lists both), and two set-up steps the boards
 * share: a pin given to an alternate function (the console's TX and RX) and the U5/U3 ICACHE
 * turned on. A board's board.c keeps what differs: its clock tree, caches, which port, pins,
 * function and cache it names (the base addresses are its SoC register header's), the console's
 * kernel clock and the divider it gives, and the order of board_init():
 *
 *     void board_init(void)
 *     {
 *         clock_init();                 // the board's: PLL, wait states, voltage scaling
 *         stm32_cycle_counter_start();
 *         console_init();               // the board's: stm32_pin_af() for TX and RX, kernel clock,
 *                                       // then stm32_console_start(brr)
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

/* Pin `pin` (0..15) of the GPIO port at `gpio` (the SoC header's GPIOx_BASE) to alternate
 * function `af` (the SoC datasheet's table), medium speed, with `pull` (STM32_PIN_NOPULL or
 * STM32_PIN_PULLUP, GPIOx_PUPDR), the function chosen before the pin leaves input mode. */
#define STM32_PIN_NOPULL 0u
#define STM32_PIN_PULLUP 1u
void stm32_pin_af(uint32_t gpio, uint32_t pin, uint32_t af, uint32_t pull);

/* The instruction cache of the U5 and U3 families (ICACHE at `icache`, the SoC header's
 * ICACHE_BASE): `ways` 2 (n-way, the reset value) or 1 (direct mapped), invalidated, then on. */
void stm32_icache_enable(uint32_t icache, uint32_t ways);

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
