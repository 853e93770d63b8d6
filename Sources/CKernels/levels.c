// The choice of instruction set for every kernel (include/kernels.h, exp_kernels_set_level).
#include "kernels.h"
#include "kernel_support.h"

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
