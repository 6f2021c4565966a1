#!/bin/sh
# Compiles the C launcher into .bin/oras-launcher when a C compiler exists (silently does
# nothing otherwise: the `oras` script then falls back to Python or Node). The package version
# is baked in, so a launcher newer than the running daemon replaces it (DAEMON_OUTDATED).
here=$(cd "$(dirname "$0")" && pwd)
cc=${CC:-}
if [ -z "$cc" ]; then
  for c in cc gcc clang; do
    if command -v "$c" >/dev/null 2>&1; then cc=$c; break; fi
  done
fi
[ -n "$cc" ] || exit 0
version=$(sed -n 's/^ *"version" *: *"\([^"]*\)".*/\1/p' "$here/../../package.json" | head -n 1)
mkdir -p "$here/.bin"
# Built aside and renamed: launchers running right now keep a whole binary.
tmp="$here/.bin/oras-launcher.$$"
# shellcheck disable=SC2086 # CFLAGS holds several words (e.g. sanitizers for a test run)
if "$cc" -O2 -Wall -Wextra $CFLAGS -DORASD_VERSION="\"${version:-0.0.0}\"" -o "$tmp" "$here/launcher.c"; then
  mv -f "$tmp" "$here/.bin/oras-launcher"
else
  rm -f "$tmp"
  exit 1
fi
