// Package serve runs an http.Handler the way the Node harness expects: bind
// first (so --addr 127.0.0.1:0 gets a kernel-chosen port without races), print
// "listening <host:port>" as the first stdout line, then serve, optionally
// with TLS, until SIGTERM/SIGINT.
package serve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type Options struct {
	Addr    string
	TLSCert string
	TLSKey  string
}

func Run(opts Options, h http.Handler) {
	if (opts.TLSCert == "") != (opts.TLSKey == "") {
		log.Fatal("--tls-cert and --tls-key must be given together")
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		log.Fatalf("listen %s: %v", opts.Addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	if opts.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(opts.TLSCert, opts.TLSKey)
		if err != nil {
			log.Fatalf("load TLS key pair: %v", err)
		}
		// h2 first, as registries behind common front ends offer it; net/http serves both.
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	// The harness reads this line to learn the port; nothing may precede it on stdout.
	fmt.Printf("listening %s\n", ln.Addr().String())
	os.Stdout.Sync()

	done := make(chan struct{})
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		close(done)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("serve: %v", err)
	}
	<-done
}
