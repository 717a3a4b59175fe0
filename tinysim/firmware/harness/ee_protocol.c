/* The EEMBC command layer ("ee_*"): collects characters into an 80-character command buffer,
 * dispatches on '%', and runs the db buffer and the infer loop. Written for tinysim from the
 * protocol description (command names and response strings match what the EEMBC EnergyRunner
 * and the MLCommons runner expect); the differences are all about malformed input, which the
 * EEMBC parser handles loosely and tinysim answers with an explicit "e-[...]" line:
 *   - an overlong command, an empty command, extra arguments, a non-numeric count,
 *     db data before `db load`, or more data than announced all answer e-[...];
 *   - `db load N` beyond the buffer prints its message as e-[...] (EEMBC prints it bare);
 *   - a db chunk with a bad digit is rejected whole (EEMBC stores the digits before it);
 *   - '\r', '\n' and NUL are ignored so a terminal user pressing Enter does not break the
 *     next command (the runners never send them);
 *   - `infer` needs the whole input loaded first.
 * Every command, good or bad, ends with m-ready. */
#include "harness.h"

#define MAX_TOKENS 4

static char cmd_buf[EE_CMD_SIZE + 1u];
static size_t cmd_len;
static int cmd_too_long;
static int parser_enabled;

static size_t db_size; /* bytes announced by the last `db load N` (0: none) */
static size_t db_pos;  /* bytes received since */

/* ---------------------------------------------------------------- small parsers */

/* Parse an optionally signed decimal integer of at most 9 digits (so it fits an int32).
 * Returns 0 on success, -1 if the token is not such a number. */
static int parse_int(const char *s, int32_t *out)
{
    int32_t v = 0;
    int neg = 0;
    int digits = 0;
    if (*s == '-' || *s == '+') {
        neg = (*s == '-');
        s++;
    }
    while (*s >= '0' && *s <= '9') {
        if (++digits > 9) {
            return -1;
        }
        v = v * 10 + (*s - '0');
        s++;
    }
    if (*s != '\0' || digits == 0) {
        return -1;
    }
    *out = neg ? -v : v;
    return 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* e-[<a>'<b>'<c>] : most error messages quote one offending token. */
static void error_quoted(const char *before, const char *token, const char *after)
{
    ee_puts("e-[");
    ee_puts(before);
    ee_puts("'");
    ee_puts(token);
    ee_puts("'");
    ee_puts(after);
    ee_putline("]");
}

static int reject_extra(int argc, char **argv, int max_argc)
{
    if (argc > max_argc) {
        error_quoted("Unexpected argument ", argv[max_argc], " (see help%)");
        return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- db buffer */

size_t ee_buffer_loaded(void)
{
    return db_pos;
}

const uint8_t *ee_buffer_data(void)
{
    return th_db_storage();
}

size_t ee_get_buffer(uint8_t *buf, size_t max_len)
{
    const uint8_t *src = th_db_storage();
    size_t n = db_pos < max_len ? db_pos : max_len;
    size_t i;
    for (i = 0; i < n; i++) {
        buf[i] = src[i];
    }
    return n;
}

static void db_load(const char *count)
{
    int32_t n;
    size_t cap = th_db_bytes_needed();
    if (parse_int(count, &n) != 0 || n < 0) {
        error_quoted("Invalid byte count ", count, " for db load");
        return;
    }
    if (n == 0) {
        ee_putline("e-[Command 'db load' must be >0 bytes]");
        return;
    }
    if ((size_t)n > cap || cap > th_db_capacity()) {
        ee_puts("e-[Supplied buffer size ");
        ee_put_u32((uint32_t)n);
        ee_puts(" exceeds maximum of ");
        ee_put_u32((uint32_t)cap);
        ee_putline("]");
        return;
    }
    db_size = (size_t)n;
    db_pos = 0;
    ee_puts("m-[Expecting ");
    ee_put_u32((uint32_t)n);
    ee_putline(" bytes]");
}

static void db_print(void)
{
    const uint8_t *data = th_db_storage();
    size_t i;
    for (i = 0; i < db_pos; i++) {
        if (i % 8u == 0u) {
            ee_puts("m-buffer-");
        } else {
            ee_puts("-");
        }
        ee_put_hex8(data[i]);
        if (i % 8u == 7u || i + 1u == db_pos) {
            ee_newline();
        }
    }
}

static void db_data(const char *hex)
{
    size_t digits = ee_strlen(hex);
    size_t nbytes = digits / 2u;
    size_t room = db_size - db_pos;
    size_t keep;
    size_t i;
    uint8_t *dst = th_db_storage();

    if (db_size == 0u) {
        ee_putline("e-[No buffer: send 'db load N' first]");
        return;
    }
    if (digits % 2u != 0u) {
        ee_putline("e-[Insufficent number of hex digits]"); /* EEMBC's spelling, kept for log greps */
        return;
    }
    for (i = 0; i < digits; i++) {
        if (hex_value(hex[i]) < 0) {
            char pair[3];
            pair[0] = hex[i & ~(size_t)1u];
            pair[1] = hex[i | 1u];
            pair[2] = '\0';
            error_quoted("Invalid hex digit ", pair, "");
            return;
        }
    }
    if (room == 0u) {
        ee_puts("e-[Buffer already full: ");
        ee_put_u32((uint32_t)db_size);
        ee_putline(" bytes loaded; send 'db load N' to start over]");
        return;
    }
    keep = nbytes < room ? nbytes : room;
    for (i = 0; i < keep; i++) {
        dst[db_pos + i] = (uint8_t)((hex_value(hex[2u * i]) << 4) | hex_value(hex[2u * i + 1u]));
    }
    db_pos += keep;
    if (db_pos == db_size) {
        ee_putline("m-load-done");
    }
    if (nbytes > keep) {
        ee_puts("e-[Ignored ");
        ee_put_u32((uint32_t)(nbytes - keep));
        ee_puts(" bytes beyond the ");
        ee_put_u32((uint32_t)db_size);
        ee_putline(" announced by db load]");
    }
}

static void db_command(int argc, char **argv)
{
    if (argc < 2) {
        ee_putline("e-[db needs a subcommand: load N, print, or hex data]");
        return;
    }
    if (ee_streq(argv[1], "load")) {
        if (argc < 3) {
            ee_putline("e-[db load needs a byte count: db load N]");
            return;
        }
        if (!reject_extra(argc, argv, 3)) {
            db_load(argv[2]);
        }
        return;
    }
    if (ee_streq(argv[1], "print")) {
        if (!reject_extra(argc, argv, 2)) {
            db_print();
        }
        return;
    }
    if (!reject_extra(argc, argv, 2)) {
        db_data(argv[1]);
    }
}

/* ---------------------------------------------------------------- infer */

/* The order below is the one the runners time against: load the input, W untimed warm-ups,
 * then a timestamp, N timed inferences, a timestamp, and the results. */
static void ee_infer(uint32_t n, uint32_t warmup)
{
    uint32_t i;
    th_load_tensor();
    ee_puts("m-warmup-start-");
    ee_put_u32(warmup);
    ee_newline();
    for (i = 0; i < warmup; i++) {
        th_infer();
    }
    ee_putline("m-warmup-done");
    ee_puts("m-infer-start-");
    ee_put_u32(n);
    ee_newline();
    th_timestamp();
    for (i = 0; i < n; i++) {
        th_infer();
    }
    th_timestamp();
    ee_putline("m-infer-done");
    th_results();
}

static void infer_command(int argc, char **argv)
{
    /* EEMBC defaults when arguments are omitted: one inference after ten warm-ups. */
    int32_t n = 1;
    int32_t w = 10;
    size_t need = th_db_bytes_needed();

    if (reject_extra(argc, argv, 3)) {
        return;
    }
    if (argc >= 2 && parse_int(argv[1], &n) != 0) {
        error_quoted("Invalid inference count ", argv[1], "");
        return;
    }
    if (n <= 0) {
        ee_putline("e-[Inference iterations must be >0]");
        return;
    }
    if (argc >= 3 && parse_int(argv[2], &w) != 0) {
        error_quoted("Invalid warmup count ", argv[2], "");
        return;
    }
    if (w < 0) {
        ee_putline("e-[Inference warmup must be >=0]");
        return;
    }
    if (db_pos < need) {
        ee_puts("e-[Input incomplete: ");
        ee_put_u32((uint32_t)db_pos);
        ee_puts(" of ");
        ee_put_u32((uint32_t)need);
        ee_putline(" bytes loaded; send db load and the data first]");
        return;
    }
    ee_infer((uint32_t)n, (uint32_t)w);
}

/* ---------------------------------------------------------------- dispatch */

static void help_command(void)
{
    ee_putline(EE_FW_VERSION);
    ee_putline("help          this text");
    ee_putline("name          device name");
    ee_putline("profile       firmware version and model id");
    ee_putline("timestamp     print the microsecond counter");
    ee_putline("db load N     start loading an N-byte input");
    ee_putline("db HEX        append bytes (two hex digits each) to the input");
    ee_putline("db print      dump the loaded bytes");
    ee_putline("infer N W     W warm-up inferences, then N timed ones (defaults N=1, W=10)");
    ee_putline("results       print the last results");
}

void ee_serial_command_parser_callback(char *command)
{
    char *argv[MAX_TOKENS + 1];
    int argc = 0;
    char *p = command;

    /* Split on runs of spaces; keep at most MAX_TOKENS + 1 so an extra argument can be named. */
    while (*p != '\0' && argc <= MAX_TOKENS) {
        while (*p == ' ') {
            *p++ = '\0';
        }
        if (*p == '\0') {
            break;
        }
        argv[argc++] = p;
        while (*p != '\0' && *p != ' ') {
            p++;
        }
    }

    if (argc == 0) {
        ee_putline("e-[Empty command]");
    } else if (ee_streq(argv[0], "name")) {
        if (!reject_extra(argc, argv, 1)) {
            ee_putline("m-name-" EE_DEVICE_NAME "-[" TH_VENDOR_NAME_STRING "]");
        }
    } else if (ee_streq(argv[0], "profile")) {
        if (!reject_extra(argc, argv, 1)) {
            ee_putline("m-profile-[" EE_FW_VERSION "]");
            ee_puts("m-model-[");
            ee_puts(th_model_id());
            ee_putline("]");
        }
    } else if (ee_streq(argv[0], "help")) {
        if (!reject_extra(argc, argv, 1)) {
            help_command();
        }
    } else if (ee_streq(argv[0], "timestamp")) {
        if (!reject_extra(argc, argv, 1)) {
            th_timestamp();
        }
    } else if (ee_streq(argv[0], "db")) {
        db_command(argc, argv);
    } else if (ee_streq(argv[0], "infer")) {
        infer_command(argc, argv);
    } else if (ee_streq(argv[0], "results")) {
        if (!reject_extra(argc, argv, 1)) {
            th_results();
        }
    } else {
        ee_puts("e-[Unknown command: ");
        ee_puts(argv[0]);
        ee_putline("]");
    }
    ee_ready();
}

void ee_serial_callback(char c)
{
    if (!parser_enabled || c == '\r' || c == '\n' || c == '\0') {
        return;
    }
    if (c == '%') {
        cmd_buf[cmd_len] = '\0';
        if (cmd_too_long) {
            ee_puts("e-[Command too long: more than ");
            ee_put_u32(EE_CMD_SIZE);
            ee_putline(" characters before '%']");
            ee_ready();
        } else {
            ee_serial_command_parser_callback(cmd_buf);
        }
        cmd_len = 0;
        cmd_too_long = 0;
        return;
    }
    if (cmd_len < EE_CMD_SIZE) {
        cmd_buf[cmd_len++] = c;
    } else {
        cmd_too_long = 1;
    }
}

void ee_benchmark_initialize(void)
{
    ee_putline("m-timestamp-mode-performance");
    th_timestamp();
    (void)th_final_initialize();
    ee_putline("m-init-done");
    parser_enabled = 1;
    ee_ready();
}
