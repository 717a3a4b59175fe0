/* exti: GPIO edges raise EXTI interrupts (RM0432 EXTI and SYSCFG_EXTICR). Line 0 listens to PB0,
 * an output the firmware toggles (both edges enabled: two interrupts); line 13 listens to PC13,
 * driven through a board wire from PB1 (rising edge only: one interrupt for a pulse); line 2 is
 * raised by software (SWIER1); line 3 listens to port A, so toggling PB3 raises nothing.
 * Prints "exti0 <n> exti13 <n> exti2 <n> exti3 <n>". STM32L4R5 only; the test runs it on a
 * platform with the wire gpio:PB1 -> exti:PC13. */
#include "stm32l4r5_regs.h"
#include "tinysim_board.h"

#include "../ram_vectors.h"

#define EXTI2_IRQN 8u
#define EXTI3_IRQN 9u

static volatile uint32_t s_count[16];

static void exti_handler(void)
{
    uint32_t pending = EXTI_PR1 & 0xFFFFu;
    EXTI_PR1 = pending; /* rc_w1 */
    for (uint32_t line = 0; line < 16u; line++) {
        if (pending & (1u << line)) {
            s_count[line]++;
        }
    }
}

static void settle(void)
{
    __asm volatile("dsb\n\tisb\n\tnop\n\tnop" ::: "memory");
}

int main(void)
{
    RCC_AHB2ENR |= RCC_AHB2ENR_GPIOBEN;
    RCC_APB2ENR |= RCC_APB2ENR_SYSCFGEN;
    GPIOB_MODER = (GPIOB_MODER & ~0xFFu) | 0x55u;   /* PB0..PB3 outputs (MODER 01) */
    GPIOB_BSRR = 0xFu << 16;                         /* all low */

    SYSCFG_EXTICR(0) = (1u << 0);                    /* line 0 <- port B; lines 1-3 port A */
    SYSCFG_EXTICR(3) = (2u << 4);                    /* line 13 <- port C */
    EXTI_RTSR1 = (1u << 0) | (1u << 13) | (1u << 3);
    EXTI_FTSR1 = (1u << 0) | (1u << 3);
    EXTI_IMR1 |= (1u << 0) | (1u << 13) | (1u << 2) | (1u << 3);
    ram_vectors_install(EXTI0_IRQN, exti_handler);
    ram_vectors_install(EXTI15_10_IRQN, exti_handler);
    ram_vectors_install(EXTI2_IRQN, exti_handler);
    ram_vectors_install(EXTI3_IRQN, exti_handler);

    GPIOB_BSRR = 1u << 0;        /* PB0 rising */
    settle();
    GPIOB_BSRR = 1u << 16;       /* PB0 falling */
    settle();
    GPIOB_BSRR = 1u << 1;        /* PB1 -> PC13 rising */
    settle();
    GPIOB_BSRR = 1u << 17;       /* falling: not enabled on line 13 */
    settle();
    EXTI_SWIER1 = 1u << 2;       /* software interrupt on line 2 */
    settle();
    GPIOB_BSRR = 1u << 3;        /* PB3: line 3 listens to PA3 */
    settle();
    GPIOB_BSRR = 1u << 19;
    settle();

    board_puts("exti0 ");
    board_put_u32(s_count[0]);
    board_puts(" exti13 ");
    board_put_u32(s_count[13]);
    board_puts(" exti2 ");
    board_put_u32(s_count[2]);
    board_puts(" exti3 ");
    board_put_u32(s_count[3]);
    board_puts("\r\n");
    board_halt();
}
