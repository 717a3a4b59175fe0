/* AVERAGE_POOL_2D and MAX_POOL_2D, int8: portable reference.
 * Matches tflite::reference_integer_ops::AveragePool / MaxPool: windows are
 * clipped to the image, the average divides by the number of valid taps and
 * rounds half away from zero. */
#include "../common/ts_kernels.h"

static int ts_min_int(int a, int b) { return a < b ? a : b; }
static int ts_max_int(int a, int b) { return a > b ? a : b; }

void ts_avg_pool(const ts_pool_params *p, const int8_t *in, int8_t *out)
{
    const int c_n = p->c;
    for (int oy = 0; oy < p->out_h; oy++) {
        const int iy0 = oy * p->stride_h - p->pad_top;
        const int ky0 = ts_max_int(0, -iy0), ky1 = ts_min_int(p->k_h, p->in_h - iy0);
        for (int ox = 0; ox < p->out_w; ox++) {
            const int ix0 = ox * p->stride_w - p->pad_left;
            const int kx0 = ts_max_int(0, -ix0), kx1 = ts_min_int(p->k_w, p->in_w - ix0);
            const int count = (ky1 - ky0) * (kx1 - kx0);
            for (int c = 0; c < c_n; c++) {
                int32_t acc = 0;
                for (int ky = ky0; ky < ky1; ky++) {
                    const int8_t *row = in + ((iy0 + ky) * p->in_w + ix0) * c_n + c;
                    for (int kx = kx0; kx < kx1; kx++) {
                        acc += row[kx * c_n];
                    }
                }
                acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                acc = acc < p->act_min ? p->act_min : acc;
                acc = acc > p->act_max ? p->act_max : acc;
                *out++ = (int8_t)acc;
            }
        }
    }
}

void ts_max_pool(const ts_pool_params *p, const int8_t *in, int8_t *out)
{
    const int c_n = p->c;
    for (int oy = 0; oy < p->out_h; oy++) {
        const int iy0 = oy * p->stride_h - p->pad_top;
        const int ky0 = ts_max_int(0, -iy0), ky1 = ts_min_int(p->k_h, p->in_h - iy0);
        for (int ox = 0; ox < p->out_w; ox++) {
            const int ix0 = ox * p->stride_w - p->pad_left;
            const int kx0 = ts_max_int(0, -ix0), kx1 = ts_min_int(p->k_w, p->in_w - ix0);
            for (int c = 0; c < c_n; c++) {
                int32_t m = -128;
                for (int ky = ky0; ky < ky1; ky++) {
                    const int8_t *row = in + ((iy0 + ky) * p->in_w + ix0) * c_n + c;
                    for (int kx = kx0; kx < kx1; kx++) {
                        m = row[kx * c_n] > m ? row[kx * c_n] : m;
                    }
                }
                m = m < p->act_min ? p->act_min : m;
                m = m > p->act_max ? p->act_max : m;
                *out++ = (int8_t)m;
            }
        }
    }
}
