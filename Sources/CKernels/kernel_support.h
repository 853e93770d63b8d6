// What the kernel files share: vector types, unaligned loads and stores, and the variants of a
// kernel per instruction set with the choice among them (levels.c).
#ifndef EXP_KERNEL_SUPPORT_H
#define EXP_KERNEL_SUPPORT_H

#include <string.h>

// No a * b + c fused into one rounding: the kernels give the bits of the Swift expressions they
// replace, on every instruction set.
#pragma STDC FP_CONTRACT OFF

// The inline helpers take 512-bit vectors by value; they are always inlined, so the calling
// convention the warning is about never applies.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float v4 __attribute__((ext_vector_type(4)));
typedef float v8 __attribute__((ext_vector_type(8)));
typedef float v16 __attribute__((ext_vector_type(16)));
typedef float v32 __attribute__((ext_vector_type(32)));
typedef int i4 __attribute__((ext_vector_type(4)));
typedef int i16 __attribute__((ext_vector_type(16)));
typedef double d4 __attribute__((ext_vector_type(4)));

// Unaligned loads and stores of a whole vector.
#define LOAD(type, p) ({ type v_; memcpy(&v_, (p), sizeof v_); v_; })
#define STORE(p, v) do { __typeof__(v) v_ = (v); memcpy((p), &v_, sizeof v_); } while (0)

#define INLINE static inline __attribute__((always_inline))

// The attributes of each instruction-set variant.
#define BASELINE_TARGET
#if defined(__x86_64__)
#define AVX2_TARGET __attribute__((target("avx2,fma")))
#define AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))
#endif

/// The level the kernels run at: 0 baseline, 1 AVX2, 2 AVX-512 (levels.c).
int exp_kernel_level(void);

#endif
