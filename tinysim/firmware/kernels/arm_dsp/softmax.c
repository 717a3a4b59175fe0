/* No DSP-specific version: the portable reference is used as is. */
#include "../reference/softmax.c"
