/* EEMBC / MLPerf Tiny DUT harness: the pieces shared by the command layer (ee_*) and the
 * workload layer (th_*). Freestanding: no stdio, no malloc; output goes through board_putc.
 *
 * Protocol summary (see docs of the EEMBC EnergyRunner / MLPerf Tiny runner): the host sends a
 * command terminated by '%', tokens separated by spaces; the DUT answers with "\r\n"-terminated
 * lines and always ends with "m-ready". Error lines start with "e-[". */
#ifndef TINYSIM_HARNESS_H
#define TINYSIM_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* Longest command accepted before the '%' terminator (EE_CMD_SIZE in the EEMBC sources). */
#define EE_CMD_SIZE 80u
#define EE_FW_VERSION "ULPMark for tinyML Firmware V0.0.1"
#define EE_DEVICE_NAME "dut"
#define TH_VENDOR_NAME_STRING "tinysim"

/* --- command layer (ee_protocol.c) --- */
void ee_benchmark_initialize(void);
void ee_serial_callback(char c);
/* Dispatch one complete command (without the '%'); the string is modified in place. */
void ee_serial_command_parser_callback(char *command);
/* Copy up to max_len loaded db bytes into buf; returns how many were copied. */
size_t ee_get_buffer(uint8_t *buf, size_t max_len);
/* Number of bytes currently held by the db buffer. */
size_t ee_buffer_loaded(void);
const uint8_t *ee_buffer_data(void);

/* --- workload layer (th_workload.c) --- */
/* One-time setup; returns 0 when the model and the db buffer fit together, else prints an
 * e-[...] line and returns -1 (db load then refuses every size). */
int th_final_initialize(void);
/* Bytes the host must load with `db` before `infer` (the model's input, or 4x for float32 input). */
size_t th_db_bytes_needed(void);
/* The model id the profile command reports (TS_MODEL_ID, the workload id). */
const char *th_model_id(void);
/* Capacity of the db buffer storage (>= th_db_bytes_needed() when initialisation succeeded). */
size_t th_db_capacity(void);
uint8_t *th_db_storage(void);
void th_load_tensor(void);
void th_infer(void);
void th_results(void);
void th_timestamp(void);

/* --- output helpers (ee_print.c) --- */
void ee_puts(const char *s);           /* no newline added */
void ee_putline(const char *s);        /* s then "\r\n" */
void ee_put_u32(uint32_t v);           /* decimal */
void ee_put_i32(int32_t v);            /* decimal with '-' */
void ee_put_hex8(uint8_t v);           /* two lowercase hex digits */
void ee_put_fixed3(float v);           /* "%.3f" without printf; see ee_print.c for limits */
void ee_newline(void);
void ee_ready(void);                   /* "m-ready\r\n" */

/* --- tiny string helpers (no libc dependency) --- */
int ee_streq(const char *a, const char *b);
size_t ee_strlen(const char *s);

#endif
