/* Stub "model" for host protocol tests ONLY - not a neural network. It lets the tests predict
 * every output exactly:
 *   ad01:   output = input (an identity autoencoder), so the reported MSE is pure quantization
 *           error of the float features;
 *   others: output[i] = (int8)(sum of inputs + 37 * i), wrapping modulo 256.
 * It also counts invocations so warm-ups and timed runs are observable (stub_invocations). */
#include "model.h"

static int8_t input[TS_MODEL_INPUT_SIZE];
static int8_t output[TS_MODEL_OUTPUT_SIZE];
unsigned long stub_invocations;

int8_t *ts_model_input(void)
{
    return input;
}

int8_t *ts_model_output(void)
{
    return output;
}

void ts_model_invoke(void)
{
    unsigned i;
    stub_invocations++;
#if defined(STUB_AD01)
    for (i = 0; i < TS_MODEL_OUTPUT_SIZE; i++) {
        output[i] = input[i];
    }
#else
    {
        long sum = 0;
        for (i = 0; i < TS_MODEL_INPUT_SIZE; i++) {
            sum += input[i];
        }
        for (i = 0; i < TS_MODEL_OUTPUT_SIZE; i++) {
            output[i] = (int8_t)(uint8_t)((unsigned long)(sum + 37L * (long)i) & 0xffu);
        }
    }
#endif
}
