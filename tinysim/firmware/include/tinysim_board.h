/*
 * tinysim board port API.
 *
 * Every board port (platforms/boards/<board>/board.c) implements these functions against
 * the real chip's registers. The same ELF runs on the physical board and under the emulator;
 * nothing here asks "am I emulated?".
 *
 * Time: board_cycles() is a 64-bit count of core clock cycles since board_init() (the hardware
 * counter is extended in software where it is 32 bits), so board_micros() differences are right
 * across any window shorter than 2^32 us (71 minutes).
 */
#ifndef TINYSIM_BOARD_H
#define TINYSIM_BOARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Clock tree, flash wait states, caches, console UART (115200 8N1, RX interrupt), cycle counter. */
void board_init(void);

/* Console output; board_putc blocks until the byte is in the transmitter. */
void board_putc(char c);
void board_puts(const char *s);
void board_write(const char *buf, size_t len);

/* Blocking console input: sleeps (WFI) until the RX interrupt has queued a byte. Returns 0..255. */
int board_getc(void);

/* Non-blocking: a queued byte (0..255) or -1 when none is waiting. */
int board_getc_nowait(void);

/* Time since board_init(). */
uint64_t board_cycles(void);
uint32_t board_micros(void);
uint32_t board_clock_hz(void);

/* Board name as used by `--platform` (e.g. "nucleo-l4r5zi"). */
const char *board_name(void);

/*
 * Periodic timer interrupt: calls `handler` from interrupt context `hz` times per second
 * (SysTick on Cortex-M, the machine timer on RISC-V). hz = 0 stops it. Returns 0, or -1 when
 * the rate cannot be produced by the hardware (e.g. SysTick's 24-bit reload).
 */
int board_timer_start(uint32_t hz, void (*handler)(void));

/* Sleep until any interrupt (WFI). */
void board_wait_for_interrupt(void);

/*
 * End of a test program: drains the console, then BKPT (Arm) / EBREAK (RISC-V). On silicon this
 * halts under a debugger; the emulator reports exit "halt". Never returns.
 */
void board_halt(void) __attribute__((noreturn));

/* Printf-free number formatting on the console (firmware is freestanding, no libc stdio). */
void board_put_u32(uint32_t v);
void board_put_i32(int32_t v);
void board_put_u64(uint64_t v);
void board_put_hex32(uint32_t v);

/* Formats into buf (at least 21 bytes for u64); returns the number of characters written. */
size_t board_fmt_u64(char *buf, uint64_t v);
size_t board_fmt_hex32(char *buf, uint32_t v);

/* An address outside every memory region of the board: loads from it fault (used by tests). */
#ifndef BOARD_UNMAPPED_ADDR
#define BOARD_UNMAPPED_ADDR 0x70000000u
#endif

#ifdef __cplusplus
}
#endif

#endif /* TINYSIM_BOARD_H */
