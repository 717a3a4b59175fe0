/* The MPU's registers (ARM DDI 0403 B3.5; ARMv8-M's at the same addresses, RASR being RLAR),
 * for the semihost MPU programs (mpu.c, mpu_rtos.c). */
#ifndef MPU_REGS_H
#define MPU_REGS_H

#include <stdint.h>

#define MPU_REG(addr) (*(volatile uint32_t *)(addr))
#define MPU_CTRL MPU_REG(0xE000ED94)
#define MPU_RNR MPU_REG(0xE000ED98)
#define MPU_RBAR MPU_REG(0xE000ED9C)
#define MPU_RASR MPU_REG(0xE000EDA0)   /* PMSAv8: MPU_RLAR */
#define MPU_MAIR0 MPU_REG(0xE000EDC0)

#endif
