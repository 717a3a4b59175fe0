/*
 * STM32L4R5ZI registers used by the board port, written from the reference manual RM0432
 * (STM32L4+ series) and the Cortex-M4 Devices Generic User Guide (ARM DUI 0553).
 * Only what the port touches is defined. Section numbers follow RM0432 Rev 9 (chapters: 3 Flash,
 * 5 PWR, 6 RCC, 8 GPIO); where a number is not given, the register's RM0432 name is the
 * reference (look it up in that peripheral's "registers" section).
 */
#ifndef STM32L4R5_REGS_H
#define STM32L4R5_REGS_H

#include "cortex_m_regs.h" /* REG32, SysTick, NVIC, SCB, DWT: the same on every Cortex-M */
#include "stm32_usart.h"   /* USART/LPUART register block and bits */

/* ---- Memory map (RM0432 §2.2.2, Table 2; datasheet DS12023 Fig. "memory map") ---- */
#define FLASH_BASE_ADDR 0x08000000u /* 2 MiB */
#define SRAM_BASE_ADDR  0x20000000u /* SRAM1 192K + SRAM2 64K + SRAM3 384K, contiguous */

/* ---- PWR, base 0x4000 7000 (RM0432 §5.4, register map §5.4.27) ---- */
#define PWR_BASE      0x40007000u
#define PWR_CR1       REG32(PWR_BASE + 0x00u)
#define PWR_CR2       REG32(PWR_BASE + 0x04u)
#define PWR_SR2       REG32(PWR_BASE + 0x14u)
#define PWR_CR5       REG32(PWR_BASE + 0x80u)
#define PWR_CR1_VOS_MASK   (3u << 9)  /* §5.4.1: 01 = Range 1 (reset value), 10 = Range 2 */
#define PWR_CR1_VOS_RANGE1 (1u << 9)
#define PWR_CR2_IOSV       (1u << 9)  /* §5.4.2: VDDIO2 valid, needed for port G (PG2..PG15) */
#define PWR_SR2_VOSF       (1u << 10) /* §5.4.6: regulator voltage scaling in progress */
#define PWR_CR5_R1MODE     (1u << 8)  /* §5.4.25: 1 = Range 1 normal (reset), 0 = boost */

/* ---- FLASH, base 0x4002 2000 (RM0432 §3.7, register map §3.7.19) ---- */
#define FLASH_REG_BASE 0x40022000u
#define FLASH_ACR      REG32(FLASH_REG_BASE + 0x00u)
#define FLASH_ACR_LATENCY_MASK 0xFu       /* §3.7.1: wait states, 0..15 */
#define FLASH_ACR_PRFTEN       (1u << 8)  /* prefetch */
#define FLASH_ACR_ICEN         (1u << 9)  /* ART instruction cache */
#define FLASH_ACR_DCEN         (1u << 10) /* ART data cache */

/* ---- RCC, base 0x4002 1000 (RM0432 §6.4, register map §6.4.34) ---- */
#define RCC_BASE     0x40021000u
#define RCC_CR       REG32(RCC_BASE + 0x00u)
#define RCC_CFGR     REG32(RCC_BASE + 0x08u)
#define RCC_PLLCFGR  REG32(RCC_BASE + 0x0Cu)
#define RCC_AHB2ENR  REG32(RCC_BASE + 0x4Cu)
#define RCC_APB1ENR1 REG32(RCC_BASE + 0x58u)
#define RCC_APB1ENR2 REG32(RCC_BASE + 0x5Cu)
#define RCC_CCIPR    REG32(RCC_BASE + 0x88u)

#define RCC_CR_HSION   (1u << 8)  /* §6.4.1 */
#define RCC_CR_HSIRDY  (1u << 10)
#define RCC_CR_PLLON   (1u << 24)
#define RCC_CR_PLLRDY  (1u << 25)

#define RCC_CFGR_SW_MASK    (3u << 0) /* §6.4.3: 00 MSI, 01 HSI16, 10 HSE, 11 PLL */
#define RCC_CFGR_SW_PLL     (3u << 0)
#define RCC_CFGR_SWS_MASK   (3u << 2)
#define RCC_CFGR_SWS_PLL    (3u << 2)
#define RCC_CFGR_HPRE_MASK  (0xFu << 4) /* 0xxx = /1, 1000 = /2 */
#define RCC_CFGR_HPRE_DIV2  (0x8u << 4)
#define RCC_CFGR_PPRE1_MASK (7u << 8)   /* 0xx = /1 */
#define RCC_CFGR_PPRE2_MASK (7u << 11)

/* §6.4.4 PLLCFGR: f(VCO) = f(in) / (PLLM+1) * PLLN, f(PLLCLK) = f(VCO) / PLLR */
#define RCC_PLLCFGR_PLLSRC_HSI16 (2u << 0)
#define RCC_PLLCFGR_PLLM(m)      ((uint32_t)((m) - 1u) << 4)   /* divide by m = 1..16 */
#define RCC_PLLCFGR_PLLN(n)      ((uint32_t)(n) << 8)          /* 8..127 */
#define RCC_PLLCFGR_PLLREN       (1u << 24)
#define RCC_PLLCFGR_PLLR_DIV2    (0u << 25)                    /* 00 = /2 */

#define RCC_AHB2ENR_GPIOGEN    (1u << 6)  /* §6.4.17 */
#define RCC_APB1ENR1_PWREN     (1u << 28) /* §6.4.19 */
#define RCC_APB1ENR2_LPUART1EN (1u << 0)  /* §6.4.20 */
#define RCC_CCIPR_LPUART1SEL_MASK  (3u << 10) /* §6.4.28: 00 PCLK1, 01 SYSCLK, 10 HSI16, 11 LSE */
#define RCC_CCIPR_LPUART1SEL_HSI16 (2u << 10)

/* ---- GPIOG, base 0x4800 1800 (RM0432 §8.5, register map §8.5.13) ---- */
#define GPIOG_BASE    0x48001800u
#define GPIOG_MODER   REG32(GPIOG_BASE + 0x00u) /* 2 bits/pin: 10 = alternate function */
#define GPIOG_OSPEEDR REG32(GPIOG_BASE + 0x08u)
#define GPIOG_PUPDR   REG32(GPIOG_BASE + 0x0Cu)
#define GPIOG_AFRL    REG32(GPIOG_BASE + 0x20u) /* 4 bits/pin, pins 0..7 */
#define GPIOG_AFRH    REG32(GPIOG_BASE + 0x24u) /* pins 8..15 */

/* ---- LPUART1, base 0x4000 8000 (RM0432 LPUART chapter, "LPUART registers") ---- */
#define LPUART1_BASE 0x40008000u
#define LPUART1_CR1  REG32(LPUART1_BASE + 0x00u)
#define LPUART1_CR2  REG32(LPUART1_BASE + 0x04u)
#define LPUART1_CR3  REG32(LPUART1_BASE + 0x08u)
#define LPUART1_BRR  REG32(LPUART1_BASE + 0x0Cu)
#define LPUART1_ISR  REG32(LPUART1_BASE + 0x1Cu)
#define LPUART1_ICR  REG32(LPUART1_BASE + 0x20u)
#define LPUART1_RDR  REG32(LPUART1_BASE + 0x24u)
#define LPUART1_TDR  REG32(LPUART1_BASE + 0x28u)
#define LPUART1_IRQN 70u /* RM0432 NVIC chapter, STM32L4Rxxx vector table: LPUART1 at position 70 */

/* Cortex-M4 system registers (SysTick, NVIC, SCB, DWT): platforms/common/cortex_m_regs.h. */

/* ---- Peripherals of the issue-11 test firmwares (tim16, dma_uart, exti). Bases RM0432 Table 3,
 * IRQ positions RM0432 Table 58 (both recalled from memory, as in stm32l4r5.toml). ---- */
#define RCC_AHB1ENR  REG32(RCC_BASE + 0x48u)
#define RCC_APB2ENR  REG32(RCC_BASE + 0x60u)
#define RCC_AHB1ENR_DMA1EN    (1u << 0)   /* RCC_AHB1ENR (RM0432 6.4.16, recalled) */
#define RCC_AHB1ENR_DMAMUX1EN (1u << 2)
#define RCC_APB2ENR_SYSCFGEN  (1u << 0)   /* RCC_APB2ENR (RM0432 6.4.22, recalled) */
#define RCC_APB2ENR_TIM16EN   (1u << 17)

/* TIMx registers (one layout for the family; RM0432 TIMx register maps) */
#define TIM16_BASE   0x40014400u
#define TIM_CR1(b)   REG32((b) + 0x00u)
#define TIM_DIER(b)  REG32((b) + 0x0Cu)
#define TIM_SR(b)    REG32((b) + 0x10u)
#define TIM_EGR(b)   REG32((b) + 0x14u)
#define TIM_CNT(b)   REG32((b) + 0x24u)
#define TIM_PSC(b)   REG32((b) + 0x28u)
#define TIM_ARR(b)   REG32((b) + 0x2Cu)
#define TIM_CR1_CEN  (1u << 0)
#define TIM_DIER_UIE (1u << 0)
#define TIM_SR_UIF   (1u << 0)
#define TIM_EGR_UG   (1u << 0)
#define TIM1_UP_TIM16_IRQN 25u

/* DMA1 (channels 1..7, 0x14 apart from 0x08) and DMAMUX1 (channel x at 4*x) */
#define DMA1_BASE    0x40020000u
#define DMA_ISR(b)   REG32((b) + 0x00u)
#define DMA_IFCR(b)  REG32((b) + 0x04u)
#define DMA_CCR(b, ch)   REG32((b) + 0x08u + 0x14u * ((ch) - 1u))
#define DMA_CNDTR(b, ch) REG32((b) + 0x0Cu + 0x14u * ((ch) - 1u))
#define DMA_CPAR(b, ch)  REG32((b) + 0x10u + 0x14u * ((ch) - 1u))
#define DMA_CMAR(b, ch)  REG32((b) + 0x14u + 0x14u * ((ch) - 1u))
#define DMA_CCR_EN   (1u << 0)
#define DMA_CCR_TCIE (1u << 1)
#define DMA_CCR_DIR  (1u << 4)   /* 1 = read from memory (memory to peripheral) */
#define DMA_CCR_MINC (1u << 7)
#define DMA_ISR_TCIF(ch) (1u << (4u * ((ch) - 1u) + 1u))
#define DMA_IFCR_CGIF(ch) (1u << (4u * ((ch) - 1u)))
#define DMAMUX1_BASE 0x40020800u
#define DMAMUX1_CCR(x) REG32(DMAMUX1_BASE + 4u * (x))   /* x = 0..13: DMA1 ch1..7, DMA2 ch1..7 */
#define DMAMUX_REQ_LPUART1_RX 34u   /* RM0432 DMAMUX1 request table (recalled) */
#define DMAMUX_REQ_LPUART1_TX 35u
#define DMA1_CH1_IRQN 11u
#define USART_CR3_DMAR (1u << 6)   /* LPUART_CR3 */
#define USART_CR3_DMAT (1u << 7)

/* SYSCFG and EXTI */
#define SYSCFG_BASE    0x40010000u
#define SYSCFG_EXTICR(n) REG32(SYSCFG_BASE + 0x08u + 4u * (n))  /* n = 0..3: lines 4n..4n+3 */
#define EXTI_BASE      0x40010400u
#define EXTI_IMR1      REG32(EXTI_BASE + 0x00u)
#define EXTI_RTSR1     REG32(EXTI_BASE + 0x08u)
#define EXTI_FTSR1     REG32(EXTI_BASE + 0x0Cu)
#define EXTI_SWIER1    REG32(EXTI_BASE + 0x10u)
#define EXTI_PR1       REG32(EXTI_BASE + 0x14u)
#define EXTI0_IRQN     6u
#define EXTI15_10_IRQN 40u
#define GPIOB_BASE     0x48000400u
#define GPIOB_MODER    REG32(GPIOB_BASE + 0x00u)
#define GPIOB_BSRR     REG32(GPIOB_BASE + 0x18u)
#define RCC_AHB2ENR_GPIOBEN (1u << 1)

#endif /* STM32L4R5_REGS_H */
