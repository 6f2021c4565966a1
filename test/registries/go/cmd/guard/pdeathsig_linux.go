package main

import (
	"os/exec"
	"runtime"
	"syscall"
)

// Pdeathsig fires when the forking OS thread exits, not the process, so the
// main goroutine (which forks and lives until exit) is pinned to its thread.
func setParentDeathSignal(cmd *exec.Cmd) {
	runtime.LockOSThread()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
