//go:build unix

package web

import (
	"os/exec"
	"syscall"
)

// ownGroup starts the browser in its own process group, so that killing the
// group takes its GPU, renderer and utility processes with it.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills the process group led by pid.
func killGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}
