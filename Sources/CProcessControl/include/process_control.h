// Process controls Swift cannot call directly (prctl is variadic, mallopt undeclared) or should not (exec).
#ifndef EXP_PROCESS_CONTROL_H
#define EXP_PROCESS_CONTROL_H

/// Asks the kernel to SIGKILL this process when its parent dies (Linux PR_SET_PDEATHSIG), so a
/// worker never outlives a coordinator killed with kill -9. Returns 0 on success, -1 where the
/// platform has no such control.
int exp_die_with_parent(void);

/// Replaces this process by a fresh run of the same executable with the same arguments and the
/// environment as it now is. Returns -1 when the exec failed (the process goes on as it was).
int exp_reexec(char *const argv[]);

/// Keeps freed memory in the process for the next training step (glibc's mallopt, which Swift's
/// Glibc module does not declare): blocks up to 32 MiB, glibc's largest threshold, come from the
/// heap instead of mmap, and freed heap memory is not given back to the kernel.
///
/// Each training step allocates its activations and gradients afresh, most of them 0.1-8 MB.
/// Served by mmap, or trimmed from the heap's top, every 4 KB page a step writes costs a page
/// fault and the kernel's zeroing of it: page faults took 1.5% of the 64x64 HA-GAN training step,
/// 0.5% with this, and the step ran 1% faster (`exp bench train`, 1 thread, interleaved runs, AMD
/// EPYC). What the process keeps is memory it already used. Returns 0 on success, -1 where the C
/// library has no such settings.
int exp_keep_freed_memory(void);

#endif
