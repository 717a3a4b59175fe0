/*
 * nRF5340 application core registers used by the board port, from the nRF5340 Product
 * Specification ("PS": chapters CLOCK, CACHE, REGULATORS, UARTE, GPIO; base addresses from the
 * "Memory" chapter's instantiation table) and the Cortex-M33 Devices Generic User Guide (Arm
 * 100235). Offsets and reset values were read in Nordic's SVD for the application core. Only
 * what the port touches is defined. The firmware runs in the Secure state (the application core
 * boots Secure): every peripheral is used at its Secure address, 0x5xxx_xxxx.
 */
#ifndef NRF5340_REGS_H
#define NRF5340_REGS_H

#include "cortex_m_regs.h" /* REG32, SysTick, NVIC, SCB, DWT: the same on every Cortex-M */

/* ---- CACHE, base 0x5000 1000 (PS CACHE, ID 1, Secure only) ---- */
#define CACHE_BASE       0x50001000u
#define CACHE_ENABLE     REG32(CACHE_BASE + 0x500u) /* bit 0: 1 = enabled (reset 0) */
#define CACHE_INVALIDATE REG32(CACHE_BASE + 0x504u) /* write 1: invalidate the whole cache */

/* ---- REGULATORS, base 0x5000 4000 (PS REGULATORS, ID 4) ---- */
#define REGULATORS_BASE            0x50004000u
#define REGULATORS_VREGMAIN_DCDCEN REG32(REGULATORS_BASE + 0x704u) /* bit 0: DC/DC on */

/* ---- CLOCK, base 0x5000 5000 (PS CLOCK, ID 5) ---- */
#define CLOCK_BASE                 0x50005000u
#define CLOCK_TASKS_HFCLKSTART     REG32(CLOCK_BASE + 0x000u)
#define CLOCK_EVENTS_HFCLKSTARTED  REG32(CLOCK_BASE + 0x100u)
#define CLOCK_HFCLKSTAT            REG32(CLOCK_BASE + 0x40Cu)
#define CLOCK_HFCLKSRC             REG32(CLOCK_BASE + 0x514u)
#define CLOCK_HFCLKCTRL            REG32(CLOCK_BASE + 0x558u)
#define CLOCK_HFCLKSRC_HFXO        (1u << 0)  /* 0 = HFINT, 1 = HFXO (the DK's 32 MHz crystal) */
#define CLOCK_HFCLKSTAT_SRC_HFXO   (1u << 0)
#define CLOCK_HFCLKSTAT_RUNNING    (1u << 16)
#define CLOCK_HFCLKCTRL_HCLK_DIV1  0u         /* HCLK128M = 128 MHz */
#define CLOCK_HFCLKCTRL_HCLK_DIV2  1u         /* 64 MHz, the reset value */

/* ---- UARTE0, base 0x5000 8000 (PS UARTE, ID 8, IRQ 8 SERIAL0) ---- */
#define UARTE0_BASE             0x50008000u
#define UARTE0_TASKS_STARTRX    REG32(UARTE0_BASE + 0x000u)
#define UARTE0_TASKS_STARTTX    REG32(UARTE0_BASE + 0x008u)
#define UARTE0_EVENTS_ENDRX     REG32(UARTE0_BASE + 0x110u)
#define UARTE0_EVENTS_ENDTX     REG32(UARTE0_BASE + 0x120u)
#define UARTE0_EVENTS_ERROR     REG32(UARTE0_BASE + 0x124u)
#define UARTE0_EVENTS_RXSTARTED REG32(UARTE0_BASE + 0x14Cu)
#define UARTE0_EVENTS_TXSTARTED REG32(UARTE0_BASE + 0x150u)
#define UARTE0_SHORTS           REG32(UARTE0_BASE + 0x200u)
#define UARTE0_INTENSET         REG32(UARTE0_BASE + 0x304u)
#define UARTE0_ERRORSRC         REG32(UARTE0_BASE + 0x480u)
#define UARTE0_ENABLE           REG32(UARTE0_BASE + 0x500u)
#define UARTE0_PSEL_RTS         REG32(UARTE0_BASE + 0x508u)
#define UARTE0_PSEL_TXD         REG32(UARTE0_BASE + 0x50Cu)
#define UARTE0_PSEL_CTS         REG32(UARTE0_BASE + 0x510u)
#define UARTE0_PSEL_RXD         REG32(UARTE0_BASE + 0x514u)
#define UARTE0_BAUDRATE         REG32(UARTE0_BASE + 0x524u)
#define UARTE0_RXD_PTR          REG32(UARTE0_BASE + 0x534u)
#define UARTE0_RXD_MAXCNT       REG32(UARTE0_BASE + 0x538u)
#define UARTE0_TXD_PTR          REG32(UARTE0_BASE + 0x544u)
#define UARTE0_TXD_MAXCNT       REG32(UARTE0_BASE + 0x548u)
#define UARTE0_CONFIG           REG32(UARTE0_BASE + 0x56Cu)
#define UARTE0_IRQN             8u

#define UARTE_ENABLE_ENABLED       8u
#define UARTE_SHORTS_ENDRX_STARTRX (1u << 5)
#define UARTE_INT_ENDRX            (1u << 4)
#define UARTE_INT_ERROR            (1u << 9)
#define UARTE_PSEL_DISCONNECTED    0xFFFFFFFFu       /* CONNECT (bit 31) = 1 */
#define UARTE_PSEL(port, pin)      (((uint32_t)(port) << 5) | (uint32_t)(pin))
/* BAUDRATE register value for a baud rate (PS UARTE BAUDRATE table; 0 = not in the table):
 * 115200 runs at 115108 baud, 9600 at 9598, 1000000 exactly. */
#define UARTE_BAUDRATE_FOR(baud)                                                                 \
    ((baud) == 9600u ? 0x00275000u : (baud) == 19200u ? 0x004EA000u : (baud) == 38400u ? 0x009D0000u \
     : (baud) == 57600u ? 0x00EB0000u : (baud) == 115200u ? 0x01D60000u                             \
     : (baud) == 230400u ? 0x03B00000u : (baud) == 460800u ? 0x07400000u                            \
     : (baud) == 921600u ? 0x0F000000u : (baud) == 1000000u ? 0x10000000u : 0u)

/* ---- GPIO P0, base 0x5084 2500 (PS GPIO) ---- */
#define P0_BASE        0x50842500u
#define P0_OUTSET      REG32(P0_BASE + 0x008u)
#define P0_DIRSET      REG32(P0_BASE + 0x018u)
#define P0_PIN_CNF(n)  REG32(P0_BASE + 0x200u + 4u * (n))
#define GPIO_PIN_CNF_OUTPUT        (1u << 0)   /* DIR = output */
#define GPIO_PIN_CNF_INPUT_CONNECT (0u << 1)   /* INPUT = connect the input buffer */
#define GPIO_PIN_CNF_PULLUP        (3u << 2)

/* Cortex-M33 system registers (SysTick, NVIC, SCB, DWT): platforms/common/cortex_m_regs.h. */

#endif /* NRF5340_REGS_H */
