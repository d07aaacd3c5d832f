#!/usr/bin/env bash
# build.sh -- builds the Go peer (bench/go-peer) once per source and prints the binary's path.
# The binary is kept in the tools cache under a key made of go.mod, go.sum, main.go and the Go
# version, so a changed source rebuilds and an unchanged one costs a hash. Modules come from the
# Go module proxy into the same GOMODCACHE as scripts/build-tools.sh.
#   SPIRL_TOOLS_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/spirl-keywrap/tools)
set -Eeuo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${SPIRL_TOOLS_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/spirl-keywrap/tools}
export GOMODCACHE="$cache/gomod" GOCACHE="$cache/gobuild" GOFLAGS="-modcacherw -buildvcs=false" GOTOOLCHAIN=local
key=$( (cat "$here/go.mod" "$here/go.sum" "$here/main.go"; go version) | sha256sum | cut -c1-16)
out="$cache/store/go-peer-$key/go-peer"
if [[ ! -x $out ]]; then
  mkdir -p "$(dirname "$out")"
  # Built beside the final name and renamed, so a concurrent or interrupted build never leaves half a binary.
  tmp="$out.tmp.$$"
  (cd "$here" && go build -trimpath -o "$tmp" .) >&2
  mv -f "$tmp" "$out"
fi
printf '%s\n' "$out"
