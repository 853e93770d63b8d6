// The engine's inner loops that are C, not Swift (NN/Im2col.swift, NN/BatchNorm.swift).
//
// They are C for their vectors. A stride-2 window row of im2col is the even lanes of a load twice
// its length, and clang's __builtin_shufflevector makes that one permute; Swift's SIMD types, built
// for the baseline x86-64 target, gave 4-wide code, and built for AVX-512 assembled the lanes one
// by one: for the 64x64 HA-GAN layer G.enc1, im2col of a batch of 64 took 2.4 ms in Swift
// (`exp bench engine`), 1.66 ms here, and 0.85 ms with the row length a constant (timed alone; AMD
// EPYC, AVX-512). BatchNorm's backward pass needs two sums per channel; Swift, asked to
// make both in one pass, gave code twice as slow as two passes (BatchNorm 6.5% of the GAN step
// became 15.7%).
//
// Each kernel is compiled for SSE2 (the x86-64 baseline, and any other CPU), AVX2 and AVX-512, and
// the widest the CPU has runs. All give the same bits as each other and as the Swift loops they
// replace: no fused multiply-add, and every sum in the order of those loops.
#ifndef EXP_KERNELS_H
#define EXP_KERNELS_H

/// The geometry of one 2-D convolution window (Swift's `ConvGeometry`).
typedef struct {
    long channels, height, width;
    long kernelH, kernelW, strideH, strideW, padH, padW;
    long outH, outW;
} exp_conv_geometry;

/// Floats of the zero-bordered scratch plane the two functions below need: (H + 2 padH) rows of
/// (W + 2 padW), plus slack for a vector load past the last row.
long exp_padded_plane_size(exp_conv_geometry g);

/// im2col for one channel `x` [H, W] of one image: row r = kh * KW + kw of the window rows goes to
/// col + r * rowStride, output row y at + y * OW. `plane` is scratch of `exp_padded_plane_size`
/// floats whose border must be zero (it stays zero: only the inside is written).
void exp_im2col_channel(const float *x, exp_conv_geometry g, float *plane, float *col, long rowStride);

/// col2im for one channel: the window rows at `col` (laid out as `exp_im2col_channel` writes
/// them) are summed into `plane` (zeroed here first), kernel offsets in row order, and the inside
/// of the plane is added to `x` [H, W], or written into it when `overwrite` is non-zero.
void exp_col2im_channel(const float *col, long rowStride, exp_conv_geometry g, float *plane, float *x, int overwrite);

/// The rectifier after a BatchNorm: none, ReLU, or LeakyReLU with its slope.
typedef struct {
    int kind; /* 0 none, 1 ReLU, 2 LeakyReLU */
    float slope;
} exp_rectifier;

/// One channel of a batch-norm layer: `count` runs of `length` values, `stride` apart, with its
/// mean, 1 / sqrt(var + eps), gamma and beta.
typedef struct {
    long count, length, stride;
    float mean, istd, gamma, beta;
} exp_norm_channel;

/// BatchNorm forward for one channel: y = act(gamma * ((x - mean) * istd) + beta).
void exp_batchnorm_forward_channel(const float *x, float *y, exp_norm_channel c, exp_rectifier act);

/// BatchNorm backward for one channel, the rectifier's derivative taken at the recomputed output:
/// g = dy * act'(y), sums[0] = sum g, sums[1] = sum g * xhat (each in four interleaved partial
/// sums, as Swift's `Lanes`), then dx = k * (m * g - sums[0] - xhat * sums[1]) with
/// k = gamma * istd / m in train mode (`train` non-zero, m the channel's value count), or
/// dx = gamma * istd * g in eval mode.
void exp_batchnorm_backward_channel(const float *dy, const float *x, float *dx, exp_norm_channel c, exp_rectifier act,
                                    int train, float *sums);

/// Chooses the instruction set of the kernels: 0 the baseline, 1 AVX2, 2 AVX-512; a level the CPU
/// lacks, or -1, gives the widest it has. Returns the level now in use. (Tests run every level;
/// all give the same bits.) Not to be called while a kernel runs.
int exp_kernels_set_level(int level);

/// The instruction set in use (the widest the CPU has, chosen on first use, unless set).
int exp_kernel_level(void);

/// The CPU as cpuid names it, for provenance and the numerics mode.
typedef struct {
    char vendor[13];        ///< "AuthenticAMD", "GenuineIntel", ...; "" where cpuid is missing
    char brand[49];         ///< the processor brand string, "" where absent
    int family, model;      ///< display family and model (base plus extended)
    int avx2, fma, avx512;  ///< 1 when the CPU has AVX2, FMA, AVX-512 (F, BW, DQ, VL)
} exp_cpu_identity;

/// Fills `out` from cpuid (zeros and empty strings on other architectures).
void exp_cpu_identify(exp_cpu_identity *out);

#endif
