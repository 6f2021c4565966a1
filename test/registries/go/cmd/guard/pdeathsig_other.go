//go:build !linux

package main

import "os/exec"

// Only Linux has a parent-death signal; elsewhere the stdin pipe is the only guard.
func setParentDeathSignal(*exec.Cmd) {}
