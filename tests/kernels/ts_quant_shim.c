/* Exports the static inline arithmetic of kernels/common for ctypes tests. */
#include "ts_quant.h"
#include "ts_fixedpoint.h"

int32_t shim_srdhm(int32_t a, int32_t b) { return ts_srdhm(a, b); }
int32_t shim_rdbpot(int32_t x, int e) { return ts_rdbpot(x, e); }
int32_t shim_mbqm(int32_t x, int32_t m, int s) { return ts_mbqm(x, m, s); }
int32_t shim_mbqm_r2(int32_t x, int32_t m, int s) { return ts_mbqm_r2(x, m, s); }
int32_t shim_mbqm_single(int32_t x, int32_t m, int s) { return ts_mbqm_single(x, m, s); }
int32_t shim_exp_q5(int32_t a) { return ts_exp_on_negative_values_q5(a); }
int32_t shim_one_over_one_plus_x(int32_t a) { return ts_one_over_one_plus_x(a); }
