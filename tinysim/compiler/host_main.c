/* Host test driver for a generated model (built by tinysim.compiler.hostrun).
 *
 * Reads TS_MODEL_INPUT_SIZE bytes from stdin per inference until EOF and writes
 * TS_MODEL_OUTPUT_SIZE bytes to stdout for each.
 *   host_main TRACE_FILE   also appends every op's output to TRACE_FILE as records
 *                          int32 op_index, uint32 size, size bytes (needs -DTS_MODEL_TRACE)
 *   host_main -r N         invokes N times per loaded input, as the harness's
 *                          "infer N" does, and writes the last output
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

static FILE *trace_file;

void ts_model_trace(int op_index, const int8_t *data, uint32_t size)
{
    if (trace_file) {
        int32_t idx = op_index;
        fwrite(&idx, sizeof idx, 1, trace_file);
        fwrite(&size, sizeof size, 1, trace_file);
        fwrite(data, 1, size, trace_file);
    }
}

int main(int argc, char **argv)
{
    static int8_t buf[TS_MODEL_INPUT_SIZE];
    int repeat = 1;
    if (argc > 2 && strcmp(argv[1], "-r") == 0) {
        repeat = atoi(argv[2]);
    } else if (argc > 1 && !(trace_file = fopen(argv[1], "wb"))) {
        perror(argv[1]);
        return 1;
    }
    while (fread(buf, 1, sizeof buf, stdin) == sizeof buf) {
        memcpy(ts_model_input(), buf, sizeof buf);
        for (int i = 0; i < repeat; i++) {
            ts_model_invoke();
        }
        fwrite(ts_model_output(), 1, TS_MODEL_OUTPUT_SIZE, stdout);
    }
    if (trace_file) {
        fclose(trace_file);
    }
    return 0;
}
