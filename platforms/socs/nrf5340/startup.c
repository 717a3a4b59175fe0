/*
 * nRF5340 application core start-up: its vector table. Reset (with the ARMv8-M stack limit
 * MSPLIM), default and fault handlers are the Cortex-M start-up the SoCs share
 * (platforms/common/cortex_m_startup.c); the core boots from 0x00000000 (the start of flash) in
 * the Secure state and stays there.
 */
#include "cortex_m_startup.h"

/* 16 system exceptions + 69 device interrupts (nRF5340 PS application core instantiation table:
 * the interrupt number is the peripheral ID, the last is CRYPTOCELL, 68). The console's UARTE0
 * interrupt (SERIAL0, ID 8: the board file's [console], the SoC file's irq) is Console_IRQHandler. */
CORTEX_M_VECTOR_TABLE(69);
