// Process controls Swift cannot call directly (prctl is variadic). Used by `exp worker` only.
#ifndef EXP_PROCESS_CONTROL_H
#define EXP_PROCESS_CONTROL_H

/// Asks the kernel to SIGKILL this process when its parent dies (Linux PR_SET_PDEATHSIG), so a
/// worker never outlives a coordinator killed with kill -9. Returns 0 on success, -1 where the
/// platform has no such control.
int exp_die_with_parent(void);

#endif
