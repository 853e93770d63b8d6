#include "process_control.h"

#include <stdlib.h>
#include <unistd.h>

int exp_reexec(char *const argv[]) {
#ifdef __linux__
    execv("/proc/self/exe", argv);
#endif
    return -1;
}

#ifdef __linux__
#include <signal.h>
#include <sys/prctl.h>
#include <limits.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

int exp_die_with_parent(void) {
    return prctl(PR_SET_PDEATHSIG, SIGKILL);
}
#else
int exp_die_with_parent(void) {
    return -1;
}
#endif

int exp_keep_freed_memory(void) {
#if defined(__GLIBC__)
    int ok = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
    ok = ok && mallopt(M_TRIM_THRESHOLD, INT_MAX) == 1;
    ok = ok && mallopt(M_TOP_PAD, 64 << 20) == 1;
    return ok ? 0 : -1;
#else
    return -1;
#endif
}
