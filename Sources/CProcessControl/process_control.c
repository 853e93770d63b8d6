#include "process_control.h"

#include <stdlib.h>
#include <unistd.h>

int exp_reexec_with_environment(const char *name, const char *value, char *const argv[]) {
    if (getenv(name) != NULL) return 0;
    if (setenv(name, value, 1) != 0) return -1;
#ifdef __linux__
    execv("/proc/self/exe", argv);
#endif
    return -1;
}

#ifdef __linux__
#include <signal.h>
#include <sys/prctl.h>

int exp_die_with_parent(void) {
    return prctl(PR_SET_PDEATHSIG, SIGKILL);
}
#else
int exp_die_with_parent(void) {
    return -1;
}
#endif
