/*
 * STM32H7A3 start-up: its vector table. Reset, default and fault handlers are the Cortex-M
 * start-up every STM32 SoC shares (platforms/common/cortex_m_startup.c); the core boots from
 * 0x08000000 (BOOT_ADD0 factory value, RM0455 section 2.6).
 */
#include "cortex_m_startup.h"

/* 16 system exceptions + 155 device interrupts (RM0455 vector table: positions 0..154, recalled). */
CORTEX_M_VECTOR_TABLE(155);
