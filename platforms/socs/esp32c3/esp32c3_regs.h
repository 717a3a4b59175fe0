/*
 * ESP32-C3 registers used by the board port, from the ESP32-C3 Technical Reference Manual
 * (v1.x, "TRM"). Only what the port touches is defined; each block cites its TRM chapter.
 */
#ifndef ESP32C3_REGS_H
#define ESP32C3_REGS_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ---- UART0, base 0x6000 0000 (TRM ch. 26 "UART Controller", register summary) ---- */
#define UART0_BASE     0x60000000u
#define UART0_FIFO     REG32(UART0_BASE + 0x00u) /* UART_FIFO_REG: write = push TX byte */
#define UART0_INT_ENA  REG32(UART0_BASE + 0x0Cu) /* UART_INT_ENA_REG */
#define UART0_INT_CLR  REG32(UART0_BASE + 0x10u) /* UART_INT_CLR_REG */
#define UART0_CONF1    REG32(UART0_BASE + 0x24u) /* UART_CONF1_REG: RXFIFO_FULL_THRHD[8:0] */
#define UART_INT_RXFIFO_FULL (1u << 0)            /* RX FIFO holds >= RXFIFO_FULL_THRHD bytes */
#define UART_CONF1_RXFIFO_FULL_THRHD_MASK 0x1FFu
#define UART0_CLKDIV   REG32(UART0_BASE + 0x14u) /* UART_CLKDIV_REG: CLKDIV[11:0], FRAG[23:20] */
#define UART0_STATUS   REG32(UART0_BASE + 0x1Cu) /* UART_STATUS_REG */
#define UART0_CLK_CONF REG32(UART0_BASE + 0x78u) /* UART_CLK_CONF_REG */
#define UART_STATUS_RXFIFO_CNT(s) ((s) & 0x3FFu)          /* bits 9:0 */
#define UART_STATUS_TXFIFO_CNT(s) (((s) >> 16) & 0x3FFu)  /* bits 25:16 */
#define UART_TX_FIFO_SIZE 128u                            /* TRM §26.3.3: 128-byte TX FIFO */
#define UART_CLK_CONF_SCLK_SEL_MASK (3u << 20)  /* 1 = APB_CLK, 2 = RC_FAST_CLK, 3 = XTAL_CLK */
#define UART_CLK_CONF_SCLK_SEL_XTAL (3u << 20)
#define UART_CLK_CONF_SCLK_DIV_MASK 0x000FFFFFu /* SCLK_DIV_B/A/NUM: 0 = divide by 1 */

/* ---- SYSTEM (clock tree), base 0x600C 0000 (TRM ch. 6 "Reset and Clock", ch. 16 "System
 * Registers") ---- */
#define SYSTEM_BASE          0x600C0000u
#define SYSTEM_CPU_PER_CONF  REG32(SYSTEM_BASE + 0x08u)
#define SYSTEM_SYSCLK_CONF   REG32(SYSTEM_BASE + 0x58u)
#define SYSTEM_CPUPERIOD_SEL_MASK 3u          /* with PLL_CLK at 480 MHz: 0 = 80, 1 = 160 MHz */
#define SYSTEM_CPUPERIOD_SEL_160  1u
#define SYSTEM_PLL_FREQ_SEL_480   (1u << 2)   /* 1 = PLL_CLK 480 MHz */
#define SYSTEM_SOC_CLK_SEL_MASK   (3u << 10)  /* 0 = XTAL, 1 = PLL, 2 = RC_FAST */
#define SYSTEM_SOC_CLK_SEL_PLL    (1u << 10)

/* ---- Watchdogs (TRM ch. 12 "Watchdog Timers", ch. 9 "Low-power Management" registers) ---- */
#define RTC_CNTL_BASE          0x60008000u
#define RTC_CNTL_WDTCONFIG0    REG32(RTC_CNTL_BASE + 0x90u) /* bit 31 WDT_EN, bit 12 FLASHBOOT_MOD_EN */
#define RTC_CNTL_WDTWPROTECT   REG32(RTC_CNTL_BASE + 0xA8u)
#define RTC_CNTL_SWD_CONF      REG32(RTC_CNTL_BASE + 0xACu) /* bit 31 SWD_AUTO_FEED_EN, bit 30 SWD_DISABLE */
#define RTC_CNTL_SWD_WPROTECT  REG32(RTC_CNTL_BASE + 0xB0u)
#define RTC_CNTL_WDT_WKEY      0x50D83AA1u /* write-enable key, RTC WDT and TIMG WDT */
#define RTC_CNTL_SWD_WKEY      0x8F1D312Au /* write-enable key, super watchdog */
#define RTC_CNTL_SWD_AUTO_FEED_EN (1u << 31)
#define RTC_CNTL_SWD_DISABLE      (1u << 30)

#define TIMG0_BASE 0x6001F000u
#define TIMG1_BASE 0x60020000u
#define TIMG_WDTCONFIG0(base)  REG32((base) + 0x48u) /* bit 31 WDT_EN, bit 22 WDT_CONF_UPDATE_EN,
                                                      * bit 14 FLASHBOOT_MOD_EN */
#define TIMG_WDTWPROTECT(base) REG32((base) + 0x64u)
#define TIMG_WDT_CONF_UPDATE_EN (1u << 22)

/* ---- SYSTIMER, base 0x6002 3000 (TRM ch. 10 "System Timer"): 52-bit counter at 16 MHz ---- */
#define SYSTIMER_BASE          0x60023000u
#define SYSTIMER_UNIT0_OP      REG32(SYSTIMER_BASE + 0x04u)
#define SYSTIMER_UNIT0_VALUE_HI REG32(SYSTIMER_BASE + 0x40u)
#define SYSTIMER_UNIT0_VALUE_LO REG32(SYSTIMER_BASE + 0x44u)
#define SYSTIMER_CONF          REG32(SYSTIMER_BASE + 0x00u) /* bit 24 TARGET0_WORK_EN */
#define SYSTIMER_TARGET0_CONF  REG32(SYSTIMER_BASE + 0x34u) /* PERIOD[25:0], bit 30 PERIOD_MODE,
                                                             * bit 31 TIMER_UNIT_SEL (0 = unit 0) */
#define SYSTIMER_COMP0_LOAD    REG32(SYSTIMER_BASE + 0x50u) /* write 1: apply TARGET0 config */
#define SYSTIMER_INT_ENA       REG32(SYSTIMER_BASE + 0x64u) /* bit 0 TARGET0 */
#define SYSTIMER_INT_CLR       REG32(SYSTIMER_BASE + 0x6Cu)
#define SYSTIMER_TARGET0_WORK_EN    (1u << 24)
#define SYSTIMER_TARGET0_PERIOD_MODE (1u << 30)
#define SYSTIMER_TARGET0_PERIOD_MAX 0x03FFFFFFu
#define SYSTIMER_INT_TARGET0        (1u << 0)
#define SYSTIMER_UNIT0_UPDATE      (1u << 30) /* write 1: latch the counter into VALUE_HI/LO */
#define SYSTIMER_UNIT0_VALUE_VALID (1u << 29) /* set when the latched value can be read */

/* ---- Interrupt matrix, base 0x600C 2000 (TRM ch. 8 "Interrupt Matrix"): each peripheral
 * source has a map register at 4 * source choosing CPU interrupt line 1..31 (0 = not routed);
 * the lines have enable, type (0 = level), priority (1..15) and a threshold. ---- */
#define INTMTX_BASE          0x600C2000u
#define INTMTX_MAP(source)   REG32(INTMTX_BASE + 4u * (source))
#define INTMTX_CPU_INT_ENABLE REG32(INTMTX_BASE + 0x104u)
#define INTMTX_CPU_INT_TYPE   REG32(INTMTX_BASE + 0x108u)
#define INTMTX_CPU_INT_PRI(n) REG32(INTMTX_BASE + 0x114u + 4u * (n))
#define INTMTX_CPU_INT_THRESH REG32(INTMTX_BASE + 0x194u)
#define INTMTX_SOURCE_UART0            21u /* TRM Table 8-1 "CPU peripheral interrupt sources" */
#define INTMTX_SOURCE_SYSTIMER_TARGET0 37u

/* mcause: bit 31 = interrupt, low bits = exception code / CPU interrupt line. */
#define MCAUSE_INTERRUPT (1u << 31)
#define MCAUSE_CODE_MASK 0x1Fu

#endif /* ESP32C3_REGS_H */
