// Every external version the test harness depends on. Changing a pin here makes
// tools.ts reinstall on the next run (the stamps record these strings).

/** Installed with `go install <module>@<version>` into .tools/bin. */
export const GO_INSTALLS = {
  oras: { module: 'oras.land/oras/cmd/oras', version: 'v1.3.6' },
  registry: { module: 'github.com/distribution/distribution/v3/cmd/registry', version: 'v3.1.2' },
} as const;

/**
 * Requirements of our own Go module (test/registries/go). They live in its
 * go.mod/go.sum; tools.ts refuses to build if go.mod disagrees with this list.
 */
export const GO_MODULE_REQUIRES = {
  'github.com/google/go-containerregistry': 'v0.22.1',
  // Built as a `tool` of the module (go install cannot fetch it: see tools.ts).
  'github.com/olareg/olareg': 'v0.2.2',
  'golang.org/x/crypto': 'v0.57.0',
} as const;

/** Installed into .tools/venv for the Python client's tests. */
export const PYTHON_PACKAGES = {
  pytest: '8.4.2',
} as const;
