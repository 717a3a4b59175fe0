/*
 * GD32VF103CB registers used by the board port, from the GD32VF103 User Manual (Rev 1.2)
 * and the Nuclei Bumblebee core architecture manual (ECLIC, system timer). Only what the port
 * touches is defined. USART and GPIO are the STM32F1-style blocks GigaDevice renamed.
 */
#ifndef GD32VF103_REGS_H
#define GD32VF103_REGS_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define REG8(addr)  (*(volatile uint8_t *)(uintptr_t)(addr))

/* ---- RCU, base 0x4002 1000 (User Manual §5.3 "RCU registers") ---- */
#define RCU_BASE    0x40021000u
#define RCU_CTL     REG32(RCU_BASE + 0x00u)
#define RCU_CFG0    REG32(RCU_BASE + 0x04u)
#define RCU_APB2EN  REG32(RCU_BASE + 0x18u)
#define RCU_CFG1    REG32(RCU_BASE + 0x2Cu)

#define RCU_CTL_IRC8MEN  (1u << 0)
#define RCU_CTL_HXTALEN  (1u << 16)
#define RCU_CTL_HXTALSTB (1u << 17)
#define RCU_CTL_PLLEN    (1u << 24)
#define RCU_CTL_PLLSTB   (1u << 25)

#define RCU_CFG0_SCS_MASK    (3u << 0) /* system clock: 00 IRC8M, 01 HXTAL, 10 PLL */
#define RCU_CFG0_SCS_PLL     (2u << 0)
#define RCU_CFG0_SCSS_MASK   (3u << 2)
#define RCU_CFG0_SCSS_PLL    (2u << 2)
#define RCU_CFG0_AHBPSC_MASK (0xFu << 4) /* 0xxx = /1 */
#define RCU_CFG0_APB1PSC_MASK (7u << 8)
#define RCU_CFG0_APB1PSC_DIV2 (4u << 8) /* APB1 max 54 MHz */
#define RCU_CFG0_APB2PSC_MASK (7u << 11) /* 0xx = /1 (APB2 max 108 MHz) */
#define RCU_CFG0_PLLSEL      (1u << 16) /* 1 = PREDV0 output (HXTAL), 0 = IRC8M/2 */
#define RCU_CFG0_PLLMF_MASK  ((0xFu << 18) | (1u << 29))
#define RCU_CFG0_PLLMF_MUL27 ((10u << 18) | (1u << 29)) /* PLLMF[4]=1, PLLMF[3:0]=1010: x27 */

#define RCU_CFG1_PREDV0_MASK  (0xFu << 0)
#define RCU_CFG1_PREDV0_DIV2  (1u << 0)
#define RCU_CFG1_PREDV0SEL    (1u << 16) /* 0 = HXTAL feeds PREDV0 */

#define RCU_APB2EN_AFEN     (1u << 0)
#define RCU_APB2EN_PAEN     (1u << 2)
#define RCU_APB2EN_USART0EN (1u << 14)

/* ---- GPIOA, base 0x4001 0800 (§7.5): CTL1 configures pins 8..15, 4 bits each ---- */
#define GPIOA_BASE 0x40010800u
#define GPIOA_CTL1 REG32(GPIOA_BASE + 0x04u)
#define GPIO_MODE_AF_PP_50MHZ 0xBu /* CTL=10 (AFIO push-pull), MD=11 (output 50 MHz) */
#define GPIO_MODE_IN_FLOATING 0x4u /* CTL=01 (floating input), MD=00 */

/* ---- USART0, base 0x4001 3800 (§16.4) ---- */
#define USART0_BASE 0x40013800u
#define USART0_STAT REG32(USART0_BASE + 0x00u)
#define USART0_DATA REG32(USART0_BASE + 0x04u)
#define USART0_BAUD REG32(USART0_BASE + 0x08u)
#define USART0_CTL0 REG32(USART0_BASE + 0x0Cu)
#define USART0_CTL1 REG32(USART0_BASE + 0x10u)
#define USART0_CTL2 REG32(USART0_BASE + 0x14u)

#define USART_STAT_ORERR (1u << 3)
#define USART_STAT_RBNE  (1u << 5)
#define USART_STAT_TC    (1u << 6)
#define USART_STAT_TBE   (1u << 7)
#define USART_CTL0_REN    (1u << 2)
#define USART_CTL0_TEN    (1u << 3)
#define USART_CTL0_RBNEIE (1u << 5)
#define USART_CTL0_UEN    (1u << 13)

/* ---- Bumblebee system timer ("TIMER" unit), base 0xD100 0000 ----
 * 64-bit mtime counting at HCLK/4 (User Manual §2 "System timer" / the GD32VF103 firmware
 * library's SOC_TIMER_FREQ = SystemCoreClock/4). */
#define SYSTIMER_BASE       0xD1000000u
#define SYSTIMER_MTIME_LO   REG32(SYSTIMER_BASE + 0x0u)
#define SYSTIMER_MTIME_HI   REG32(SYSTIMER_BASE + 0x4u)
#define SYSTIMER_MTIMECMP_LO REG32(SYSTIMER_BASE + 0x8u)
#define SYSTIMER_MTIMECMP_HI REG32(SYSTIMER_BASE + 0xCu)
#define SYSTIMER_MSTOP      REG32(SYSTIMER_BASE + 0xFF8u) /* bit 0: 1 = counter stopped */

/* ---- ECLIC, base 0xD200 0000 (Bumblebee core architecture manual, "ECLIC registers") ---- */
#define ECLIC_BASE          0xD2000000u
#define ECLIC_CLICCFG       REG8(ECLIC_BASE + 0x0u)
#define ECLIC_MTH           REG8(ECLIC_BASE + 0xBu)
#define ECLIC_INTIP(i)      REG8(ECLIC_BASE + 0x1000u + 4u * (i) + 0u)
#define ECLIC_INTIE(i)      REG8(ECLIC_BASE + 0x1000u + 4u * (i) + 1u)
#define ECLIC_INTATTR(i)    REG8(ECLIC_BASE + 0x1000u + 4u * (i) + 2u)
#define ECLIC_INTCTL(i)     REG8(ECLIC_BASE + 0x1000u + 4u * (i) + 3u)
#define ECLIC_ATTR_LEVEL_NONVECTORED 0x00u /* shv=0, trig=00 (level) */

/* ECLIC interrupt ids: 0..18 core-internal (7 = system timer), then the SoC sources in the
 * STM32F1 order (User Manual §6.2 "interrupt vector table": USART0 is 56). */
#define ECLIC_ID_TIMER  7u
#define ECLIC_ID_USART0 56u

/* mcause in ECLIC mode: bit 31 = interrupt, bits 11:0 = exception code / interrupt id. */
#define MCAUSE_INTERRUPT (1u << 31)
#define MCAUSE_CODE_MASK 0xFFFu

#endif /* GD32VF103_REGS_H */
