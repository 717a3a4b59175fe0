/*
 * STM32U575 start-up: its vector table. Reset (with the ARMv8-M stack limit MSPLIM), default and
 * fault handlers are the Cortex-M start-up every STM32 SoC shares
 * (platforms/common/cortex_m_startup.c); the core boots from 0x08000000 (option bytes
 * NSBOOTADD0 with TZEN = 0).
 */
#include "cortex_m_startup.h"

/* 16 system exceptions + 126 device interrupts (stm32u575xx.h IRQn_Type: the last is 125). */
CORTEX_M_VECTOR_TABLE(126);
