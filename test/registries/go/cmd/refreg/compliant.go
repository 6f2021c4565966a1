package main

// With --compliant-referrers, refreg wraps ggcr's handler to fill the gaps
// that make it diverge from distribution-spec v1.1 for referrers:
//   - manifest PUT with a subject answers with the OCI-Subject header (without
//     it, spec-following clients such as oras-go conclude the registry has no
//     referrers API and also write the sha256-<hex> fallback tag);
//   - referrers descriptors carry the manifest's artifactType (falling back to
//     config.mediaType), as the spec says, instead of config.mediaType always;
//   - ?artifactType= is applied server-side and OCI-Filters-Applied is sent;
//   - descriptors are sorted by digest, so listings are stable;
//   - with --referrers-page-size N, listings come in pages of N linked by
//     `Link: <...>; rel="next"` (the spec's pagination), so clients that stop at
//     the first page are caught.
// Everything else stays ggcr's.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func compliantReferrers(inner http.Handler, pageSize int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elems := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if len(elems) >= 4 && elems[0] == "v2" {
			repo := strings.Join(elems[1:len(elems)-2], "/")
			switch {
			case r.Method == http.MethodPut && elems[len(elems)-2] == "manifests":
				putWithSubjectHeader(inner, w, r)
				return
			case r.Method == http.MethodGet && elems[len(elems)-2] == "referrers":
				referrers(inner, w, r, repo, pageSize)
				return
			}
		}
		inner.ServeHTTP(w, r)
	})
}

type manifestFields struct {
	ArtifactType string `json:"artifactType"`
	Config       *struct {
		MediaType string `json:"mediaType"`
	} `json:"config"`
	Subject *struct {
		Digest string `json:"digest"`
	} `json:"subject"`
}

func putWithSubjectHeader(inner http.Handler, w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var m manifestFields
	_ = json.Unmarshal(body, &m)
	if m.Subject == nil || m.Subject.Digest == "" {
		inner.ServeHTTP(w, r)
		return
	}
	inner.ServeHTTP(&subjectHeaderWriter{ResponseWriter: w, subject: m.Subject.Digest}, r)
}

type subjectHeaderWriter struct {
	http.ResponseWriter
	subject string
}

func (s *subjectHeaderWriter) WriteHeader(code int) {
	if code == http.StatusCreated {
		s.Header().Set("OCI-Subject", s.subject)
	}
	s.ResponseWriter.WriteHeader(code)
}

func referrers(inner http.Handler, w http.ResponseWriter, r *http.Request, repo string, pageSize int) {
	rec := httptest.NewRecorder()
	inner.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		copyResponse(w, rec)
		return
	}
	var idx v1.IndexManifest
	if err := json.Unmarshal(rec.Body.Bytes(), &idx); err != nil {
		copyResponse(w, rec)
		return
	}
	want := r.URL.Query().Get("artifactType")
	kept := idx.Manifests[:0]
	for _, d := range idx.Manifests {
		if at := artifactTypeOf(inner, r, repo, d.Digest.String()); at != "" {
			d.ArtifactType = at
		}
		if want == "" || d.ArtifactType == want {
			kept = append(kept, d)
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].Digest.String() < kept[j].Digest.String() })
	next := ""
	if pageSize > 0 {
		// A page starts after the digest named by ?last= (the order is by digest).
		last := r.URL.Query().Get("last")
		start := sort.Search(len(kept), func(i int) bool { return kept[i].Digest.String() > last })
		if last == "" {
			start = 0
		}
		end := start + pageSize
		if end < len(kept) {
			q := url.Values{}
			q.Set("last", kept[end-1].Digest.String())
			if want != "" {
				q.Set("artifactType", want)
			}
			next = r.URL.Path + "?" + q.Encode()
		} else {
			end = len(kept)
		}
		kept = kept[start:end]
	}
	idx.Manifests = kept
	out, _ := json.Marshal(&idx)
	if next != "" {
		w.Header().Set("Link", "<"+next+">; rel=\"next\"")
	}
	w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	if want != "" {
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

func artifactTypeOf(inner http.Handler, orig *http.Request, repo, digest string) string {
	req := httptest.NewRequest(http.MethodGet, "/v2/"+repo+"/manifests/"+digest, nil).WithContext(orig.Context())
	rec := httptest.NewRecorder()
	inner.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return ""
	}
	var m manifestFields
	if json.Unmarshal(rec.Body.Bytes(), &m) != nil {
		return ""
	}
	if m.ArtifactType != "" {
		return m.ArtifactType
	}
	if m.Config != nil {
		return m.Config.MediaType
	}
	return ""
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
