// Test-only helpers for the real-registry harness; built by test/registries/tools.ts.
// Pins here must match test/registries/versions.ts (tools.ts checks).
module orasd.test/registries

go 1.26.0

require (
	github.com/google/go-containerregistry v0.22.1
	golang.org/x/crypto v0.57.0
)

require (
	github.com/goccy/go-yaml v1.19.2 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/olareg/olareg v0.2.2 // indirect
	github.com/spf13/cobra v1.10.2 // indirect
	github.com/spf13/pflag v1.0.10 // indirect
	github.com/sudo-bmitch/oci-digest v0.1.2 // indirect
)

tool github.com/olareg/olareg/cmd/olareg
