// The inner loops of im2col and col2im (NN/Im2col.swift), for one channel of one image.
//
// They are C, not Swift, for one reason: vector shuffles. A stride-2 window row is the even lanes
// of a load twice its length, and clang's __builtin_shufflevector makes that one permute. Swift's SIMD types,
// built for the baseline x86-64 target, gave 4-wide code, and built for AVX-512 assembled the
// lanes one by one: the 64x64 HA-GAN layer G.enc1 took 2.4 ms per batch of 64 for im2col in
// Swift, 0.76 ms here (AMD EPYC, AVX-512). Each kernel is compiled three times, for SSE2 (the
// x86-64 baseline, and any other CPU), AVX2 and AVX-512, and the widest the CPU has runs.
#ifndef EXP_CONV_KERNELS_H
#define EXP_CONV_KERNELS_H

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

/// Chooses the instruction set of the kernels: 0 the baseline, 1 AVX2, 2 AVX-512; a level the CPU
/// lacks, or -1, gives the widest it has. Returns the level now in use. (Tests run every level;
/// all give the same bits.) Not to be called while a kernel runs.
int exp_conv_kernels_set_level(int level);

#endif
