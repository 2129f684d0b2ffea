//go:build !unix

package report

import "os/exec"

// killTree leaves the default cancel (kill the browser process) where there
// are no process groups; WaitDelay still bounds the wait.
func killTree(*exec.Cmd) {}
