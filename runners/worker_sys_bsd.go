//go:build unix && !linux

package runners

import "syscall"

// setParentDeathSignal does nothing where the kernel has no parent-death
// signal; Close and context cancellation still kill the worker's group.
func setParentDeathSignal(*syscall.SysProcAttr) {}
