/*
 * The STM32 USART / LPUART register block of the L4+, U5 and H7 families: the same offsets and
 * the same bits for every instance (the USART and LPUART register maps of RM0432, RM0456 §67.8
 * and RM0455, as the SoC register headers had them). An instance is its base address: the SoC register header
 * names its instances (`LPUART1_BASE`, ...), the board file's [console] peripheral gives the
 * console's as TS_CONSOLE_BASE in board_config.h.
 */
#ifndef STM32_USART_H
#define STM32_USART_H

#include "cortex_m_regs.h"

#define USART_CR1(base) REG32((base) + 0x00u)
#define USART_CR2(base) REG32((base) + 0x04u)
#define USART_CR3(base) REG32((base) + 0x08u)
#define USART_BRR(base) REG32((base) + 0x0Cu)
#define USART_ISR(base) REG32((base) + 0x1Cu)
#define USART_ICR(base) REG32((base) + 0x20u)
#define USART_RDR(base) REG32((base) + 0x24u)
#define USART_TDR(base) REG32((base) + 0x28u)

#define USART_CR1_UE     (1u << 0)
#define USART_CR1_RE     (1u << 2)
#define USART_CR1_TE     (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_ISR_ORE    (1u << 3)
#define USART_ISR_RXNE   (1u << 5)
#define USART_ISR_TC     (1u << 6)
#define USART_ISR_TXE    (1u << 7)
#define USART_ICR_ORECF  (1u << 3)

#endif /* STM32_USART_H */
