/*
 * The STM32 boards' console part of tinysim_board.h (see stm32_board.h): the console UART (USART
 * or LPUART, the same register block, stm32_usart.h) named by the board file, its RX interrupt
 * feeding the Cortex-M boards' byte queue (common/cortex_m_board.c, which has the time base,
 * SysTick, getc and WFI), polled TX, halt.
 */
#include "stm32_board.h"

#define CONSOLE TS_CONSOLE_BASE /* board file [console] peripheral: its SoC [[peripheral]] base */

void stm32_console_start(uint32_t brr)
{
    USART_CR1(CONSOLE) = 0u; /* 8N1 (M1:M0 = 00, PCE = 0), disabled while configuring */
    USART_CR2(CONSOLE) = 0u; /* 1 stop bit */
    USART_CR3(CONSOLE) = 0u;
    USART_BRR(CONSOLE) = brr;
    USART_CR1(CONSOLE) = USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    USART_CR1(CONSOLE) |= USART_CR1_UE;

    NVIC_IPR8(TS_CONSOLE_IRQ) = 0x80u;
    NVIC_ISER(TS_CONSOLE_IRQ / 32u) = 1u << (TS_CONSOLE_IRQ % 32u);
}

void Console_IRQHandler(void)
{
    uint32_t isr = USART_ISR(CONSOLE);
    if (isr & USART_ISR_ORE) {
        USART_ICR(CONSOLE) = USART_ICR_ORECF;
    }
    while (USART_ISR(CONSOLE) & USART_ISR_RXNE) {
        cortex_m_console_rx((uint8_t)USART_RDR(CONSOLE)); /* reading RDR clears RXNE */
    }
}

void board_putc(char c)
{
    while (!(USART_ISR(CONSOLE) & USART_ISR_TXE)) {
    }
    USART_TDR(CONSOLE) = (uint8_t)c;
}

void board_halt(void)
{
    while (!(USART_ISR(CONSOLE) & USART_ISR_TC)) { /* last byte out of the shift register */
    }
    for (;;) {
        __asm volatile("bkpt #0");
    }
}
