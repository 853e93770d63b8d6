// Process controls Swift cannot call directly (prctl is variadic) or should not (exec).
#ifndef EXP_PROCESS_CONTROL_H
#define EXP_PROCESS_CONTROL_H

/// Asks the kernel to SIGKILL this process when its parent dies (Linux PR_SET_PDEATHSIG), so a
/// worker never outlives a coordinator killed with kill -9. Returns 0 on success, -1 where the
/// platform has no such control.
int exp_die_with_parent(void);

/// When the environment variable `name` is unset: sets it to `value` and replaces this process by
/// a fresh run of the same executable with the same arguments (for settings a library reads only
/// when it is loaded). Returns 0 when the variable was already set; -1 when the exec failed, in
/// which case the process goes on as it was, with the variable set.
int exp_reexec_with_environment(const char *name, const char *value, char *const argv[]);

#endif
