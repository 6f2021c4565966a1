// Test-only helpers for the real-registry harness; built by test/registries/tools.ts.
// Pins here must match test/registries/versions.ts (tools.ts checks).
module orasd.test/registries

go 1.26.0

require (
	github.com/google/go-containerregistry v0.22.1
	golang.org/x/crypto v0.57.0
)
