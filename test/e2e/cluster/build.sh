#!/usr/bin/env bash
# Builds the e2e control plane binaries from the Go module proxy into
#   ${STELLAR_PEERS_E2E_CACHE:-$HOME/.cache/stellar-peers-e2e}/bin/<name>-<version>
# Anything already there is left alone, so a second run builds nothing.
#
# usage: build.sh [component...]   components: kubernetes etcd kwok coredns metacontroller
#                                  (default: all)
#
# Builds run one after the other: `go build` already uses every core, and two
# Kubernetes-sized links at once only thrash a 2-core machine.
# A missing Metacontroller binary is reported but does not fail the script unless
# E2E_REQUIRE_METACONTROLLER=1 (see build_metacontroller).
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v go >/dev/null || die "go not found in PATH (need go >= 1.26.4)"

# Static, reproducible, lean binaries; never switch toolchains behind our back;
# ignore any go.work the developer may have above the repo.
export CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off
GO_BUILD_FLAGS=(-trimpath)
LDFLAGS_BASE="-s -w"

mkdir -p "$E2E_BIN" "$E2E_SHARE"

failed=()

# go_build NAME VERSION MODULE_DIR PACKAGE [EXTRA_LDFLAGS]
go_build() {
  local name=$1 version=$2 moddir=$3 pkg=$4 extra_ld=${5:-}
  local out="$E2E_BIN/$name-$version" start secs
  if [[ -x $out ]]; then
    log "$name $version: cached ($out)"
    return 0
  fi
  log "$name $version: building $pkg ..."
  start=$(date +%s)
  # Build to a temp name and rename, so an interrupted build never leaves a
  # truncated binary that a later run would take for a cached one.
  if (cd "$moddir" && go build "${GO_BUILD_FLAGS[@]}" -ldflags "$LDFLAGS_BASE $extra_ld" \
        -o "$out.tmp.$$" "$pkg"); then
    mv -f "$out.tmp.$$" "$out"
    secs=$(( $(date +%s) - start ))
    log "$name $version: built in ${secs}s"
    echo "BUILD_TIME $name $version ${secs}s"
  else
    rm -f "$out.tmp.$$"
    log "$name $version: BUILD FAILED after $(( $(date +%s) - start ))s"
    failed+=("$name")
    return 1
  fi
}

build_kubernetes() {
  local v=$E2E_KUBERNETES_VERSION minor
  minor=$(cut -d. -f2 <<<"$v")
  # Without these the binaries report v0.0.0-master, and kubectl/version skew
  # checks (and `kubectl version`) get confused.
  local ld="-X k8s.io/component-base/version.gitVersion=$v"
  ld+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
  ld+=" -X k8s.io/component-base/version.gitTreeState=clean"
  local c
  for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    go_build "$c" "$v" "$E2E_TOOLS_DIR/kubernetes" "k8s.io/kubernetes/cmd/$c" "$ld" || return 1
  done
}

build_etcd() {
  go_build etcd "$E2E_ETCD_VERSION" "$E2E_TOOLS_DIR/etcd" go.etcd.io/etcd/server/v3
}

build_kwok() {
  go_build kwok "$E2E_KWOK_VERSION" "$E2E_TOOLS_DIR/kwok" sigs.k8s.io/kwok/cmd/kwok || return 1
  # The kwok binary embeds no stages (only kwokctl does). Take the "fast" node
  # and pod stages, plus the node heartbeat with lease, from the same module
  # version kwokctl would use, and keep them beside the binary.
  if [[ ! -s $KWOK_STAGES ]]; then
    local dir f
    dir=$(cd "$E2E_TOOLS_DIR/kwok" && go mod download -json sigs.k8s.io/kwok | sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p')
    [[ -d $dir/kustomize/stage ]] || { log "kwok module dir not found"; failed+=(kwok-stages); return 1; }
    {
      echo "# kwok $E2E_KWOK_VERSION stages, from sigs.k8s.io/kwok kustomize/stage/{node,pod}/..."
      for f in node/fast/node-initialize.yaml \
               node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
               pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
        echo "---"
        cat "$dir/kustomize/stage/$f"
      done
    } >"$KWOK_STAGES.tmp.$$"
    mv -f "$KWOK_STAGES.tmp.$$" "$KWOK_STAGES"
    log "kwok stages written to $KWOK_STAGES"
  fi
}

# CoreDNS, the cluster DNS: the wrapper module's own main package, which is upstream's
# main with only the plugins up.sh's Corefile uses (see test/e2e/tools/coredns/main.go).
build_coredns() {
  go_build coredns "$E2E_COREDNS_VERSION" "$E2E_TOOLS_DIR/coredns" . \
    "-X github.com/coredns/coredns/coremain.GitCommit=$E2E_COREDNS_VERSION"
}

# Metacontroller is not built here: its go.mod declares the module path `metacontroller`,
# so no Go toolchain can fetch it by its GitHub path, at any version. It takes a binary:
# E2E_METACONTROLLER_BIN (for example copied out of its release image, as
# .github/workflows/ci.yaml does), remembered by up.sh, or one already in the cache.
build_metacontroller() {
  if [[ -n ${E2E_METACONTROLLER_BIN:-} ]]; then
    [[ -x $E2E_METACONTROLLER_BIN ]] || { log "E2E_METACONTROLLER_BIN=$E2E_METACONTROLLER_BIN is not executable"; failed+=(metacontroller); return 1; }
    log "metacontroller: using E2E_METACONTROLLER_BIN=$E2E_METACONTROLLER_BIN"
    return 0
  fi
  if [[ -x $E2E_BIN/metacontroller-$E2E_METACONTROLLER_VERSION ]]; then
    log "metacontroller: using $E2E_BIN/metacontroller-$E2E_METACONTROLLER_VERSION"
    return 0
  fi
  log "metacontroller: no binary given (E2E_METACONTROLLER_BIN); it is not built from source"
  failed+=(metacontroller)
  return 1
}

components=("$@")
[[ ${#components[@]} -gt 0 ]] || components=(kubernetes etcd kwok coredns metacontroller)

total_start=$(date +%s)
for comp in "${components[@]}"; do
  case $comp in
    kubernetes|etcd|kwok|coredns|metacontroller) "build_$comp" || true ;;
    *) die "unknown component: $comp" ;;
  esac
done
log "build.sh done in $(( $(date +%s) - total_start ))s"

if [[ ${#failed[@]} -gt 0 ]]; then
  only_mc=1
  for f in "${failed[@]}"; do [[ $f == metacontroller ]] || only_mc=0; done
  if [[ $only_mc == 1 && ${E2E_REQUIRE_METACONTROLLER:-0} != 1 ]]; then
    log "no Metacontroller binary given; the cluster will come up without it."
    exit 0
  fi
  log "FAILED: ${failed[*]}"
  exit 1
fi
