//go:build unix

package runners

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// sysProcAttr puts the worker in a process group of its own, so that killing
// the group also kills whatever the tests started.
func sysProcAttr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(a)
	return a
}

// killGroup sends SIGKILL to the worker's whole process group. A group that is
// already gone is not an error.
func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if err == nil || errors.Is(err, syscall.ESRCH) {
		return nil
	}
	// The group may not exist yet or any more; kill the leader at least.
	if kerr := cmd.Process.Kill(); kerr != nil && !errors.Is(kerr, os.ErrProcessDone) {
		return fmt.Errorf("kill worker group %d: %w", cmd.Process.Pid, err)
	}
	return nil
}

// exitDescription says how a worker process ended, for a crash record.
func exitDescription(st *os.ProcessState) string {
	if st == nil {
		return "worker exited"
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		sig := ws.Signal()
		d := "worker killed by signal " + signalName(sig)
		if sig == syscall.SIGKILL {
			d += " (out of memory?)"
		} else {
			d += " (" + sig.String() + ")"
		}
		if ws.CoreDump() {
			d += ", core dumped"
		}
		return d
	}
	return fmt.Sprintf("worker exited with code %d", st.ExitCode())
}

var signalNames = map[syscall.Signal]string{
	syscall.SIGABRT: "SIGABRT",
	syscall.SIGBUS:  "SIGBUS",
	syscall.SIGFPE:  "SIGFPE",
	syscall.SIGHUP:  "SIGHUP",
	syscall.SIGILL:  "SIGILL",
	syscall.SIGINT:  "SIGINT",
	syscall.SIGKILL: "SIGKILL",
	syscall.SIGPIPE: "SIGPIPE",
	syscall.SIGQUIT: "SIGQUIT",
	syscall.SIGSEGV: "SIGSEGV",
	syscall.SIGSYS:  "SIGSYS",
	syscall.SIGTERM: "SIGTERM",
	syscall.SIGTRAP: "SIGTRAP",
	syscall.SIGUSR1: "SIGUSR1",
	syscall.SIGUSR2: "SIGUSR2",
	syscall.SIGXCPU: "SIGXCPU",
	syscall.SIGXFSZ: "SIGXFSZ",
}

func signalName(sig syscall.Signal) string {
	if n, ok := signalNames[sig]; ok {
		return n
	}
	return fmt.Sprintf("%d", int(sig))
}
