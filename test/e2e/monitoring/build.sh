#!/usr/bin/env bash
# Builds kube-state-metrics for the e2e monitoring scenario from the Go module proxy
# (wrapper module test/e2e/tools/kube-state-metrics) into
#   ${STELLAR_PEERS_E2E_CACHE:-$HOME/.cache/stellar-peers-e2e}/bin/kube-state-metrics-<version>
# beside the control plane's binaries; a second run builds nothing. Prometheus is
# Debian's (/usr/bin/prometheus, package `prometheus`): this script only checks for it.
#
# usage: bash test/e2e/monitoring/build.sh
set -euo pipefail

# Paths and log() of the cluster harness (read only).
# shellcheck source-path=SCRIPTDIR source=../cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"

E2E_KSM_VERSION=v2.20.0 # keep in step with test/e2e/tools/kube-state-metrics/go.mod
KSM_BIN="$E2E_BIN/kube-state-metrics-$E2E_KSM_VERSION"

command -v go >/dev/null || die "go not found in PATH (need go >= 1.26)"
export CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off
mkdir -p "$E2E_BIN"

if [[ -x $KSM_BIN ]]; then
  log "kube-state-metrics $E2E_KSM_VERSION: cached ($KSM_BIN)"
else
  log "kube-state-metrics $E2E_KSM_VERSION: building ..."
  start=$(date +%s)
  (cd "$E2E_TOOLS_DIR/kube-state-metrics" && go build -trimpath \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=${E2E_KSM_VERSION#v}" \
    -o "$KSM_BIN.tmp.$$" k8s.io/kube-state-metrics/v2) || {
    rm -f "$KSM_BIN.tmp.$$"
    die "kube-state-metrics: BUILD FAILED"
  }
  mv -f "$KSM_BIN.tmp.$$" "$KSM_BIN"
  log "kube-state-metrics $E2E_KSM_VERSION: built in $(($(date +%s) - start))s"
fi

prometheus=${E2E_PROMETHEUS_BIN:-/usr/bin/prometheus}
if [[ -x $prometheus ]]; then
  log "prometheus: $("$prometheus" --version 2>&1 | head -n 1)"
else
  log "WARNING: $prometheus not found: apt-get install prometheus (Debian), or set E2E_PROMETHEUS_BIN"
fi
echo "$KSM_BIN"
