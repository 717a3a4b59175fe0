/*
 * STM32H7A3ZI registers used by the board port, from the reference manual RM0455 (STM32H7A3/7B3)
 * and the Armv7-M ARM (DDI 0403E) / Cortex-M7 Devices Generic User Guide (DUI 0646) for the core.
 * Only what the port touches is defined. Offsets and bits are RM0455's register maps (PWR
 * chapter 6, RCC chapter 7, FLASH chapter 4, GPIO chapter 11, USART chapter 50), recalled and
 * cross-checked against ST's CMSIS device header names where the corpus had them.
 */
#ifndef STM32H7A3_REGS_H
#define STM32H7A3_REGS_H

#include "cortex_m_regs.h" /* REG32, SysTick, NVIC, SCB, DWT: the same on every Cortex-M */
#include "stm32_usart.h"   /* USART/LPUART register block and bits */

/* ---- PWR, base 0x5802 4800 (RM0455 section 6.8) ---- */
#define PWR_BASE   0x58024800u
#define PWR_CSR1   REG32(PWR_BASE + 0x04u)
#define PWR_CR3    REG32(PWR_BASE + 0x0Cu)
#define PWR_SRDCR  REG32(PWR_BASE + 0x18u)
#define PWR_CSR1_ACTVOSRDY (1u << 13)  /* supply configuration committed */
#define PWR_CR3_BYPASS     (1u << 0)
#define PWR_CR3_LDOEN      (1u << 1)
#define PWR_CR3_SMPSEN     (1u << 2)
#define PWR_SRDCR_VOS_MASK (3u << 14)  /* 11 = VOS0 (280 MHz) .. 00 = VOS3 */
#define PWR_SRDCR_VOS0     (3u << 14)
#define PWR_SRDCR_VOSRDY   (1u << 13)

/* ---- FLASH, base 0x5200 2000 (RM0455 section 4.9) ---- */
#define FLASH_REG_BASE 0x52002000u
#define FLASH_ACR      REG32(FLASH_REG_BASE + 0x00u)
#define FLASH_ACR_LATENCY_MASK    0xFu       /* read latency in AXI clock cycles */
#define FLASH_ACR_WRHIGHFREQ_MASK (3u << 4)  /* programming delay */

/* ---- RCC, base 0x5802 4400 (RM0455 section 7.7) ---- */
#define RCC_BASE      0x58024400u
#define RCC_CR        REG32(RCC_BASE + 0x00u)
#define RCC_CFGR      REG32(RCC_BASE + 0x10u)
#define RCC_CDCFGR1   REG32(RCC_BASE + 0x18u)
#define RCC_CDCFGR2   REG32(RCC_BASE + 0x1Cu)
#define RCC_SRDCFGR   REG32(RCC_BASE + 0x20u)
#define RCC_PLLCKSELR REG32(RCC_BASE + 0x28u)
#define RCC_PLLCFGR   REG32(RCC_BASE + 0x2Cu)
#define RCC_PLL1DIVR  REG32(RCC_BASE + 0x30u)
#define RCC_CDCCIP2R  REG32(RCC_BASE + 0x54u)
#define RCC_AHB4ENR   REG32(RCC_BASE + 0xE0u)
#define RCC_APB1LENR  REG32(RCC_BASE + 0xE8u)

#define RCC_CR_HSION   (1u << 0)
#define RCC_CR_HSIRDY  (1u << 2)
#define RCC_CR_HSIDIV_MASK (3u << 3)   /* HSI 64 MHz / 1, 2, 4, 8 */
#define RCC_CR_PLL1ON  (1u << 24)
#define RCC_CR_PLL1RDY (1u << 25)
#define RCC_CFGR_SW_MASK  (7u << 0)    /* 000 HSI, 001 CSI, 010 HSE, 011 PLL1 P */
#define RCC_CFGR_SW_PLL1  (3u << 0)
#define RCC_CFGR_SWS_MASK (7u << 3)
#define RCC_CFGR_SWS_PLL1 (3u << 3)
#define RCC_CDCFGR1_HPRE_MASK   (0xFu << 0)  /* AHB (HCLK) prescaler: 0xxx = /1 */
#define RCC_CDCFGR1_CDPPRE_MASK (7u << 4)    /* APB3: 0xx = /1, 100 = /2 */
#define RCC_CDCFGR1_CDCPRE_MASK (0xFu << 8)  /* core clock prescaler: 0xxx = /1 */
#define RCC_CDCFGR2_CDPPRE1_MASK (7u << 4)   /* APB1 */
#define RCC_CDCFGR2_CDPPRE2_MASK (7u << 8)   /* APB2 */
#define RCC_SRDCFGR_SRDPPRE_MASK (7u << 4)   /* APB4 */
#define RCC_APB_DIV2 4u
#define RCC_PLLCKSELR_PLLSRC_MASK (3u << 0)  /* 00 HSI, 01 CSI, 10 HSE */
#define RCC_PLLCKSELR_DIVM1_MASK  (0x3Fu << 4)
#define RCC_PLLCKSELR_DIVM1(m)    ((uint32_t)(m) << 4)
#define RCC_PLLCFGR_PLL1RGE_MASK  (3u << 2)  /* PLL1 input range: 11 = 8..16 MHz */
#define RCC_PLLCFGR_PLL1RGE_8_16  (3u << 2)
#define RCC_PLLCFGR_PLL1VCOSEL    (1u << 1)  /* 0 = wide VCO range */
#define RCC_PLLCFGR_DIVP1EN       (1u << 16)
#define RCC_PLL1DIVR_N1(n) ((uint32_t)((n) - 1u) << 0)   /* multiply by n */
#define RCC_PLL1DIVR_P1(p) ((uint32_t)((p) - 1u) << 9)   /* divide by p */
#define RCC_PLL1DIVR_Q1(q) ((uint32_t)((q) - 1u) << 16)
#define RCC_PLL1DIVR_R1(r) ((uint32_t)((r) - 1u) << 24)
#define RCC_CDCCIP2R_USART234578SEL_MASK (7u << 0)  /* 000 = PCLK1 */
#define RCC_AHB4ENR_GPIODEN  (1u << 3)
#define RCC_APB1LENR_USART3EN (1u << 18)

/* ---- GPIOD, base 0x5802 0C00 (RM0455 section 11.4) ---- */
#define GPIOD_BASE    0x58020C00u

/* ---- Cortex-M7 L1 cache maintenance (DDI 0403E B3.2.8, B4.8); SysTick, NVIC, SCB, DWT:
 * platforms/common/cortex_m_regs.h ---- */
#define SCB_CCSIDR REG32(0xE000ED80u) /* cache size ID of the cache CSSELR selects */
#define SCB_CSSELR REG32(0xE000ED84u) /* 0 = L1 data cache, 1 = L1 instruction cache */
#define SCB_CCR_DC (1u << 16)         /* L1 data cache enable (DDI 0403E B3.2.8) */
#define SCB_CCR_IC (1u << 17)         /* L1 instruction cache enable */
#define SCB_ICIALLU REG32(0xE000EF50u) /* invalidate the whole I-cache (B4.8) */
#define SCB_DCISW   REG32(0xE000EF60u) /* invalidate a D-cache line by set/way */
#define CCSIDR_SETS(x) ((((x) >> 13) & 0x7FFFu) + 1u)
#define CCSIDR_WAYS(x) ((((x) >> 3) & 0x3FFu) + 1u)

#endif /* STM32H7A3_REGS_H */
