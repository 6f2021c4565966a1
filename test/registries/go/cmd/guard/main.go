// guard runs one command and makes sure it cannot outlive the test process
// that started it: the Node harness keeps guard's stdin open as a pipe, so
// when Node dies for any reason (even SIGKILL) the pipe closes and guard
// stops the command; on Linux the command also gets SIGKILL if guard itself
// is killed (PR_SET_PDEATHSIG).
//
//	guard [-grace 3s] [-cleanup DIR] -- command args...
//
// SIGTERM/SIGINT are passed on; guard exits with the command's status.
// -cleanup removes DIR once the command is gone after the parent vanished:
// the harness's temp dirs would otherwise leak when Node is SIGKILLed.
package main

import (
	"errors"
	"flag"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	grace := flag.Duration("grace", 3*time.Second, "time between SIGTERM and SIGKILL")
	cleanup := flag.String("cleanup", "", "directory to remove when the parent goes away")
	flag.Parse()
	if flag.NArg() == 0 {
		log.Fatal("usage: guard [-grace d] -- command args...")
	}

	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		log.Fatalf("guard: start %s: %v", flag.Arg(0), err)
	}

	stop := make(chan os.Signal, 2)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	orphaned := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(orphaned)
		stop <- syscall.SIGTERM
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	var err error
	select {
	case err = <-exited:
	case sig := <-stop:
		_ = cmd.Process.Signal(sig)
		select {
		case err = <-exited:
		case <-time.After(*grace):
			_ = cmd.Process.Kill()
			err = <-exited
		}
	}
	select {
	case <-orphaned:
		if *cleanup != "" {
			_ = os.RemoveAll(*cleanup)
		}
	default:
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if code := exitErr.ExitCode(); code >= 0 {
			os.Exit(code)
		}
		os.Exit(1) // killed by a signal
	}
	if err != nil {
		log.Fatalf("guard: %v", err)
	}
}
