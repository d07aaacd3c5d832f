#!/usr/bin/env bash
# build-tools.sh -- builds the real tools the tests need from Go modules only
# (the machine's Go toolchain + the Go module proxy; no release downloads, no
# containers) and links them into .tools/bin of this checkout:
#   helm (Helm 4), helm3 (Helm 3), etcd, kube-apiserver, kube-controller-manager,
#   kube-scheduler, kubectl
#
# Usage:  npm run tools            (= bash scripts/build-tools.sh [OUT_DIR])
#
# OUT_DIR defaults to <repo>/.tools. Environment (all optional):
#   SPIRL_TOOLS        space-separated subset of: helm helm3 etcd kube-apiserver
#                      kube-controller-manager kube-scheduler kubectl
#   SPIRL_TOOLS_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/spirl-keywrap/tools):
#                      GOMODCACHE, GOCACHE, wrapper modules, build logs, and a store of
#                      finished binaries keyed by tool@version, Go version and RECIPE_REV.
#   SPIRL_TOOLS_MIN_FREE_GB  free disk needed before a cold build (default 12)
#
# Idempotent: a tool is compiled once per key into the store; a later run only
# re-verifies and links it (seconds). A failed build exits non-zero with an
# "ERROR:" line naming the step and the tail of its log.
#
# Kubernetes and etcd cannot be `go install`ed: their go.mod files `replace`
# sibling modules with local paths. Each tool is therefore built from a
# throw-away wrapper module that re-creates those replaces with published
# versions (see make_wrapper).
set -Eeuo pipefail

# ---------------------------------------------------------------- pins ----
# The one place where tool versions are set.
K8S_VERSION=v1.37.2
ETCD_VERSION=v3.7.3
HELM4_VERSION=v4.3.2
HELM3_VERSION=v3.22.0

# Bump when build flags/recipes change so cached binaries are rebuilt.
RECIPE_REV=1
MIN_GO_MINOR=26   # every pinned module declares go 1.26 or older

ALL_TOOLS="helm helm3 etcd kube-apiserver kube-controller-manager kube-scheduler kubectl"

# -------------------------------------------------------------- logging ----
STEP="start-up"
BG_PID=""
log() { printf '[tools %(%H:%M:%S)T +%4ss] %s\n' -1 "$SECONDS" "$*" >&2; }
die() { printf '[tools] ERROR: %s\n' "$*" >&2; exit 1; }
on_err() {
  local rc=$?
  if ((BASH_SUBSHELL == 0)); then
    printf '[tools] ERROR: step "%s" failed (exit %s) at line %s: %s\n' \
      "$STEP" "$rc" "$1" "$2" >&2
  fi
  exit "$rc"
}
on_exit() {
  if [[ -n $BG_PID ]] && kill -0 "$BG_PID" 2>/dev/null; then
    kill "$BG_PID" 2>/dev/null || true
  fi
}
trap 'on_err "$LINENO" "$BASH_COMMAND"' ERR
trap on_exit EXIT

# ------------------------------------------------------------ arguments ----
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
(($# <= 1)) || die "usage: $0 [OUT_DIR]   (see the header of this script)"
OUT_ARG=${1:-$REPO_ROOT/.tools}
mkdir -p "$OUT_ARG" || die "cannot create output directory $OUT_ARG"
OUT_DIR=$(cd "$OUT_ARG" && pwd)

TOOLS=""
for t in ${SPIRL_TOOLS:-$ALL_TOOLS}; do
  [[ " $ALL_TOOLS " == *" $t "* ]] || die "unknown tool '$t' in SPIRL_TOOLS (known: $ALL_TOOLS)"
  [[ " $TOOLS " == *" $t "* ]] || TOOLS+="${TOOLS:+ }$t"
done
[[ -n $TOOLS ]] || die "SPIRL_TOOLS selects no tool"
want() { [[ " $TOOLS " == *" $1 "* ]]; }

CACHE_ROOT=${SPIRL_TOOLS_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/spirl-keywrap/tools}
mkdir -p "$CACHE_ROOT"/{store,wrappers,logs,scratch}
CACHE_ROOT=$(cd "$CACHE_ROOT" && pwd)

# ------------------------------------------------------------ preflight ----
STEP="preflight"
command -v go >/dev/null 2>&1 ||
  die "'go' not found in PATH. This needs Go >= 1.$MIN_GO_MINOR with access to the Go module proxy."
for c in awk sed df cp ln mv rm mkdir date; do
  command -v "$c" >/dev/null 2>&1 || die "required command '$c' not found"
done

export GOTOOLCHAIN=local   # never try to download another Go toolchain
export GOWORK=off          # a stray go.work must not leak into the wrappers
export GO111MODULE=on
export CGO_ENABLED=0       # static binaries, no C toolchain needed
export GOFLAGS=-modcacherw # override any inherited GOFLAGS; cache stays deletable
export GOMODCACHE="$CACHE_ROOT/gomod"
export GOCACHE="$CACHE_ROOT/gobuild"

GOVERSION=$(go env GOVERSION) || die "'go env GOVERSION' failed"
[[ $GOVERSION =~ ^go1\.([0-9]+)(\.[0-9]+)? ]] || die "cannot parse Go version '$GOVERSION'"
((BASH_REMATCH[1] >= MIN_GO_MINOR)) ||
  die "Go $GOVERSION is too old: the pinned modules need go1.$MIN_GO_MINOR or newer (GOTOOLCHAIN=local is set, so no toolchain is downloaded)"
GO_DIRECTIVE=${GOVERSION#go}
GO_DIRECTIVE=${GO_DIRECTIVE%%[!0-9.]*} # strip suffixes such as "-X:..." or "rc1"
[[ $(go env GOPROXY) != off ]] || die "GOPROXY=off: the Go module proxy is required"
log "Go $GOVERSION  GOPROXY=$(go env GOPROXY)  GOSUMDB=$(go env GOSUMDB)"
log "cache: $CACHE_ROOT   output: $OUT_DIR"
log "tools: $TOOLS"

# Only one run at a time per cache (CI and a developer shell may overlap).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE_ROOT/.lock"
  flock -w 7200 9 || die "timed out waiting for $CACHE_ROOT/.lock (another build running?)"
fi

DISK_CHECKED=""
ensure_disk() {
  [[ -z $DISK_CHECKED ]] || return 0
  local need_gb=${SPIRL_TOOLS_MIN_FREE_GB:-12} free_kb
  free_kb=$(df -Pk "$CACHE_ROOT" | awk 'NR==2 {print $4}')
  ((free_kb >= need_gb * 1024 * 1024)) ||
    die "only $((free_kb / 1024 / 1024)) GiB free under $CACHE_ROOT; a cold build needs about $need_gb GiB (set SPIRL_TOOLS_MIN_FREE_GB to override)"
  DISK_CHECKED=1
}

# ------------------------------------------------------- module helpers ----
# first string value of "NAME": "..." in `go mod download -json` output (stdin)
json_field() { sed -n "s/^[[:space:]]*\"$1\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" | head -n 1; }

# Sets MOD_GOMOD, MOD_DIR, MOD_HASH (commit, may be empty), MOD_TIME (may be empty).
mod_download() {
  local mv=$1 json err
  STEP="download $mv"
  log "resolving $mv via the Go module proxy"
  if ! json=$(cd "$CACHE_ROOT/scratch" && go mod download -json "$mv" 2>&1); then
    err=$(printf '%s\n' "$json" | json_field Error)
    die "cannot download $mv from the Go module proxy: ${err:-$json}"
  fi
  MOD_GOMOD=$(printf '%s\n' "$json" | json_field GoMod)
  MOD_DIR=$(printf '%s\n' "$json" | json_field Dir)
  MOD_HASH=$(printf '%s\n' "$json" | json_field Hash)
  local info
  info=$(printf '%s\n' "$json" | json_field Info)
  MOD_TIME=""
  if [[ -n $info && -f $info ]]; then
    MOD_TIME=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$info")
    [[ -n $MOD_HASH ]] || MOD_HASH=$(sed -n 's/.*"Hash":"\([0-9a-f]*\)".*/\1/p' "$info")
  fi
  [[ $MOD_TIME =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] || MOD_TIME=""
  [[ -n $MOD_GOMOD && -f $MOD_GOMOD ]] || die "no go.mod was downloaded for $mv"
}

# Prints "old|oldver|new|newver" for every replace directive of a go.mod file.
parse_replaces() {
  awk '
    { sub(/\/\/.*/, "") }
    /^[[:space:]]*replace[[:space:]]*\([[:space:]]*$/ { inblk = 1; next }
    inblk && /^[[:space:]]*\)[[:space:]]*$/ { inblk = 0; next }
    {
      line = $0
      if (!inblk) {
        if (line !~ /^[[:space:]]*replace[[:space:]]/) next
        sub(/^[[:space:]]*replace[[:space:]]+/, "", line)
      }
      k = split(line, g, " ")
      if (k >= 3 && g[2] == "=>") print g[1] "||" g[3] "|" g[4]
      else if (k >= 4 && g[3] == "=>") print g[1] "|" g[2] "|" g[4] "|" g[5]
    }' "$1"
}

# Prints the godebug directives (single-line or block form) of a go.mod file.
parse_godebug() {
  awk '
    /^[[:space:]]*godebug[[:space:]]*\(/ { inblk = 1; print; next }
    inblk { print; if ($0 ~ /^[[:space:]]*\)/) inblk = 0; next }
    /^[[:space:]]*godebug[[:space:]]/ { print }' "$1"
}

# make_wrapper NAME MODULE VERSION LOCALVER [MODULE@VERSION ...]
# Creates a throw-away main module that requires MODULE@VERSION, so that
# MODULE's own replace directives (ignored for dependencies, fatal for
# `go install pkg@version`) are re-created here:
#   - replace to a local path (k8s staging, etcd siblings) -> same module path
#     at LOCALVER (error if LOCALVER is empty);
#   - replace to another module@version -> copied verbatim.
# godebug lines are copied; if there are none, `godebug default=go<MODULE's go>`
# keeps the GODEBUG defaults that `go install` would have used.
# Sets WDIR and WRAPPER_LOCAL_REPLACES; MOD_* describe MODULE.
make_wrapper() {
  local name=$1 module=$2 version=$3 localver=$4
  shift 4
  mod_download "$module@$version"
  STEP="write wrapper module for $module@$version"
  WDIR="$CACHE_ROOT/wrappers/$name"
  rm -rf "$WDIR"
  mkdir -p "$WDIR"
  local upstream_go godebug
  upstream_go=$(awk '$1 == "go" { print $2; exit }' "$MOD_GOMOD")
  godebug=$(parse_godebug "$MOD_GOMOD")
  if [[ -z $godebug && $upstream_go =~ ^1\.[0-9]+ ]]; then
    godebug="godebug default=go${BASH_REMATCH[0]}"
  fi
  WRAPPER_LOCAL_REPLACES=0
  local old ov new nv req copied=0
  {
    printf '// generated by build-tools.sh -- builds %s@%s\n' "$module" "$version"
    printf 'module k8s-tools.invalid/wrapper/%s\n\ngo %s\n\n' "$name" "$GO_DIRECTIVE"
    [[ -z $godebug ]] || printf '%s\n\n' "$godebug"
    printf 'require (\n\t%s %s\n' "$module" "$version"
    for req in "$@"; do printf '\t%s %s\n' "${req%@*}" "${req##*@}"; done
    printf ')\n\n'
    while IFS='|' read -r old ov new nv; do
      case $new in
        ./* | ../* | /*)
          [[ -n $localver ]] ||
            die "$module@$version replaces $old with the local path $new; no published version is known for it"
          printf 'replace %s => %s %s\n' "$old" "$old" "$localver"
          WRAPPER_LOCAL_REPLACES=$((WRAPPER_LOCAL_REPLACES + 1))
          ;;
        *)
          [[ -n $nv ]] || die "cannot copy replace '$old => $new' from $module@$version (no version)"
          printf 'replace %s%s => %s %s\n' "$old" "${ov:+ $ov}" "$new" "$nv"
          copied=$((copied + 1))
          ;;
      esac
    done < <(parse_replaces "$MOD_GOMOD")
  } >"$WDIR/go.mod"
  log "wrapper $WDIR: $WRAPPER_LOCAL_REPLACES local replace(s) pinned to ${localver:-n/a}, $copied copied${godebug:+, $godebug}"
}

# run_logged LOGFILE DESCRIPTION COMMAND... -- runs in the background with a
# heartbeat so long compiles do not look hung; shows the log tail on failure.
run_logged() {
  local logf=$1 desc=$2
  shift 2
  : >"$logf"
  "$@" >>"$logf" 2>&1 &
  BG_PID=$!
  local start=$SECONDS next=$((SECONDS + 60))
  while kill -0 "$BG_PID" 2>/dev/null; do
    sleep 1
    if ((SECONDS >= next)); then
      log "  ... $desc: $((SECONDS - start))s so far, $(wc -l <"$logf") log lines ($logf)"
      next=$((SECONDS + 60))
    fi
  done
  if ! wait "$BG_PID"; then
    BG_PID=""
    printf '%s\n' "----- last 40 lines of $logf -----" >&2
    tail -n 40 "$logf" >&2 || true
    die "$desc failed after $((SECONDS - start))s (full log: $logf)"
  fi
  BG_PID=""
  log "  done: $desc ($((SECONDS - start))s)"
}

# wrapper_build WDIR PACKAGE OUTFILE LDFLAGS
wrapper_build() {
  local wdir=$1 pkg=$2 out=$3 ldflags=$4
  STEP="go build $pkg"
  log "building $pkg -> $(basename "$out")"
  run_logged "$CACHE_ROOT/logs/$(basename "$out").log" "go build $pkg" \
    env -C "$wdir" go build -mod=mod -v -trimpath -ldflags="$ldflags" -o "$out" "$pkg"
}

# client_go_minor WDIR -> N of the k8s.io/client-go v0.N.x selected in WDIR
client_go_minor() {
  local v
  v=$(cd "$1" && go list -mod=mod -m -f '{{.Version}}' k8s.io/client-go) ||
    die "cannot resolve k8s.io/client-go in $1"
  [[ $v =~ ^v0\.([0-9]+)\. ]] || die "unexpected k8s.io/client-go version '$v' in $1"
  printf '%s\n' "${BASH_REMATCH[1]}"
}

# helm v3 library: default .Capabilities.KubeVersion for `helm template`/lint
# (otherwise it stays v1.20.0; helm's Makefile sets these from client-go).
helm3_kube_ldflags() {
  local minor=$1 p out=""
  for p in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    out+=" -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$minor"
  done
  printf '%s' "$out"
}

# check_version BINARY EXPECTED-SUBSTRING ARGS...
check_version() {
  local bin=$1 expect=$2 out
  shift 2
  STEP="verify $(basename "$bin")"
  out=$("$bin" "$@" 2>&1) || die "'$(basename "$bin") $*' failed: $out"
  [[ $out == *"$expect"* ]] ||
    die "'$(basename "$bin") $*' printed '$(printf '%s' "$out" | head -n 2 | tr '\n' ' ')'; expected '$expect'"
}

save_wrapper() { cp "$1/go.mod" "$2/wrapper.go.mod" && { cp "$1/go.sum" "$2/wrapper.go.sum" 2>/dev/null || true; }; }

# --------------------------------------------------------------- builders ----
# Each build_<tool> DEST puts its files into DEST and verifies them.

K8S_WDIR=""
K8S_LDFLAGS=""
ensure_k8s_wrapper() {
  [[ -z $K8S_WDIR ]] || return 0
  [[ $K8S_VERSION =~ ^v1\.([0-9]+)\.[0-9]+ ]] || die "K8S_VERSION must look like v1.N.P, got $K8S_VERSION"
  local minor=${BASH_REMATCH[1]}
  # staging modules are published as k8s.io/<name> v0.N.P for kubernetes v1.N.P
  make_wrapper kubernetes k8s.io/kubernetes "$K8S_VERSION" "v0.${K8S_VERSION#v1.}"
  ((WRAPPER_LOCAL_REPLACES >= 25)) ||
    die "k8s.io/kubernetes@$K8S_VERSION: expected >= 25 staging replace directives, found $WRAPPER_LOCAL_REPLACES"
  K8S_WDIR=$WDIR
  local build_date=${MOD_TIME:-$(date -u +%Y-%m-%dT%H:%M:%SZ)} p
  K8S_LDFLAGS="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    K8S_LDFLAGS+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    K8S_LDFLAGS+=" -X $p.gitTreeState=clean -X $p.buildDate=$build_date"
    [[ -z $MOD_HASH ]] || K8S_LDFLAGS+=" -X $p.gitCommit=$MOD_HASH"
  done
}

build_kube-apiserver() {
  ensure_k8s_wrapper
  wrapper_build "$K8S_WDIR" k8s.io/kubernetes/cmd/kube-apiserver "$1/kube-apiserver" "$K8S_LDFLAGS"
  check_version "$1/kube-apiserver" "Kubernetes $K8S_VERSION" --version
  save_wrapper "$K8S_WDIR" "$1"
}
# The local cluster runs Pods: Deployments need ReplicaSets and hook Jobs need the Job controller
# (kube-controller-manager), and Pods need a node picked (kube-scheduler). Same module and pin as the
# API server, so the three agree on every API they share.
build_kube-controller-manager() {
  ensure_k8s_wrapper
  wrapper_build "$K8S_WDIR" k8s.io/kubernetes/cmd/kube-controller-manager "$1/kube-controller-manager" "$K8S_LDFLAGS"
  check_version "$1/kube-controller-manager" "Kubernetes $K8S_VERSION" --version
  save_wrapper "$K8S_WDIR" "$1"
}
build_kube-scheduler() {
  ensure_k8s_wrapper
  wrapper_build "$K8S_WDIR" k8s.io/kubernetes/cmd/kube-scheduler "$1/kube-scheduler" "$K8S_LDFLAGS"
  check_version "$1/kube-scheduler" "Kubernetes $K8S_VERSION" --version
  save_wrapper "$K8S_WDIR" "$1"
}
build_kubectl() {
  ensure_k8s_wrapper
  wrapper_build "$K8S_WDIR" k8s.io/kubernetes/cmd/kubectl "$1/kubectl" "$K8S_LDFLAGS"
  check_version "$1/kubectl" "$K8S_VERSION" version --client
  save_wrapper "$K8S_WDIR" "$1"
}
build_etcd() {
  # server/go.mod replaces api, client/pkg, client/v3 and pkg with ../<dir>;
  # all etcd modules are tagged together, so they map to ETCD_VERSION.
  make_wrapper etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "$ETCD_VERSION" \
    "go.etcd.io/etcd/api/v3@$ETCD_VERSION" "go.etcd.io/etcd/client/pkg/v3@$ETCD_VERSION" \
    "go.etcd.io/etcd/client/v3@$ETCD_VERSION" "go.etcd.io/etcd/pkg/v3@$ETCD_VERSION"
  local sha=${MOD_HASH:0:12}
  wrapper_build "$WDIR" go.etcd.io/etcd/server/v3 "$1/etcd" \
    "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=${sha:-unknown}"
  check_version "$1/etcd" "etcd Version: ${ETCD_VERSION#v}" --version
  save_wrapper "$WDIR" "$1"
}

build_helm() {
  make_wrapper helm4 helm.sh/helm/v4 "$HELM4_VERSION" ""
  local v=helm.sh/helm/v4/internal/version
  wrapper_build "$WDIR" helm.sh/helm/v4/cmd/helm "$1/helm" \
    "-s -w -X $v.version=$HELM4_VERSION -X $v.gitTreeState=clean${MOD_HASH:+ -X $v.gitCommit=$MOD_HASH}"
  check_version "$1/helm" "$HELM4_VERSION" version --short
  save_wrapper "$WDIR" "$1"
}

build_helm3() {
  make_wrapper helm3 helm.sh/helm/v3 "$HELM3_VERSION" ""
  local v=helm.sh/helm/v3/internal/version hash=$MOD_HASH minor
  minor=$(client_go_minor "$WDIR")
  wrapper_build "$WDIR" helm.sh/helm/v3/cmd/helm "$1/helm3" \
    "-s -w -X $v.version=$HELM3_VERSION -X $v.gitTreeState=clean${hash:+ -X $v.gitCommit=$hash}$(helm3_kube_ldflags "$minor")"
  check_version "$1/helm3" "$HELM3_VERSION" version --short
  save_wrapper "$WDIR" "$1"
}

tool_version() {
  case $1 in
    kube-apiserver | kube-controller-manager | kube-scheduler | kubectl) echo "$K8S_VERSION" ;;
    etcd) echo "$ETCD_VERSION" ;;
    helm) echo "$HELM4_VERSION" ;;
    helm3) echo "$HELM3_VERSION" ;;
  esac
}

# ensure_tool NAME -> sets STORE_DIR; builds into the store unless complete
ensure_tool() {
  local name=$1 version
  version=$(tool_version "$name")
  STORE_DIR="$CACHE_ROOT/store/${name}@${version}_${GOVERSION}_r${RECIPE_REV}"
  if [[ -f $STORE_DIR/.complete ]]; then
    log "$name $version: cached ($STORE_DIR)"
    return 0
  fi
  ensure_disk
  log "$name $version: not cached, building"
  local tmp="$STORE_DIR.partial"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  "build_$name" "$tmp"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$tmp/.complete"
  rm -rf "$STORE_DIR"
  mv "$tmp" "$STORE_DIR"
}

# ---------------------------------------------------------------- install ----
place() { # place SRC DEST: hard link when possible (same filesystem), else copy
  rm -f "$2"
  ln "$1" "$2" 2>/dev/null || cp "$1" "$2"
  chmod 0755 "$2"
}

mkdir -p "$OUT_DIR/bin"
: >"$OUT_DIR/versions.txt.new"
for t in $TOOLS; do
  ensure_tool "$t"
  STEP="install $t"
  case $t in
    helm3)
      place "$STORE_DIR/helm3" "$OUT_DIR/bin/helm3"
      check_version "$OUT_DIR/bin/helm3" "$HELM3_VERSION" version --short
      ;;
    *)
      place "$STORE_DIR/$t" "$OUT_DIR/bin/$t"
      ;;
  esac
  printf '%-24s %-10s %s\n' "$t" "$(tool_version "$t")" "$GOVERSION" >>"$OUT_DIR/versions.txt.new"
done
mv "$OUT_DIR/versions.txt.new" "$OUT_DIR/versions.txt"

# Quick re-verification of what is in OUT_DIR (cheap; catches a broken copy).
STEP="final verification"
want kube-apiserver && check_version "$OUT_DIR/bin/kube-apiserver" "Kubernetes $K8S_VERSION" --version
want kube-controller-manager &&
  check_version "$OUT_DIR/bin/kube-controller-manager" "Kubernetes $K8S_VERSION" --version
want kube-scheduler && check_version "$OUT_DIR/bin/kube-scheduler" "Kubernetes $K8S_VERSION" --version
want kubectl && check_version "$OUT_DIR/bin/kubectl" "$K8S_VERSION" version --client
want etcd && check_version "$OUT_DIR/bin/etcd" "etcd Version: ${ETCD_VERSION#v}" --version
want helm && check_version "$OUT_DIR/bin/helm" "$HELM4_VERSION" version --short

cat >"$OUT_DIR/env.sh" <<EOF
# generated by build-tools.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ) -- source this file
export SPIRL_TOOLS_DIR='$OUT_DIR'
export PATH="\$SPIRL_TOOLS_DIR/bin:\$PATH"
EOF

STEP="done"
log "installed into $OUT_DIR (total ${SECONDS}s):"
sed 's/^/    /' "$OUT_DIR/versions.txt" >&2
