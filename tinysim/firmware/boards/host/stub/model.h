/* A stand-in for the compiler's generated model.h, ONLY for testing the DUT protocol on the
 * host (boards/host). It is not a neural network: see stub_model.c. Pick the workload shape with
 * -DSTUB_KWS01 (default), -DSTUB_VWW01, -DSTUB_IC01 or -DSTUB_AD01. */
#ifndef TINYSIM_STUB_MODEL_H
#define TINYSIM_STUB_MODEL_H

#include "tinysim_model.h"

#if defined(STUB_AD01)
#define TS_MODEL_ID "ad01"
#define TS_INPUT_CONVERSION 2 /* float32_quantize */
#define TS_MODEL_INPUT_SIZE 640
#define TS_MODEL_OUTPUT_SIZE 640
#define TS_MODEL_INPUT_SCALE 0.1f
#define TS_MODEL_INPUT_ZERO_POINT 3
#define TS_MODEL_OUTPUT_SCALE 0.1f
#define TS_MODEL_OUTPUT_ZERO_POINT 3
#elif defined(STUB_VWW01)
#define TS_MODEL_ID "vww01"
#define TS_INPUT_CONVERSION 1 /* uint8_minus_128 */
#define TS_MODEL_INPUT_SIZE 27648
#define TS_MODEL_OUTPUT_SIZE 2
#define TS_MODEL_INPUT_SCALE 0.0078125f
#define TS_MODEL_INPUT_ZERO_POINT -128
#define TS_MODEL_OUTPUT_SCALE 0.00390625f
#define TS_MODEL_OUTPUT_ZERO_POINT -128
#elif defined(STUB_IC01)
#define TS_MODEL_ID "ic01"
#define TS_INPUT_CONVERSION 1 /* uint8_minus_128 */
#define TS_MODEL_INPUT_SIZE 3072
#define TS_MODEL_OUTPUT_SIZE 10
#define TS_MODEL_INPUT_SCALE 0.0078125f
#define TS_MODEL_INPUT_ZERO_POINT -128
#define TS_MODEL_OUTPUT_SCALE 0.00390625f
#define TS_MODEL_OUTPUT_ZERO_POINT -128
#else
#define TS_MODEL_ID "kws01"
#define TS_INPUT_CONVERSION 0 /* int8 */
#define TS_MODEL_INPUT_SIZE 490
#define TS_MODEL_OUTPUT_SIZE 12
#define TS_MODEL_INPUT_SCALE 0.5f
#define TS_MODEL_INPUT_ZERO_POINT -10
#define TS_MODEL_OUTPUT_SCALE 0.00390625f
#define TS_MODEL_OUTPUT_ZERO_POINT -128
#endif

#define TS_MODEL_MACS 0
#define TS_MODEL_ARENA_BYTES 0

#endif
