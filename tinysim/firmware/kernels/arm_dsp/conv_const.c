/* No DSP version: the spread is byte moves; the live channels go through this port's conv.c. */
#include "../reference/conv_const.c"
