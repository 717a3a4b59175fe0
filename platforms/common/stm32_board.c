/*
 * The STM32 boards' console part of tinysim_board.h (see stm32_board.h): the console UART (USART
 * or LPUART, the same register block, stm32_usart.h) named by the board file, its RX interrupt
 * feeding the Cortex-M boards' byte queue (common/cortex_m_board.c, which has the time base,
 * SysTick, getc and WFI), polled TX, halt; and the boards' shared set-up steps: console pins
 * (GPIO alternate function) and the U5/U3 ICACHE.
 */
#include "stm32_board.h"

#define CONSOLE TS_CONSOLE_BASE /* board file [console] peripheral: its SoC [[peripheral]] base */

/* The GPIO port register block, the same on the L4+, U5, U3 and H7 (RM0432 §8.5.13, RM0456
 * §13.4, RM0455 section 11.4 register maps; stm32u385xx.h GPIO_TypeDef): a port is its base. */
#define GPIO_MODER(port)     REG32((port) + 0x00u) /* 2 bits/pin: 10 = alternate function */
#define GPIO_OSPEEDR(port)   REG32((port) + 0x08u) /* 2 bits/pin: 01 = medium speed */
#define GPIO_PUPDR(port)     REG32((port) + 0x0Cu) /* 2 bits/pin: 00 none, 01 pull-up */
#define GPIO_AFR(port, pin)  REG32((port) + 0x20u + 4u * ((pin) / 8u)) /* AFRL 0..7, AFRH 8..15 */

/* The ICACHE register block of the U5 and U3 (RM0456 §8.7; stm32u385xx.h ICACHE_TypeDef and
 * its ICACHE_CR / ICACHE_SR bit definitions). */
#define ICACHE_CR(base)    REG32((base) + 0x00u)
#define ICACHE_SR(base)    REG32((base) + 0x04u)
#define ICACHE_CR_EN       (1u << 0)
#define ICACHE_CR_CACHEINV (1u << 1)
#define ICACHE_CR_WAYSEL   (1u << 2) /* 1 = n-way (2 ways, reset), 0 = direct mapped */
#define ICACHE_SR_BUSYF    (1u << 0)

void stm32_pin_af(uint32_t gpio, uint32_t pin, uint32_t af, uint32_t pull)
{
    uint32_t two = 3u << (2u * pin);           /* the pin's field in MODER, OSPEEDR, PUPDR */
    uint32_t shift = 4u * (pin % 8u);          /* its field in AFRL / AFRH */
    GPIO_AFR(gpio, pin) = (GPIO_AFR(gpio, pin) & ~(0xFu << shift)) | (af << shift);
    GPIO_OSPEEDR(gpio) = (GPIO_OSPEEDR(gpio) & ~two) | (1u << (2u * pin));
    GPIO_PUPDR(gpio) = (GPIO_PUPDR(gpio) & ~two) | (pull << (2u * pin));
    GPIO_MODER(gpio) = (GPIO_MODER(gpio) & ~two) | (2u << (2u * pin));
}

void stm32_icache_enable(uint32_t icache, uint32_t ways)
{
    /* WAYSEL first, while EN = 0 (ST's HAL_ICACHE_ConfigAssociativityMode refuses it with the
     * cache on); then invalidate, wait for the end of it, enable (RM0456 §8.4). */
    ICACHE_CR(icache) = (ICACHE_CR(icache) & ~ICACHE_CR_WAYSEL) | (ways > 1u ? ICACHE_CR_WAYSEL : 0u);
    ICACHE_CR(icache) |= ICACHE_CR_CACHEINV;
    while (ICACHE_SR(icache) & ICACHE_SR_BUSYF) {
    }
    ICACHE_CR(icache) |= ICACHE_CR_EN;
}

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
