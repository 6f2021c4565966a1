package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// users is an htpasswd file (bcrypt only), the same file distribution's
// htpasswd auth reads, so one users list serves both auth kinds.
type users struct {
	hashes map[string][]byte
}

func loadUsers(path string) (*users, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	u := &users{hashes: map[string][]byte{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, hash, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%s: line %q is not user:hash", path, line)
		}
		u.hashes[name] = []byte(hash)
	}
	return u, sc.Err()
}

func (u *users) check(name, password string) bool {
	h, ok := u.hashes[name]
	return ok && bcrypt.CompareHashAndPassword(h, []byte(password)) == nil
}

type refreshStore struct {
	mu    sync.Mutex
	byTok map[string]string
}

func newRefreshStore() *refreshStore { return &refreshStore{byTok: map[string]string{}} }

func (r *refreshStore) issue(user string) string {
	tok := "rt-" + randomID()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byTok[tok] = user
	return tok
}

func (r *refreshStore) user(tok string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u, ok := r.byTok[tok]
	return u, ok
}

type requestRecord struct {
	Time      string   `json:"time"`
	Method    string   `json:"method"`
	GrantType string   `json:"grantType,omitempty"`
	ClientID  string   `json:"clientId,omitempty"`
	Service   string   `json:"service"`
	User      string   `json:"user"`
	Scopes    []string `json:"scopes"`
	Granted   []string `json:"granted"`
	Status    int      `json:"status"`
}

const keepRecent = 200

// stats is what GET /stats shows: counts since start (or the last reset) and
// the most recent requests, so a test can check which scopes were asked for.
type stats struct {
	mu     sync.Mutex
	total  int
	failed int
	recent []requestRecord
}

func (s *stats) record(r requestRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total++
	if r.Status != http.StatusOK {
		s.failed++
	}
	s.recent = append(s.recent, r)
	if len(s.recent) > keepRecent {
		s.recent = s.recent[len(s.recent)-keepRecent:]
	}
}

func (s *stats) handleGet(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	body, _ := json.Marshal(map[string]any{
		"tokenRequests":  s.total,
		"failedRequests": s.failed,
		"recent":         append([]requestRecord{}, s.recent...),
	})
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

func (s *stats) handleReset(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.total, s.failed, s.recent = 0, 0, nil
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
