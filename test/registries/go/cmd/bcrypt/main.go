// bcrypt writes htpasswd entries, because distribution's htpasswd auth only
// accepts bcrypt hashes and no htpasswd binary can be assumed.
//
//	bcrypt [-cost N] user:password...   prints one "user:hash" line per argument
//	bcrypt [-cost N] < password         prints the hash of stdin (one trailing newline dropped)
//
// The default cost is bcrypt's minimum: distribution checks the password on
// every request, and cost 10 would add ~50 ms to each one.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

func main() {
	cost := flag.Int("cost", bcrypt.MinCost, "bcrypt cost")
	flag.Parse()

	hash := func(pw string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), *cost)
		if err != nil {
			log.Fatal(err)
		}
		return string(h)
	}

	if flag.NArg() == 0 {
		b, err := io.ReadAll(os.Stdin)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(hash(strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")))
		return
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for _, arg := range flag.Args() {
		user, pw, ok := strings.Cut(arg, ":")
		if !ok || user == "" {
			log.Fatalf("argument %q is not user:password", arg)
		}
		fmt.Fprintf(w, "%s:%s\n", user, hash(pw))
	}
}
