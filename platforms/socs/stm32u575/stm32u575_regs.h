/*
 * STM32U575 registers used by the board port, from the reference manual RM0456 (STM32U5 series;
 * chapters: 7 FLASH, 8 ICACHE, 10 PWR, 11 RCC, 13 GPIO, 67 USART) and the Cortex-M33 Devices
 * Generic User Guide (Arm 100235). Only what the port touches is defined. Base addresses are
 * the non-secure aliases (TrustZone disabled, TZEN = 0). Offsets and bits are recalled from
 * RM0456 Rev 4 where stm32u575xx.h (STM32CubeU5) was not read; the register's RM0456 name is the
 * reference (look it up in that peripheral's "registers" section).
 */
#ifndef STM32U575_REGS_H
#define STM32U575_REGS_H

#include "cortex_m_regs.h" /* REG32, SysTick, NVIC, SCB, DWT: the same on every Cortex-M */
#include "stm32_usart.h"   /* USART/LPUART register block and bits */

/* ---- PWR, base 0x4602 0800 (RM0456 §10.10) ---- */
#define PWR_BASE   0x46020800u
#define PWR_CR3    REG32(PWR_BASE + 0x08u)
#define PWR_VOSR   REG32(PWR_BASE + 0x0Cu)
#define PWR_SVMSR  REG32(PWR_BASE + 0x3Cu)
#define PWR_CR3_REGSEL     (1u << 1)  /* §10.10.3: 1 = SMPS step-down converter */
#define PWR_SVMSR_REGS     (1u << 1)  /* §10.10.15: SMPS in use */
#define PWR_VOSR_VOS_MASK  (3u << 16) /* §10.10.4: 11 = Range 1 ... 00 = Range 4 (reset) */
#define PWR_VOSR_VOS_RANGE1 (3u << 16)
#define PWR_VOSR_BOOSTEN   (1u << 18) /* EPOD booster, needed above 55 MHz (recalled) */
#define PWR_VOSR_VOSRDY    (1u << 15)
#define PWR_VOSR_BOOSTRDY  (1u << 14)

/* ---- FLASH, base 0x4002 2000 (RM0456 §7.9) ---- */
#define FLASH_REG_BASE 0x40022000u
#define FLASH_ACR      REG32(FLASH_REG_BASE + 0x00u)
#define FLASH_ACR_LATENCY_MASK 0xFu      /* §7.9.1: wait states 0..15 */
#define FLASH_ACR_PRFTEN       (1u << 8)

/* ---- ICACHE, base 0x4003 0400 (RM0456 §8.7) ---- */
#define ICACHE_BASE 0x40030400u /* registers: stm32_icache_enable(), platforms/common/stm32_board.c */

/* ---- RCC, base 0x4602 0C00 (RM0456 §11.8) ---- */
#define RCC_BASE      0x46020C00u
#define RCC_CR        REG32(RCC_BASE + 0x00u)
#define RCC_CFGR1     REG32(RCC_BASE + 0x1Cu)
#define RCC_CFGR2     REG32(RCC_BASE + 0x20u)
#define RCC_CFGR3     REG32(RCC_BASE + 0x24u)
#define RCC_PLL1CFGR  REG32(RCC_BASE + 0x28u)
#define RCC_PLL1DIVR  REG32(RCC_BASE + 0x34u)
#define RCC_AHB2ENR1  REG32(RCC_BASE + 0x8Cu)
#define RCC_AHB3ENR   REG32(RCC_BASE + 0x94u)
#define RCC_APB2ENR   REG32(RCC_BASE + 0xA4u)
#define RCC_CCIPR1    REG32(RCC_BASE + 0xE0u)

#define RCC_CR_HSION   (1u << 8)  /* §11.8.1 */
#define RCC_CR_HSIRDY  (1u << 10)
#define RCC_CR_PLL1ON  (1u << 24)
#define RCC_CR_PLL1RDY (1u << 25)
#define RCC_CFGR1_SW_MASK  (3u << 0) /* §11.8.6: 00 MSIS, 01 HSI16, 10 HSE, 11 PLL1 */
#define RCC_CFGR1_SW_PLL1  (3u << 0)
#define RCC_CFGR1_SWS_MASK (3u << 2)
#define RCC_CFGR1_SWS_PLL1 (3u << 2)
#define RCC_CFGR2_HPRE_MASK  0xFu     /* §11.8.7: 0xxx = /1, 1000 = /2 */
#define RCC_CFGR2_HPRE_DIV2  0x8u
#define RCC_CFGR2_PPRE_MASK  ((7u << 4) | (7u << 8)) /* PPRE1, PPRE2: 0xx = /1 */
#define RCC_CFGR3_PPRE3_MASK (7u << 4)
/* §11.8.9 PLL1CFGR / §11.8.12 PLL1DIVR: f(VCO) = f(in) / M * N, f(PLL1_R) = f(VCO) / R */
#define RCC_PLL1CFGR_SRC_HSI16  (2u << 0)
#define RCC_PLL1CFGR_RGE_8_16   (3u << 2)   /* input 8..16 MHz */
#define RCC_PLL1CFGR_M(m)       ((uint32_t)((m) - 1u) << 8)
#define RCC_PLL1CFGR_REN        (1u << 18)
#define RCC_PLL1DIVR_N(n)       ((uint32_t)((n) - 1u) << 0)
#define RCC_PLL1DIVR_P(p)       ((uint32_t)((p) - 1u) << 9)
#define RCC_PLL1DIVR_Q(q)       ((uint32_t)((q) - 1u) << 16)
#define RCC_PLL1DIVR_R(r)       ((uint32_t)((r) - 1u) << 24)
#define RCC_AHB2ENR1_GPIOAEN  (1u << 0)  /* §11.8.32 */
#define RCC_AHB3ENR_PWREN     (1u << 2)  /* §11.8.34 */
#define RCC_APB2ENR_USART1EN  (1u << 14) /* §11.8.37 */
#define RCC_CCIPR1_USART1SEL_MASK  (3u << 0) /* §11.8.47: 00 PCLK2, 01 SYSCLK, 10 HSI16, 11 LSE */
#define RCC_CCIPR1_USART1SEL_HSI16 (2u << 0)

/* ---- GPIOA, base 0x4202 0000 (RM0456 §13.4) ---- */
#define GPIOA_BASE 0x42020000u /* registers: stm32_pin_af(), platforms/common/stm32_board.c */

/* USART1 (the console, base 0x4001 3800, RM0456 §67.8): the SoC file's [[peripheral]] usart1,
 * its registers platforms/common/stm32_usart.h. Cortex-M33 system registers (SysTick, NVIC, SCB,
 * DWT): platforms/common/cortex_m_regs.h. */

#endif /* STM32U575_REGS_H */
