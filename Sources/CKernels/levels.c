// The choice of instruction set for every kernel (include/kernels.h, exp_kernels_set_level).
#include "kernels.h"
#include "kernel_support.h"
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

static int best_level(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")
        && __builtin_cpu_supports("avx512vl")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
    return 0;
}

// -1 until first use; then the level in use.
static int level = -1;

int exp_kernels_set_level(int wanted) {
    int best = best_level();
    int chosen = wanted < 0 || wanted > best ? best : wanted;
    __atomic_store_n(&level, chosen, __ATOMIC_RELAXED);
    return chosen;
}

int exp_kernel_level(void) {
    int l = __atomic_load_n(&level, __ATOMIC_RELAXED);
    return l >= 0 ? l : exp_kernels_set_level(-1);
}

void exp_cpu_identify(exp_cpu_identity *out) {
    memset(out, 0, sizeof *out);
#if defined(__x86_64__)
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return;
    memcpy(out->vendor, &b, 4);
    memcpy(out->vendor + 4, &d, 4);
    memcpy(out->vendor + 8, &c, 4);
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        int base = (a >> 8) & 0xF, ext = (a >> 20) & 0xFF, model = (a >> 4) & 0xF, extModel = (a >> 16) & 0xF;
        out->family = base == 0xF ? base + ext : base;
        out->model = base == 0x6 || base == 0xF ? (extModel << 4) + model : model;
    }
    if (__get_cpuid(0x80000000, &a, &b, &c, &d) && a >= 0x80000004) {
        for (unsigned i = 0; i < 3; i++) {
            unsigned r[4];
            __get_cpuid(0x80000002 + i, &r[0], &r[1], &r[2], &r[3]);
            memcpy(out->brand + 16 * i, r, 16);
        }
    }
    __builtin_cpu_init();
    out->avx2 = __builtin_cpu_supports("avx2") != 0;
    out->fma = __builtin_cpu_supports("fma") != 0;
    out->avx512 = best_level() == 2;
#endif
}
