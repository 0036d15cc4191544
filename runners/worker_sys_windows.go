package runners

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// sysProcAttr has no process groups to set up on Windows.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// killGroup kills the worker process; on Windows what it started survives.
func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill worker %d: %w", cmd.Process.Pid, err)
	}
	return nil
}

// exitDescription says how a worker process ended, for a crash record.
func exitDescription(st *os.ProcessState) string {
	if st == nil {
		return "worker exited"
	}
	return fmt.Sprintf("worker exited with code %d", st.ExitCode())
}
