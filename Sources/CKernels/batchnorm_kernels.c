// BatchNorm forward and backward for one channel (include/kernels.h), as NN/BatchNorm.swift's
// loops: the same expressions, evaluated in the same order (no fused multiply-add, see
// kernel_support.h), and the backward sums in Swift's `Lanes` order: lane l of a 4-wide
// accumulator takes the values j = l mod 4 of every run, a run's last (length mod 4) values go to
// lane 0, and the total is (lane 0 + lane 1) + (lane 2 + lane 3).
#include "kernels.h"
#include "kernel_support.h"

INLINE v16 select16(i16 mask, v16 yes, v16 no) { return (v16)(((i16)yes & mask) | ((i16)no & ~mask)); }
INLINE v4 select4(i4 mask, v4 yes, v4 no) { return (v4)(((i4)yes & mask) | ((i4)no & ~mask)); }

// act(v): v; v > 0 ? v : 0; v > 0 ? v : slope * v.
INLINE v16 value16(v16 v, exp_rectifier act) {
    switch (act.kind) {
    case 1: return select16(v > 0, v, (v16)0);
    case 2: return select16(v > 0, v, act.slope * v);
    default: return v;
    }
}

INLINE float value1(float v, exp_rectifier act) {
    switch (act.kind) {
    case 1: return v > 0 ? v : 0;
    case 2: return v > 0 ? v : act.slope * v;
    default: return v;
    }
}

// act'(v): 1; v > 0 ? 1 : 0; v > 0 ? 1 : slope.
INLINE v4 slope4(v4 v, exp_rectifier act) {
    switch (act.kind) {
    case 1: return select4(v > 0, (v4)1, (v4)0);
    case 2: return select4(v > 0, (v4)1, (v4)act.slope);
    default: return (v4)1;
    }
}

INLINE v16 slope16(v16 v, exp_rectifier act) {
    switch (act.kind) {
    case 1: return select16(v > 0, (v16)1, (v16)0);
    case 2: return select16(v > 0, (v16)1, (v16)act.slope);
    default: return (v16)1;
    }
}

INLINE float slope1(float v, exp_rectifier act) {
    switch (act.kind) {
    case 1: return v > 0 ? 1 : 0;
    case 2: return v > 0 ? 1 : act.slope;
    default: return 1;
    }
}

INLINE void forward_channel(const float *x, float *y, exp_norm_channel c, exp_rectifier act) {
    const float mu = c.mean, inv = c.istd, gm = c.gamma, bt = c.beta;
    for (long i = 0; i < c.count; i++) {
        const float *xi = x + i * c.stride;
        float *yi = y + i * c.stride;
        long j = 0;
        for (; j + 16 <= c.length; j += 16) STORE(yi + j, value16(gm * ((LOAD(v16, xi + j) - mu) * inv) + bt, act));
        for (; j < c.length; j++) yi[j] = value1(gm * ((xi[j] - mu) * inv) + bt, act);
    }
}

INLINE void backward_channel(const float *dy, const float *x, float *dx, exp_norm_channel c, exp_rectifier act,
                             int train, float *sums) {
    const float mu = c.mean, inv = c.istd, gm = c.gamma, bt = c.beta;
    v4 sumG = 0, sumGH = 0;
    for (long i = 0; i < c.count; i++) {
        const float *dyi = dy + i * c.stride, *xi = x + i * c.stride;
        long j = 0;
        for (; j + 4 <= c.length; j += 4) {
            v4 h = (LOAD(v4, xi + j) - mu) * inv;
            v4 g = LOAD(v4, dyi + j) * slope4(gm * h + bt, act);
            sumG += g;
            sumGH += g * h;
        }
        for (; j < c.length; j++) {
            float h = (xi[j] - mu) * inv;
            float g = dyi[j] * slope1(gm * h + bt, act);
            sumG.x += g;
            sumGH.x += g * h;
        }
    }
    const float sd = (sumG.x + sumG.y) + (sumG.z + sumG.w), sh = (sumGH.x + sumGH.y) + (sumGH.z + sumGH.w);
    sums[0] = sd;
    sums[1] = sh;
    const float m = (float)(c.count * c.length);
    const float k = train ? gm * inv / m : gm * inv;
    for (long i = 0; i < c.count; i++) {
        const float *dyi = dy + i * c.stride, *xi = x + i * c.stride;
        float *dxi = dx + i * c.stride;
        long j = 0;
        if (train) {
            for (; j + 16 <= c.length; j += 16) {
                v16 h = (LOAD(v16, xi + j) - mu) * inv;
                v16 g = LOAD(v16, dyi + j) * slope16(gm * h + bt, act);
                STORE(dxi + j, k * (m * g - sd - h * sh));
            }
            for (; j < c.length; j++) {
                float h = (xi[j] - mu) * inv;
                dxi[j] = k * (m * (dyi[j] * slope1(gm * h + bt, act)) - sd - h * sh);
            }
        } else {
            for (; j + 16 <= c.length; j += 16) {
                v16 h = (LOAD(v16, xi + j) - mu) * inv;
                STORE(dxi + j, k * (LOAD(v16, dyi + j) * slope16(gm * h + bt, act)));
            }
            for (; j < c.length; j++) {
                float h = (xi[j] - mu) * inv;
                dxi[j] = k * (dyi[j] * slope1(gm * h + bt, act));
            }
        }
    }
}

#define VARIANTS(suffix, attributes)                                                                              \
    attributes static void forward_##suffix(const float *x, float *y, exp_norm_channel c, exp_rectifier act) {   \
        forward_channel(x, y, c, act);                                                                            \
    }                                                                                                             \
    attributes static void backward_##suffix(const float *dy, const float *x, float *dx, exp_norm_channel c,     \
                                             exp_rectifier act, int train, float *sums) {                         \
        backward_channel(dy, x, dx, c, act, train, sums);                                                         \
    }

VARIANTS(baseline, BASELINE_TARGET)
#if defined(__x86_64__)
VARIANTS(avx2, AVX2_TARGET)
VARIANTS(avx512, AVX512_TARGET)
#endif

void exp_batchnorm_forward_channel(const float *x, float *y, exp_norm_channel c, exp_rectifier act) {
    switch (exp_kernel_level()) {
#if defined(__x86_64__)
    case 2: forward_avx512(x, y, c, act); return;
    case 1: forward_avx2(x, y, c, act); return;
#endif
    default: forward_baseline(x, y, c, act);
    }
}

void exp_batchnorm_backward_channel(const float *dy, const float *x, float *dx, exp_norm_channel c, exp_rectifier act,
                                    int train, float *sums) {
    switch (exp_kernel_level()) {
#if defined(__x86_64__)
    case 2: backward_avx512(dy, x, dx, c, act, train, sums); return;
    case 1: backward_avx2(dy, x, dx, c, act, train, sums); return;
#endif
    default: backward_baseline(dy, x, dx, c, act, train, sums);
    }
}
