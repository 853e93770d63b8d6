#include "process_control.h"

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
