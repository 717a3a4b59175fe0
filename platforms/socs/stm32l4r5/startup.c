/*
 * STM32L4R5 start-up: its vector table. Reset, default and fault handlers are the Cortex-M
 * start-up every STM32 SoC shares (platforms/common/cortex_m_startup.c); the core boots from
 * 0x08000000 (main flash with BOOT0 low: RM0432 boot configuration, recalled).
 */
#include "cortex_m_startup.h"

/* 16 system exceptions + 95 device interrupts (RM0432 vector table: last position is 94). */
CORTEX_M_VECTOR_TABLE(95);
