// refreg is go-containerregistry's in-process registry (pkg/registry) with the
// OCI 1.1 referrers API switched on, so tests have a real registry that answers
// GET /v2/<name>/referrers/<digest> (CNCF distribution does not).
//
// What ggcr v0.22.1's pkg/registry does, read from its source (details and
// consequences in test/registries/README.md):
//   - manifests live in memory; blobs in memory unless --blob-dir is given;
//     blobs are global, not per repository (a blob pushed to one repo is
//     visible from every repo; cross-repo mount parameters are ignored and
//     POST ?mount= just opens an ordinary upload session, 202);
//   - manifest PUT answers 201 + Docker-Content-Digest, no Location and no
//     OCI-Subject header; the digest in a PUT-by-digest URL is not checked;
//     an index PUT requires its child manifests to exist;
//   - manifest DELETE (by tag or digest) removes only that key (202);
//   - referrers: no artifactType filtering, no OCI-Filters-Applied, the
//     descriptor's artifactType is taken from config.mediaType (not the
//     manifest's artifactType field), order is random; unknown repository
//     gives 404 NAME_UNKNOWN, unknown subject in a known repository gives 200
//     with an empty index;
//   - tags list honours n and last but sends no Link header; catalog honours
//     n only, in random order.
//
// --compliant-referrers adds the referrers behaviour ggcr lacks (see compliant.go).
package main

import (
	"flag"
	"io"
	"log"
	"os"

	"github.com/google/go-containerregistry/pkg/registry"

	"orasd.test/registries/internal/serve"
)

func main() {
	var opts serve.Options
	flag.StringVar(&opts.Addr, "addr", "127.0.0.1:0", "listen address; port 0 picks a free port")
	flag.StringVar(&opts.TLSCert, "tls-cert", "", "PEM certificate for HTTPS")
	flag.StringVar(&opts.TLSKey, "tls-key", "", "PEM private key for HTTPS")
	blobDir := flag.String("blob-dir", "", "keep blobs on disk in this directory instead of memory")
	quiet := flag.Bool("quiet", false, "do not log each request (benchmarks)")
	compliant := flag.Bool("compliant-referrers", false, "send OCI-Subject, fix artifactType, filter by ?artifactType= (compliant.go)")
	pageSize := flag.Int("referrers-page-size", 0, "with --compliant-referrers: referrers listings in pages of this many, linked by Link rel=next")
	flag.Parse()

	regOpts := []registry.Option{registry.WithReferrersSupport(true)}
	if *quiet {
		regOpts = append(regOpts, registry.Logger(log.New(io.Discard, "", 0)))
	}
	if *blobDir != "" {
		if err := os.MkdirAll(*blobDir, 0o755); err != nil {
			log.Fatal(err)
		}
		regOpts = append(regOpts, registry.WithBlobHandler(registry.NewDiskBlobHandler(*blobDir)))
	}
	handler := registry.New(regOpts...)
	if *compliant {
		handler = compliantReferrers(handler, *pageSize)
	}
	serve.Run(opts, handler)
}
