/* Host test driver for a generated model (built by tinysim.compiler.hostrun).
 *
 * Reads TS_MODEL_INPUT_SIZE bytes from stdin per inference until EOF and writes
 * TS_MODEL_OUTPUT_SIZE bytes to stdout for each. With a file name argument,
 * every op's output is also appended to that file as records
 *   int32 op_index, uint32 size, size bytes
 * (the model must be compiled with -DTS_MODEL_TRACE).
 */
#include <stdio.h>
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
    if (argc > 1 && !(trace_file = fopen(argv[1], "wb"))) {
        perror(argv[1]);
        return 1;
    }
    while (fread(buf, 1, sizeof buf, stdin) == sizeof buf) {
        memcpy(ts_model_input(), buf, sizeof buf);
        ts_model_invoke();
        fwrite(ts_model_output(), 1, TS_MODEL_OUTPUT_SIZE, stdout);
    }
    if (trace_file) {
        fclose(trace_file);
    }
    return 0;
}
