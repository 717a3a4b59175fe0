/*
 * STM32U385 start-up: its vector table. Reset (with the ARMv8-M stack limit MSPLIM), default and
 * fault handlers are the Cortex-M start-up the SoCs share (platforms/common/cortex_m_startup.c);
 * the core boots from 0x08000000 (option bytes NSBOOTADD0 with TZEN = 0).
 */
#include "cortex_m_startup.h"

/* 16 system exceptions + 125 device interrupts (stm32u385xx.h IRQn_Type: the last is PWR_S_IRQn = 124). */
CORTEX_M_VECTOR_TABLE(125);
