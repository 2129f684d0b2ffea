//go:build unix

package report

import (
	"os/exec"
	"syscall"
)

// killTree makes a timeout kill chromium's whole process group: the launcher
// script execs the browser, which forks renderer and GPU processes that would
// otherwise outlive it and keep its output pipes open.
func killTree(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
