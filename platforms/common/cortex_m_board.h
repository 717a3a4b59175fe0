/*
 * The part of tinysim_board.h every Cortex-M board shares, whatever its console
 * (platforms/common/cortex_m_board.c): the DWT cycle counter extended to 64 bits, the SysTick
 * timer, the RX byte queue behind board_getc (with WFI), sleep, the clock and name. A board's
 * console part (common/stm32_board.c for the STM32 USART/LPUART, the nRF5340 DK's board.c for its
 * UARTE) keeps board_putc, board_halt and the console interrupt, which hands each received byte
 * to cortex_m_console_rx(). board_init() ends:
 *
 *     cortex_m_cycle_counter_start();
 *     console_init();                // the board's console, its RX interrupt enabled
 *     cortex_m_ticks_start();        // SysTick, interrupts on
 */
#ifndef CORTEX_M_BOARD_H
#define CORTEX_M_BOARD_H

#include <stdint.h>

#include "tinysim_board.h"

/* DWT_CYCCNT on, from 0: the time base of board_cycles() (DDI 0403E §C1.8.7). */
void cortex_m_cycle_counter_start(void);

/* SysTick from the core clock at its largest reload, then interrupts on: the end of board_init(). */
void cortex_m_ticks_start(void);

/* From the console's RX interrupt: queue one received byte for board_getc() (dropped, and
 * counted, when the 255-byte queue is full, like a hardware overrun). */
void cortex_m_console_rx(uint8_t byte);

#endif /* CORTEX_M_BOARD_H */
