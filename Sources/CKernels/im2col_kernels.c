// im2col and col2im for one channel of one image (include/kernels.h). Every variant gives the
// same bits: the vector paths only move values, or add each one once, in the order of the scalar loop.
#include "kernels.h"
#include "kernel_support.h"

static const long slack = 32;

long exp_padded_plane_size(exp_conv_geometry g) {
    return (g.height + 2 * g.padH) * (g.width + 2 * g.padW) + slack;
}

// d[j] = s[stride * j] for j < n. For stride 2, a load of 2k values keeps its even lanes, so it
// reads up to s[2n - 1]: one value past a window row that ends at its plane row's last value.
INLINE void copy_strided(const float *s, long stride, float *d, long n) {
    long j = 0;
    if (stride == 1) {
        for (; j + 16 <= n; j += 16) STORE(d + j, LOAD(v16, s + j));
        for (; j + 4 <= n; j += 4) STORE(d + j, LOAD(v4, s + j));
    } else if (stride == 2) {
        for (; j + 16 <= n; j += 16) {
            v32 v = LOAD(v32, s + 2 * j);
            STORE(d + j, __builtin_shufflevector(v, v, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30));
        }
        if (j + 8 <= n) {
            v16 v = LOAD(v16, s + 2 * j);
            STORE(d + j, __builtin_shufflevector(v, v, 0, 2, 4, 6, 8, 10, 12, 14));
            j += 8;
        }
        if (j + 4 <= n) {
            v8 v = LOAD(v8, s + 2 * j);
            STORE(d + j, __builtin_shufflevector(v, v, 0, 2, 4, 6));
            j += 4;
        }
    }
    for (; j < n; j++) d[j] = s[stride * j];
}

// d[stride * j] += s[j] for j < n. For stride 2, 2k values of d are loaded, their even lanes
// added to, and all stored back (the odd lanes unchanged), up to d[2n - 1].
INLINE void add_strided(const float *s, long stride, float *d, long n) {
    long j = 0;
    if (stride == 1) {
        for (; j + 16 <= n; j += 16) STORE(d + j, LOAD(v16, d + j) + LOAD(v16, s + j));
        for (; j + 4 <= n; j += 4) STORE(d + j, LOAD(v4, d + j) + LOAD(v4, s + j));
    } else if (stride == 2) {
        for (; j + 16 <= n; j += 16) {
            v32 v = LOAD(v32, d + 2 * j);
            v16 even = __builtin_shufflevector(v, v, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30) + LOAD(v16, s + j);
            v16 odd = __builtin_shufflevector(v, v, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
            STORE(d + 2 * j, __builtin_shufflevector(even, odd, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23,
                                                     8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
        }
        if (j + 8 <= n) {
            v16 v = LOAD(v16, d + 2 * j);
            v8 even = __builtin_shufflevector(v, v, 0, 2, 4, 6, 8, 10, 12, 14) + LOAD(v8, s + j);
            v8 odd = __builtin_shufflevector(v, v, 1, 3, 5, 7, 9, 11, 13, 15);
            STORE(d + 2 * j, __builtin_shufflevector(even, odd, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
            j += 8;
        }
        if (j + 4 <= n) {
            v8 v = LOAD(v8, d + 2 * j);
            v4 even = __builtin_shufflevector(v, v, 0, 2, 4, 6) + LOAD(v4, s + j);
            v4 odd = __builtin_shufflevector(v, v, 1, 3, 5, 7);
            STORE(d + 2 * j, __builtin_shufflevector(even, odd, 0, 4, 1, 5, 2, 6, 3, 7));
            j += 4;
        }
    }
    for (; j < n; j++) d[stride * j] += s[j];
}

// The window rows of one padded plane into the column matrix, and back (summed into the plane).
INLINE void copy_window_rows(const float *plane, exp_conv_geometry g, float *col, long rowStride, long sw, long ow) {
    const long pw = g.width + 2 * g.padW;
    float *row = col;
    for (long kh = 0; kh < g.kernelH; kh++) {
        for (long kw = 0; kw < g.kernelW; kw++, row += rowStride) {
            const float *s = plane + kh * pw + kw;
            for (long y = 0; y < g.outH; y++) copy_strided(s + y * g.strideH * pw, sw, row + y * ow, ow);
        }
    }
}

INLINE void add_window_rows(const float *col, long rowStride, exp_conv_geometry g, float *plane, long sw, long ow) {
    const long pw = g.width + 2 * g.padW;
    const float *row = col;
    for (long kh = 0; kh < g.kernelH; kh++) {
        for (long kw = 0; kw < g.kernelW; kw++, row += rowStride) {
            float *d = plane + kh * pw + kw;
            for (long y = 0; y < g.outH; y++) add_strided(row + y * ow, sw, d + y * g.strideH * pw, ow);
        }
    }
}

// Stride 2 with rows of 4, 8, 16 or 32 outputs (every layer of the 64x64 HA-GAN) gets a copy of
// the loops with both constant: im2col of the layer G.enc1 took 0.85 ms per batch of 64 instead of
// 1.66, col2im 1.61 instead of 1.86 (timed alone; AMD EPYC, AVX-512).
#define WITH_CONSTANT_ROWS(g, call)                                                 \
    if ((g).strideW == 2) {                                                         \
        switch ((g).outW) {                                                         \
        case 4: call(2, 4); break;                                                  \
        case 8: call(2, 8); break;                                                  \
        case 16: call(2, 16); break;                                                \
        case 32: call(2, 32); break;                                                \
        default: call((g).strideW, (g).outW);                                       \
        }                                                                           \
    } else {                                                                        \
        call((g).strideW, (g).outW);                                                \
    }

INLINE void im2col_channel(const float *x, exp_conv_geometry g, float *plane, float *col, long rowStride) {
    const long pw = g.width + 2 * g.padW;
    for (long y = 0; y < g.height; y++) copy_strided(x + y * g.width, 1, plane + (y + g.padH) * pw + g.padW, g.width);
#define COPY(sw, ow) copy_window_rows(plane, g, col, rowStride, sw, ow)
    WITH_CONSTANT_ROWS(g, COPY)
#undef COPY
}

INLINE void col2im_channel(const float *col, long rowStride, exp_conv_geometry g, float *plane, float *x, int overwrite) {
    const long pw = g.width + 2 * g.padW;
    memset(plane, 0, sizeof(float) * (size_t)exp_padded_plane_size(g));
#define ADD(sw, ow) add_window_rows(col, rowStride, g, plane, sw, ow)
    WITH_CONSTANT_ROWS(g, ADD)
#undef ADD
    for (long y = 0; y < g.height; y++) {
        const float *s = plane + (y + g.padH) * pw + g.padW;
        if (overwrite) copy_strided(s, 1, x + y * g.width, g.width);
        else add_strided(s, 1, x + y * g.width, g.width);
    }
}

// One copy of the two kernels per instruction set.
#define VARIANTS(suffix, attributes)                                                                      \
    attributes static void im2col_##suffix(const float *x, exp_conv_geometry g, float *plane, float *col, \
                                           long rowStride) {                                              \
        im2col_channel(x, g, plane, col, rowStride);                                                      \
    }                                                                                                     \
    attributes static void col2im_##suffix(const float *col, long rowStride, exp_conv_geometry g,        \
                                           float *plane, float *x, int overwrite) {                       \
        col2im_channel(col, rowStride, g, plane, x, overwrite);                                           \
    }

VARIANTS(baseline, BASELINE_TARGET)
#if defined(__x86_64__)
VARIANTS(avx2, AVX2_TARGET)
VARIANTS(avx512, AVX512_TARGET)
#endif

void exp_im2col_channel(const float *x, exp_conv_geometry g, float *plane, float *col, long rowStride) {
    switch (exp_kernel_level()) {
#if defined(__x86_64__)
    case 2: im2col_avx512(x, g, plane, col, rowStride); return;
    case 1: im2col_avx2(x, g, plane, col, rowStride); return;
#endif
    default: im2col_baseline(x, g, plane, col, rowStride);
    }
}

void exp_col2im_channel(const float *col, long rowStride, exp_conv_geometry g, float *plane, float *x, int overwrite) {
    switch (exp_kernel_level()) {
#if defined(__x86_64__)
    case 2: col2im_avx512(col, rowStride, g, plane, x, overwrite); return;
    case 1: col2im_avx2(col, rowStride, g, plane, x, overwrite); return;
#endif
    default: col2im_baseline(col, rowStride, g, plane, x, overwrite);
    }
}
