/* The model API the harness uses (th_load_tensor, th_infer, th_results).
 *
 * A model is compiled to C by tinysim.compiler; its generated model.h includes
 * this file and adds the constants:
 *   TS_MODEL_ID                 string
 *   TS_MODEL_INPUT_SIZE         bytes of the int8 input tensor
 *   TS_MODEL_OUTPUT_SIZE        bytes of the int8 output tensor
 *   TS_MODEL_INPUT_SCALE        float, real = scale * (q - zero_point)
 *   TS_MODEL_INPUT_ZERO_POINT
 *   TS_MODEL_OUTPUT_SCALE
 *   TS_MODEL_OUTPUT_ZERO_POINT
 *   TS_MODEL_MACS               multiply-accumulates of one inference
 *   TS_MODEL_ARENA_BYTES        static SRAM arena (activations and scratch)
 */
#ifndef TINYSIM_MODEL_H
#define TINYSIM_MODEL_H

#include <stdint.h>

/* Where to write the input before ts_model_invoke(). ts_model_invoke() does not
 * modify it, so one loaded input can be run any number of times. */
int8_t *ts_model_input(void);
/* Where the output is after ts_model_invoke(). */
int8_t *ts_model_output(void);
/* Run one inference, op by op, in the compiled static schedule. */
void ts_model_invoke(void);

#ifdef TS_MODEL_TRACE
/* Debug builds only: called after each op with that op's output tensor
 * (op_index is the operator's index in the .tflite subgraph). */
void ts_model_trace(int op_index, const int8_t *data, uint32_t size);
#endif

#endif /* TINYSIM_MODEL_H */
