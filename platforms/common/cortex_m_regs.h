/*
 * Cortex-M system registers every ARMv7-M / ARMv8-M mainline port touches: SysTick, NVIC, SCB,
 * the DWT cycle counter. They sit in the architecture's System Control Space at the same
 * addresses on the Cortex-M4, M7 and M33 (ARMv7-M ARM DDI 0403E §B3.2, §B3.3, §B3.4, §C1.8;
 * ARMv8-M ARM DDI 0553 §D1; Cortex-M4 Devices Generic User Guide ARM DUI 0553 §4), so the SoC
 * register headers include this one instead of repeating it.
 */
#ifndef CORTEX_M_REGS_H
#define CORTEX_M_REGS_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* SysTick (DUI 0553 §4.4) */
#define SYST_CSR   REG32(0xE000E010u)
#define SYST_RVR   REG32(0xE000E014u)
#define SYST_CVR   REG32(0xE000E018u)
#define SYST_CSR_ENABLE    (1u << 0)
#define SYST_CSR_TICKINT   (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2) /* 1 = processor clock */
#define SYST_RVR_MAX       0x00FFFFFFu

/* NVIC (DUI 0553 §4.2.2 ISER, §4.2.7 IPR, byte-accessible) */
#define NVIC_ISER(n) REG32(0xE000E100u + 4u * (n))
#define NVIC_IPR8(n) (*(volatile uint8_t *)(uintptr_t)(0xE000E400u + (n)))

/* System control block (DUI 0553 §4.3, §4.6.1) */
#define SCB_VTOR   REG32(0xE000ED08u) /* §4.3.4 */
#define SCB_CCR    REG32(0xE000ED14u) /* §4.3.8 */
#define SCB_CFSR   REG32(0xE000ED28u) /* §4.3.10 */
#define SCB_HFSR   REG32(0xE000ED2Cu) /* §4.3.11 */
#define SCB_MMFAR  REG32(0xE000ED34u)
#define SCB_BFAR   REG32(0xE000ED38u)
#define SCB_CPACR  REG32(0xE000ED88u) /* §4.6.1: CP10/CP11 at bits 20..23 */
#define SCB_CPACR_CP10_CP11_FULL (0xFu << 20)
#define SCB_CCR_DIV_0_TRP (1u << 4)

/* DWT cycle counter and its enable in DEMCR (DDI 0403E §C1.6.5, §C1.8.7) */
#define DEMCR       REG32(0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL    REG32(0xE0001000u)
#define DWT_CYCCNT  REG32(0xE0001004u)
#define DWT_CTRL_CYCCNTENA (1u << 0)

#endif /* CORTEX_M_REGS_H */
