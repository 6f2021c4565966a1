// tokenserver is a bearer-token issuer for CNCF distribution's `auth: token:`
// following the docker token spec (GET /token with Basic credentials) and its
// OAuth2 variant (POST /token, grant_type=password|refresh_token). It counts
// requests at GET /stats so tests can assert how often a client fetched a token.
//
// The signing key is made at start-up; its self-signed certificate is written
// to --rootcertbundle-out before the "listening" line is printed, so the
// harness can hand it to distribution as auth.token.rootcertbundle.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"strings"
	"time"

	"orasd.test/registries/internal/serve"
)

type server struct {
	signer      *signer
	users       *users
	issuer      string
	service     string
	expiresIn   int
	expSkew     int
	anonPull    bool
	pullOnly    map[string]bool
	refreshKeys *refreshStore
	stats       *stats
}

func main() {
	var opts serve.Options
	flag.StringVar(&opts.Addr, "addr", "127.0.0.1:0", "listen address; port 0 picks a free port")
	flag.StringVar(&opts.TLSCert, "tls-cert", "", "PEM certificate for HTTPS")
	flag.StringVar(&opts.TLSKey, "tls-key", "", "PEM private key for HTTPS")
	usersFile := flag.String("users", "", "htpasswd file (bcrypt) of accepted users; none means nobody can log in")
	issuer := flag.String("issuer", "orasd-test-issuer", "iss claim; distribution's auth.token.issuer must match")
	service := flag.String("service", "", "if set, refuse tokens for any other service")
	certOut := flag.String("rootcertbundle-out", "", "write the signing certificate (PEM) here (required)")
	x5c := flag.Bool("x5c", false, "also put the signing certificate in the JWT x5c header")
	expiresIn := flag.Int("expires-in", 300, "expires_in (and JWT lifetime) in seconds")
	expSkew := flag.Int("jwt-exp-skew", 0, "seconds added to the JWT exp claim only; distribution allows 60 s leeway, so with --expires-in 60 a skew of -125 issues tokens it rejects at once")
	anonPull := flag.Bool("anonymous-pull", false, "grant pull to requests without credentials (otherwise they get a token with no access)")
	pullOnly := flag.String("pull-only", "", "comma-separated users that get pull only")
	flag.Parse()
	if *certOut == "" {
		log.Fatal("--rootcertbundle-out is required")
	}

	sg, err := newSigner(*x5c)
	if err != nil {
		log.Fatal(err)
	}
	if err := sg.writeCert(*certOut); err != nil {
		log.Fatal(err)
	}
	us := &users{}
	if *usersFile != "" {
		if us, err = loadUsers(*usersFile); err != nil {
			log.Fatal(err)
		}
	}
	s := &server{
		signer: sg, users: us, issuer: *issuer, service: *service,
		expiresIn: *expiresIn, expSkew: *expSkew, anonPull: *anonPull,
		pullOnly: map[string]bool{}, refreshKeys: newRefreshStore(), stats: &stats{},
	}
	for _, u := range strings.Split(*pullOnly, ",") {
		if u = strings.TrimSpace(u); u != "" {
			s.pullOnly[u] = true
		}
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/token", s.handleToken)
	mux.HandleFunc("GET /stats", s.stats.handleGet)
	mux.HandleFunc("POST /stats/reset", s.stats.handleReset)
	serve.Run(opts, logRequests(mux))
}

func logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: 200}
		h.ServeHTTP(rec, r)
		log.Printf("%s %s %d", r.Method, r.URL.RequestURI(), rec.status)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// docker token spec: failed authentication is 401; the errors[] shape is what
// registry clients (oras-go's errutil) know how to print.
func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="orasd-test-tokenserver"`)
	writeJSON(w, http.StatusUnauthorized, map[string]any{
		"error":             "invalid_grant",
		"error_description": msg,
		"errors":            []map[string]string{{"code": "UNAUTHORIZED", "message": msg}},
	})
}

func badRequest(w http.ResponseWriter, oauthErr, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"error":             oauthErr,
		"error_description": msg,
		"errors":            []map[string]string{{"code": "DENIED", "message": msg}},
	})
}

func (s *server) handleToken(w http.ResponseWriter, r *http.Request) {
	rec := requestRecord{Time: time.Now().UTC().Format(time.RFC3339Nano), Method: r.Method}
	status := http.StatusOK
	defer func() { rec.Status = status; s.stats.record(rec) }()

	var (
		user, refresh string
		wantRefresh   bool
		scopes        []string
	)
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		rec.Service, scopes = q.Get("service"), q["scope"]
		wantRefresh = q.Get("offline_token") == "true"
		if u, p, ok := r.BasicAuth(); ok {
			if !s.users.check(u, p) {
				status = http.StatusUnauthorized
				unauthorized(w, "invalid username or password")
				return
			}
			user = u
		}
	case http.MethodPost:
		if err := r.ParseForm(); err != nil {
			status = http.StatusBadRequest
			badRequest(w, "invalid_request", err.Error())
			return
		}
		f := r.PostForm
		rec.Service, rec.GrantType, rec.ClientID = f.Get("service"), f.Get("grant_type"), f.Get("client_id")
		scopes = f["scope"]
		switch rec.GrantType {
		case "password":
			if !s.users.check(f.Get("username"), f.Get("password")) {
				status = http.StatusUnauthorized
				unauthorized(w, "invalid username or password")
				return
			}
			user = f.Get("username")
			wantRefresh = f.Get("access_type") == "offline"
		case "refresh_token":
			var ok bool
			refresh = f.Get("refresh_token")
			if user, ok = s.refreshKeys.user(refresh); !ok {
				status = http.StatusUnauthorized
				unauthorized(w, "unknown refresh token")
				return
			}
		default:
			status = http.StatusBadRequest
			badRequest(w, "unsupported_grant_type", "grant_type must be password or refresh_token")
			return
		}
	default:
		status = http.StatusMethodNotAllowed
		w.WriteHeader(status)
		return
	}
	if s.service != "" && rec.Service != s.service {
		status = http.StatusBadRequest
		badRequest(w, "invalid_request", "unknown service "+rec.Service)
		return
	}
	rec.User = user

	requested := parseScopes(scopes)
	granted := s.grant(user, requested)
	rec.Scopes, rec.Granted = formatScopes(requested), formatScopes(granted)

	now := time.Now()
	token, err := s.signer.sign(&claims{
		Issuer: s.issuer, Subject: user, Audience: rec.Service,
		Expiration: now.Unix() + int64(s.expiresIn+s.expSkew),
		NotBefore:  now.Unix(), IssuedAt: now.Unix(), JWTID: randomID(),
		Access: granted,
	})
	if err != nil {
		status = http.StatusInternalServerError
		http.Error(w, err.Error(), status)
		return
	}
	resp := map[string]any{
		"token": token, "access_token": token,
		"expires_in": s.expiresIn, "issued_at": now.UTC().Format(time.RFC3339),
		"scope": strings.Join(rec.Granted, " "),
	}
	if refresh != "" {
		resp["refresh_token"] = refresh // the OAuth2 spec: a refresh grant returns the same refresh token
	} else if wantRefresh && user != "" {
		resp["refresh_token"] = s.refreshKeys.issue(user)
	}
	writeJSON(w, status, resp)
}

// grant decides access: full users get every action they ask for, --pull-only
// users and (with --anonymous-pull) anonymous clients get repository pull only.
func (s *server) grant(user string, requested []*access) []*access {
	full := user != "" && !s.pullOnly[user]
	pullAllowed := user != "" || s.anonPull
	granted := []*access{}
	for _, a := range requested {
		var actions []string
		for _, act := range a.Actions {
			if full || (pullAllowed && a.Type == "repository" && act == "pull") {
				actions = append(actions, act)
			}
		}
		if len(actions) > 0 {
			granted = append(granted, &access{Type: a.Type, Name: a.Name, Actions: actions})
		}
	}
	return granted
}

// parseScopes accepts repeated scope parameters and space-separated lists
// (the POST form joins them with spaces). type:name:actions, where the name
// may itself contain ':' (a registry host with port).
func parseScopes(raw []string) []*access {
	var out []*access
	for _, field := range raw {
		for _, sc := range strings.Fields(field) {
			first, last := strings.Index(sc, ":"), strings.LastIndex(sc, ":")
			if first < 0 || first == last {
				continue
			}
			out = append(out, &access{Type: sc[:first], Name: sc[first+1 : last], Actions: strings.Split(sc[last+1:], ",")})
		}
	}
	return out
}

func formatScopes(as []*access) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.Type+":"+a.Name+":"+strings.Join(a.Actions, ","))
	}
	return out
}
