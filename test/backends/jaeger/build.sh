#!/usr/bin/env bash
# Builds Jaeger v2 — the release go.mod here names as a Go tool — into .tmp/bin/jaeger, for the
# tests in test/backends/. Needs Go (https://go.dev/dl/; /usr/local/go/bin/go is found too).
#
# The first build downloads the modules (go.sum pins them) and compiles for several minutes;
# afterwards Go's build and module caches (GOCACHE, GOMODCACHE, their default locations) make a
# rerun take a second or two, so .ci/run calls this every time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
output="$(cd "$here/../../.." && pwd)/.tmp/bin/jaeger"

go_command="${GO:-$(command -v go || true)}"
if [ -z "$go_command" ] && [ -x /usr/local/go/bin/go ]; then go_command=/usr/local/go/bin/go; fi
if [ -z "$go_command" ]; then
  echo "test/backends/jaeger/build.sh: Go not found; install it (https://go.dev/dl/) or set GO=/path/to/go" >&2
  exit 1
fi

mkdir -p "$(dirname "$output")"
cd "$here"
# -mod=readonly: go.mod and go.sum are the pinned release, never updated by a build.
"$go_command" build -mod=readonly -buildvcs=false -o "$output" tool
echo "jaeger: $output"
