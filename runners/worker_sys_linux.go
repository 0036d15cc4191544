package runners

import "syscall"

// setParentDeathSignal makes the kernel kill the worker if hwcov itself dies
// (for example when a CI job is cancelled with SIGKILL), so no worker outlives
// its shard. Whatever the worker started is not covered; Close and context
// cancellation kill the whole group.
func setParentDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
