/*
 * STM32U385 registers used by the board port. Addresses, offsets and bit positions are from ST's
 * CMSIS device header stm32u385xx.h (STM32CubeU3: the *_BASE_NS addresses, the *_TypeDef
 * layouts and the "Bit definition for ..." blocks) and the Cortex-M33 Devices Generic User Guide
 * (Arm 100235). Only what the port touches is defined. Base addresses are the non-secure
 * aliases (TrustZone disabled, TZEN = 0). The register's name is the reference manual's
 * (RM0487, not read: look it up in that peripheral's "registers" section).
 */
#ifndef STM32U385_REGS_H
#define STM32U385_REGS_H

#include "cortex_m_regs.h" /* REG32, SysTick, NVIC, SCB, DWT: the same on every Cortex-M */
#include "stm32_usart.h"   /* USART/LPUART register block and bits */

/* ---- PWR, base 0x4003 0800 (PWR_BASE_NS = AHB1 + 0x10800) ---- */
#define PWR_BASE   0x40030800u
#define PWR_CR3    REG32(PWR_BASE + 0x08u)
#define PWR_VOSR   REG32(PWR_BASE + 0x0Cu)
#define PWR_SVMSR  REG32(PWR_BASE + 0x3Cu)
#define PWR_CR3_REGSEL     (1u << 1)  /* 1 = SMPS step-down converter */
#define PWR_SVMSR_REGS     (1u << 1)  /* SMPS in use */
#define PWR_VOSR_R1EN      (1u << 0)  /* Range 1 (up to 96 MHz) */
#define PWR_VOSR_R2EN      (1u << 1)  /* Range 2 (up to 48 MHz, reset) */
#define PWR_VOSR_BOOSTEN   (1u << 8)  /* EPOD booster */
#define PWR_VOSR_R1RDY     (1u << 16)
#define PWR_VOSR_BOOSTRDY  (1u << 24)

/* ---- FLASH, base 0x4002 2000 (FLASH_R_BASE_NS) ---- */
#define FLASH_REG_BASE 0x40022000u
#define FLASH_ACR      REG32(FLASH_REG_BASE + 0x00u)
#define FLASH_ACR_LATENCY_MASK 0xFu
#define FLASH_ACR_PRFTEN       (1u << 8)

/* ---- ICACHE, base 0x4003 0400 (ICACHE_BASE_NS) ---- */
#define ICACHE_BASE 0x40030400u /* registers: stm32_icache_enable(), platforms/common/stm32_board.c */

/* ---- RCC, base 0x4003 0C00 (RCC_BASE_NS) ---- */
#define RCC_BASE      0x40030C00u
#define RCC_CR        REG32(RCC_BASE + 0x000u)
#define RCC_ICSCR1    REG32(RCC_BASE + 0x008u)
#define RCC_CFGR1     REG32(RCC_BASE + 0x01Cu)
#define RCC_CFGR2     REG32(RCC_BASE + 0x020u)
#define RCC_CFGR4     REG32(RCC_BASE + 0x028u)
#define RCC_AHB2ENR1  REG32(RCC_BASE + 0x08Cu)
#define RCC_AHB1ENR2  REG32(RCC_BASE + 0x094u)
#define RCC_APB2ENR   REG32(RCC_BASE + 0x0A4u)
#define RCC_CCIPR1    REG32(RCC_BASE + 0x100u)

#define RCC_CR_MSISRDY (1u << 2)
#define RCC_CR_HSION   (1u << 11)
#define RCC_CR_HSIRDY  (1u << 13)
/* ICSCR1: MSISSEL (31) 0 = MSIRC0 96 MHz, 1 = MSIRC1 24 MHz; MSISDIV[30:29] /1,/2,/4,/8;
 * MSIKSEL (28), MSIKDIV[27:26]; MSIRGSEL (23) 1 = ranges from ICSCR1, 0 = from RCC_CSR. */
#define RCC_ICSCR1_MSISSEL   (1u << 31)
#define RCC_ICSCR1_MSISDIV(d) ((uint32_t)(d) << 29)
#define RCC_ICSCR1_MSIKSEL   (1u << 28)
#define RCC_ICSCR1_MSIKDIV(d) ((uint32_t)(d) << 26)
#define RCC_ICSCR1_MSIRGSEL  (1u << 23)
#define RCC_CFGR1_SW_MASK  (3u << 0) /* 00 MSIS, 01 HSI16, 10 HSE */
#define RCC_CFGR1_SWS_MASK (3u << 2)
#define RCC_CFGR2_HPRE_MASK 0xFu      /* 0xxx = /1 */
#define RCC_CFGR2_PPRE_MASK ((7u << 4) | (7u << 8))
#define RCC_CFGR4_BOOSTSEL_HSI16 (2u << 0)  /* EPOD booster input: HSI16 (stm32u3xx_hal_rcc_ex.h) */
#define RCC_CFGR4_BOOSTDIV_MASK  (0xFu << 12) /* 0 = /1 */
#define RCC_AHB2ENR1_GPIOAEN  (1u << 0)
#define RCC_AHB1ENR2_PWREN    (1u << 2)
#define RCC_APB2ENR_USART1EN  (1u << 14)
#define RCC_CCIPR1_USART1SEL_HSI16 (1u << 0) /* 0 PCLK2, 1 HSI16 (stm32u3xx_hal_rcc_ex.h) */

/* ---- GPIOA, base 0x4202 0000 (GPIOA_BASE_NS) ---- */
#define GPIOA_BASE 0x42020000u /* registers: stm32_pin_af(), platforms/common/stm32_board.c */

/* USART1 (the console, base 0x4001 3800 USART1_BASE_NS): the SoC file's [[peripheral]] usart1,
 * its registers platforms/common/stm32_usart.h. Cortex-M33 system registers (SysTick, NVIC, SCB,
 * DWT): platforms/common/cortex_m_regs.h. */

#endif /* STM32U385_REGS_H */
