/* dma_uart: the console LPUART1 driven by DMA1 through DMAMUX1 (RM0432 DMA, DMAMUX and LPUART
 * "transmission/reception using DMA"). Channel 1 (request LPUART1_TX) prints a buffer from flash
 * while the core polls the channel's TCIF and DWT times it; channel 2 (request LPUART1_RX)
 * receives a 12-byte line into RAM while the core sleeps in WFI until the channel's transfer-
 * complete interrupt; the line is then echoed by DMA. STM32L4R5 only. */
#include "stm32l4r5_regs.h"
#include "tinysim_board.h"

#include "../ram_vectors.h"

#define LINE_LEN 12u

static volatile uint32_t s_rx_done;
static char s_line[4 + LINE_LEN] = "rx: ";
static const char k_banner[] = "dma tx: the quick brown fox jumps over the lazy dog\r\n";

static void dma1_ch2_handler(void)
{
    DMA_IFCR(DMA1_BASE) = DMA_IFCR_CGIF(2u);
    s_rx_done = 1u;
}

static void dma_print(const char *buf, uint32_t len)
{
    DMA_CCR(DMA1_BASE, 1u) = 0u;
    DMA_IFCR(DMA1_BASE) = DMA_IFCR_CGIF(1u);
    DMA_CPAR(DMA1_BASE, 1u) = (uint32_t)(uintptr_t)&LPUART1_TDR;
    DMA_CMAR(DMA1_BASE, 1u) = (uint32_t)(uintptr_t)buf;
    DMA_CNDTR(DMA1_BASE, 1u) = len;
    DMA_CCR(DMA1_BASE, 1u) = DMA_CCR_DIR | DMA_CCR_MINC | DMA_CCR_EN;
    while (!(DMA_ISR(DMA1_BASE) & DMA_ISR_TCIF(1u))) {
    }
    while (!(LPUART1_ISR & USART_ISR_TC)) { /* the last byte leaves the shift register */
    }
}

int main(void)
{
    board_puts("dma_uart\r\n");
    while (!(LPUART1_ISR & USART_ISR_TC)) {
    }
    RCC_AHB1ENR |= RCC_AHB1ENR_DMA1EN | RCC_AHB1ENR_DMAMUX1EN;
    LPUART1_CR1 &= ~USART_CR1_RXNEIE;           /* the receiver is served by DMA, not the IRQ */
    LPUART1_CR3 |= USART_CR3_DMAT | USART_CR3_DMAR;
    DMAMUX1_CCR(0u) = DMAMUX_REQ_LPUART1_TX;    /* DMA1 channel 1 */
    DMAMUX1_CCR(1u) = DMAMUX_REQ_LPUART1_RX;    /* DMA1 channel 2 */

    uint64_t c0 = board_cycles();
    dma_print(k_banner, sizeof k_banner - 1u);
    uint64_t c1 = board_cycles();
    board_puts("tx bytes ");
    board_put_u32(sizeof k_banner - 1u);
    board_puts(" cycles ");
    board_put_u64(c1 - c0);
    board_puts("\r\nready\r\n");
    while (!(LPUART1_ISR & USART_ISR_TC)) {
    }

    DMA_CPAR(DMA1_BASE, 2u) = (uint32_t)(uintptr_t)&LPUART1_RDR;
    DMA_CMAR(DMA1_BASE, 2u) = (uint32_t)(uintptr_t)&s_line[4];
    DMA_CNDTR(DMA1_BASE, 2u) = LINE_LEN;
    ram_vectors_install(DMA1_CH1_IRQN + 1u, dma1_ch2_handler);
    DMA_CCR(DMA1_BASE, 2u) = DMA_CCR_MINC | DMA_CCR_TCIE | DMA_CCR_EN;
    while (!s_rx_done) {
        board_wait_for_interrupt();
    }
    dma_print(s_line, sizeof s_line);
    board_halt();
}
